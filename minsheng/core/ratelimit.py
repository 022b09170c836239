"""Fixed-window rate limits shared by every worker process (stored in the database)."""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F

from .errors import Throttled
from .models import RateBucket


def hit(key: str, *, limit: int, per_seconds: int, message: str = "请求过于频繁，请稍后再试") -> None:
    """Count one request for `key`; raise Throttled (429) once `limit` is passed in this window."""
    window = int(time.time()) // per_seconds * per_seconds
    with transaction.atomic():
        updated = RateBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateBucket.objects.create(key=key, window=window, count=1)
            except IntegrityError:  # another worker created it first
                RateBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateBucket.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0
    if count > limit:
        raise Throttled(message)
    # Old windows are useless; prune now and then.
    if count == 1:
        RateBucket.objects.filter(window__lt=window - 86400).delete()


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
