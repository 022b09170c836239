"""`minsheng serve`: the production server (gunicorn, static files by WhiteNoise)."""

import os
import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "运行生产服务器 (gunicorn)。Run the production server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("MINSHENG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("MINSHENG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("MINSHENG_WORKERS", "0")) or None,
                            help="worker processes (default: 2 × CPU cores + 1, at most 9)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("MINSHENG_THREADS", "4")))
        parser.add_argument("--timeout", type=int, default=60)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background worker (run `minsheng worker` elsewhere)")

    def handle(self, *args, host, port, workers, threads, timeout, no_worker, **options):
        env = dict(os.environ, MINSHENG_SERVE="1", DJANGO_SETTINGS_MODULE="minsheng.settings")
        if no_worker:
            env["MINSHENG_RUN_WORKER"] = "0"
        # Collect with the serving storage (hashed names + manifest), in a process that has it.
        done = subprocess.run(
            [sys.executable, "-m", "minsheng", "collectstatic", "--noinput", "--verbosity", "0"], env=env
        )
        if done.returncode:
            raise CommandError("collectstatic failed")
        workers = workers or min(2 * (os.cpu_count() or 1) + 1, 9)
        host_arg = f"[{host}]" if ":" in host and not host.startswith("[") else host
        argv = [
            sys.executable, "-m", "gunicorn", "minsheng.wsgi:application", "--config", "python:minsheng.gunicorn_conf",
            "--bind", f"{host_arg}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", str(timeout), "--graceful-timeout", "20",
            "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1,::1",
            # gunicorn's control socket defaults to one path in the home folder that every server on
            # the machine would share; minsheng does not use it (restart with signals).
            "--no-control-socket",
        ]
        self.stdout.write(f"minsheng serving on http://{host_arg}:{port}/ with {workers} workers")
        self.stdout.flush()
        os.execve(sys.executable, argv, env)
