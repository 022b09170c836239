"""`minsheng worker`: runs background tasks (django-tasks, database backend) and enqueues periodic jobs."""

import logging
import os
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from minsheng.core.services import run_due

log = logging.getLogger("minsheng.worker")


class Command(BaseCommand):
    help = "运行后台任务（通知、超期提醒、每日待办）。Run background tasks and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="enqueue due jobs, run every queued task, exit")
        parser.add_argument("--no-periodic", action="store_true", help="do not enqueue periodic jobs")

    def handle(self, *args, interval: float, once: bool, no_periodic: bool, **options):
        run_queued = _rq_burst if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq") else _db_batch
        parent = int(os.environ.get("MINSHENG_PARENT_PID", "0") or 0)
        while True:
            if parent and os.getppid() != parent:
                log.warning("the server that started this worker (pid %s) is gone: exiting", parent)
                return
            if not no_periodic:
                try:
                    run_due()
                except Exception:  # a failed scheduling round is retried on the next poll
                    log.exception("periodic scheduling failed")
            run_queued()
            if once:
                return
            time.sleep(interval)


def _db_batch() -> None:
    """Run every ready task of the database backend, then return."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id=worker_id, excluded_queue_names=[]).run()


def _rq_burst() -> None:
    """Run every queued job in Redis (RQ), then return."""
    import django_rq
    from django_tasks_rq import Job

    django_rq.get_worker("default", job_class=Job).work(burst=True, with_scheduler=False)
