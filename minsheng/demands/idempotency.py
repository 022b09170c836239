"""One answer per request key: a retry, a double tap or several posts at once with the same key get the
first request's answer and change nothing more.

The record is written in the same transaction as the change it answers for, under a unique constraint
on (caller, key): of concurrent requests one commits, the others find its record and replay it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction

from minsheng.core.errors import Conflict

from .models import Demand, IdempotencyRecord


def request_digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def recorded(caller: str, key: str, request_hash: str, *, reused: str) -> dict | None:
    """The body answered to (caller, key) before, or None. Conflict (`reused`) when that key came with
    other content."""
    record = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise Conflict(reused)
    return record.body


def once(caller: str, key: str, request_hash: str, make: Callable[[], tuple[dict, Demand]], *,
         reused: str) -> tuple[dict, bool]:
    """Run `make` (returning the answer's body and the demand it made) once for (caller, key).
    Returns (body, replayed)."""
    if (body := recorded(caller, key, request_hash, reused=reused)) is not None:
        return body, True
    try:
        with transaction.atomic():
            if (body := recorded(caller, key, request_hash, reused=reused)) is not None:
                return body, True
            body, demand = make()
            IdempotencyRecord.objects.create(caller=caller, key=key, request_hash=request_hash, status_code=201,
                                             body=body, demand=demand)
    except IntegrityError:
        # A concurrent request with the same key committed first: its answer is the answer.
        if (body := recorded(caller, key, request_hash, reused=reused)) is None:
            raise
        return body, True
    return body, False


def forget(demand_ids) -> int:
    """Drop the kept answers of these demands (they may hold a credential; erasure and retention)."""
    return IdempotencyRecord.objects.filter(demand_id__in=demand_ids).delete()[0]


def drop_older_than(before) -> int:
    """Retention: answers kept for retries are needed for hours, not for ever."""
    return IdempotencyRecord.objects.filter(created_at__lt=before).delete()[0]
