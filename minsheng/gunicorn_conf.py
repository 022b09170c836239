"""gunicorn hooks for `minsheng serve`: start one background worker beside the web workers and stop it
with the server (MINSHENG_RUN_WORKER=0 to run workers separately, e.g. when scaling out)."""

import os
import subprocess
import sys

_worker: subprocess.Popen | None = None


def on_starting(server):
    global _worker
    if os.environ.get("MINSHENG_RUN_WORKER", "1") == "1":
        _worker = subprocess.Popen([sys.executable, "-m", "minsheng", "worker"])
        server.log.info("minsheng background worker started (pid %s)", _worker.pid)


def on_exit(server):
    if _worker is not None and _worker.poll() is None:
        _worker.terminate()
        try:
            _worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _worker.kill()
