"""What `/healthz` checks: the database answers, it can still write (a full disk lets reads succeed
while every write fails), and the data directory has room. The write probe rewrites one row and is
cached for `MINSHENG_HEALTH_PROBE_SECONDS`, so a load balancer polling every second costs a write
every couple of seconds at most."""

from __future__ import annotations

import shutil
import threading
import time

from django.conf import settings
from django.db import connection

from .middleware import out_of_space
from .services import record_write_probe

_cache: dict = {"at": 0.0, "state": None}
_lock = threading.Lock()


def _probe() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", answered, not raised
        return {"status": "error", "database": "unavailable"}
    free = shutil.disk_usage(settings.DATA_DIR).free
    if free < settings.MINSHENG_MIN_FREE_MB * 1024 * 1024:
        return {"status": "error", "database": "ok", "disk": "full", "free_mb": free // (1024 * 1024)}
    try:
        record_write_probe()
    except Exception as exc:
        return {"status": "error", "database": "read-only", "disk": "full" if out_of_space(exc) else "unknown"}
    return {"status": "ok"}


def check() -> dict:
    now = time.monotonic()
    state = _cache["state"]
    if state is not None and now - _cache["at"] < settings.MINSHENG_HEALTH_PROBE_SECONDS:
        return state
    with _lock:
        if _cache["state"] is None or time.monotonic() - _cache["at"] >= settings.MINSHENG_HEALTH_PROBE_SECONDS:
            _cache["state"] = _probe()
            _cache["at"] = time.monotonic()
        return _cache["state"]


def forget() -> None:
    """Drop the cached answer (tests, and after an operator freed space)."""
    _cache["state"] = None
