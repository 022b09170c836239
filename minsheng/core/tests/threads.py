"""Run the same work on several threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_in_threads(work: Callable[[], Any], n: int) -> list:
    """Start `n` threads running `work` together; return their results once all are done, or raise the
    first error one of them met. Each thread closes its connections when it ends."""
    results, errors = [], []

    def run():
        try:
            results.append(work())
        except BaseException as exc:  # raised in the caller below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
