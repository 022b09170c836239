"""Fixed-window rate limits shared by every worker process (stored in the database)."""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
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
    """The address of the client: the direct peer, unless that peer is a trusted proxy
    (`MINSHENG_TRUSTED_PROXIES`); then the right-most X-Forwarded-For address that is not itself a trusted
    proxy. Entries left of it were written by the client and are never believed."""
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = _networks(tuple(getattr(settings, "MINSHENG_TRUSTED_PROXIES", ()) or ()))
    if not proxies or not _trusted(peer, proxies):
        return peer
    address = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # A trusted proxy never writes this; stop at what the last trusted hop saw.
            return address
        address = hop
        if not _trusted(hop, proxies):
            return hop
    return address  # every hop is a proxy: the left-most one is the client


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
