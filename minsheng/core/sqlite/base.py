"""Django's SQLite backend, with write transactions queued on an OS file lock.

SQLite has one writer. A transaction that finds the write lock taken is put to sleep by SQLite's
busy handler in growing steps (1, 2, 5, 10 … 100 ms) and polls again, so under a burst of writes
the lock often sits free while every waiter sleeps: throughput falls and the slowest requests wait
up to a second. Here every `atomic()` block first takes an exclusive `flock` on a file beside the
database, polling it in steps of at most a millisecond, then runs `BEGIN IMMEDIATE` as before.
SQLite's own locking stays the guarantee; the file lock only shortens the wait. It spans threads and
processes (each connection opens the file itself), so several server processes and the task worker
share one queue. Within a process the threads first queue on a lock of their own, which waits without
polling: only one thread per process polls the file lock (polling threads cost a quarter of a busy
server's CPU). A wait longer than the database's `timeout` option fails as SQLite would
("database is locked"), never hangs.

Writes outside `atomic()` (autocommit statements) do not queue; they keep the busy handler.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # not POSIX: no queue, SQLite's busy handler alone
    fcntl = None


# One lock per database file and process, for the threads of the process to queue on.
_THREAD_QUEUES: dict[str, threading.Lock] = {}
_THREAD_QUEUES_GUARD = threading.Lock()


def _forget_thread_queues() -> None:
    # A forked child starts with fresh locks (a copy could be held by a thread it does not have).
    global _THREAD_QUEUES_GUARD
    _THREAD_QUEUES.clear()
    _THREAD_QUEUES_GUARD = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_thread_queues)


def _thread_queue(path: str) -> threading.Lock:
    with _THREAD_QUEUES_GUARD:
        return _THREAD_QUEUES.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queue_pid = 0
    _queue_held = False
    _queue_lock: threading.Lock | None = None

    def _queue_path(self) -> str | None:
        if fcntl is None or self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.write-queue"

    def _queue_take(self) -> None:
        # A forked child must not share its parent's open file (flock belongs to the open file).
        if self._queue_fd is None or self._queue_pid != os.getpid():
            path = self._queue_path()
            if path is None:
                return
            self._queue_fd, self._queue_pid = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600), os.getpid()
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        lock = _thread_queue(self._queue_path())
        if not lock.acquire(timeout=timeout):
            raise sqlite3.OperationalError("database is locked (write queue)")
        pause = 0.0001
        try:
            while True:
                try:
                    fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise sqlite3.OperationalError("database is locked (write queue)") from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.001)
        except BaseException:
            lock.release()
            raise
        self._queue_lock = lock
        self._queue_held = True

    def _queue_release(self) -> None:
        if self._queue_held:
            self._queue_held = False
            lock, self._queue_lock = self._queue_lock, None
            if self._queue_pid == os.getpid():
                try:
                    fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
                finally:
                    if lock is not None:
                        lock.release()

    def _start_transaction_under_autocommit(self):
        with self.wrap_database_errors:
            self._queue_take()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._queue_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # A failed COMMIT leaves the transaction open; Django rolls it back next, and that releases.
            if self.connection is None or not self.connection.in_transaction:
                self._queue_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._queue_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._queue_release()
            if self._queue_fd is not None and self._queue_pid == os.getpid():
                os.close(self._queue_fd)
            self._queue_fd = None
