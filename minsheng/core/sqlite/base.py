"""Django's SQLite backend, with write transactions queued on an OS file lock.

SQLite has one writer. A transaction that finds the write lock taken is put to sleep by SQLite's
busy handler in growing steps (1, 2, 5, 10 … 100 ms) and polls again, so under a burst of writes
the lock often sits free while every waiter sleeps: throughput falls and the slowest requests wait
up to a second. Here every `atomic()` block first takes an exclusive `flock` on a file beside the
database, polling it in steps of at most a millisecond, then runs `BEGIN IMMEDIATE` as before.
SQLite's own locking stays the guarantee; the file lock only shortens the wait. It spans threads and
processes (each connection opens the file itself), so several server processes and the task worker
share one queue. A wait longer than the database's `timeout` option fails as SQLite would
("database is locked"), never hangs.

Writes outside `atomic()` (autocommit statements) do not queue; they keep the busy handler.
"""

from __future__ import annotations

import os
import sqlite3
import time

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # not POSIX: no queue, SQLite's busy handler alone
    fcntl = None


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queue_pid = 0
    _queue_held = False

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
        deadline, pause = None, 0.0001
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + float(self.settings_dict["OPTIONS"].get("timeout", 5))
                elif now > deadline:
                    raise sqlite3.OperationalError("database is locked (write queue)") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
        self._queue_held = True

    def _queue_release(self) -> None:
        if self._queue_held:
            self._queue_held = False
            if self._queue_pid == os.getpid():
                fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

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
