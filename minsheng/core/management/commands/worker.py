"""`minsheng worker`: runs background tasks (django-tasks, database backend) and enqueues periodic jobs."""

import logging
import os
import socket
import time

from django.core.management.base import BaseCommand

from minsheng.core.periodic import run_due

log = logging.getLogger("minsheng.worker")


class Command(BaseCommand):
    help = "运行后台任务（通知、超期提醒、每日待办）。Run background tasks and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="enqueue due jobs, run every queued task, exit")
        parser.add_argument("--no-periodic", action="store_true", help="do not enqueue periodic jobs")

    def handle(self, *args, interval: float, once: bool, no_periodic: bool, **options):
        from django_tasks_db.management.commands.db_worker import Worker

        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        while True:
            if not no_periodic:
                try:
                    run_due()
                except Exception:  # a failed scheduling round is retried on the next poll
                    log.exception("periodic scheduling failed")
            Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                   max_tasks=None, worker_id=worker_id, excluded_queue_names=[]).run()
            if once:
                return
            time.sleep(interval)
