"""gunicorn hooks for `minsheng serve`: start one background worker beside the web workers and stop it
with the server (MINSHENG_RUN_WORKER=0 to run workers separately, e.g. when scaling out).

The worker dies with the server even when the server is killed outright (kill -9 leaves no time for
`on_exit`): on Linux the kernel sends it SIGTERM when its parent dies, and everywhere it checks its
parent between polls — so a restart never runs two workers on one data directory."""

import ctypes
import os
import signal
import subprocess
import sys

_worker: subprocess.Popen | None = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the worker's own parent check covers it
        pass


def on_starting(server):
    global _worker
    if os.environ.get("MINSHENG_RUN_WORKER", "1") == "1":
        env = dict(os.environ, MINSHENG_PARENT_PID=str(os.getpid()))
        _worker = subprocess.Popen([sys.executable, "-m", "minsheng", "worker"], env=env,
                                   preexec_fn=_die_with_parent)
        server.log.info("minsheng background worker started (pid %s)", _worker.pid)


def on_exit(server):
    if _worker is not None and _worker.poll() is None:
        _worker.terminate()
        try:
            _worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _worker.kill()


def post_worker_init(worker):
    """Load what the first demand would otherwise wait seconds for — the triage model, jieba's
    dictionary, each town's gazetteer — before this worker takes a request (the worker accepts
    connections only after this hook returns)."""
    import time

    from django.db import connections

    t0 = time.monotonic()
    try:
        from django.urls import get_resolver
        from django.utils import translation

        from minsheng.triage.services import warm_up

        get_resolver().resolve("/")  # imports every view module and builds the API's routes
        for language in ("zh-hans", "en"):  # the translation catalogues
            with translation.override(language):
                translation.gettext("诉求")
        warm_up()
    except Exception:  # a worker that could not warm up still serves; the first demand pays instead
        worker.log.exception("triage warm-up failed")
    finally:
        connections.close_all()  # opened in this thread for the warm-up; requests open their own
    worker.log.info("triage warmed up in %.1f s", time.monotonic() - t0)
