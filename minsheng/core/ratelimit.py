"""Who a request comes from (`client_ip`, honouring only trusted proxies): the key of the rate limits,
which `core.services.hit` counts."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


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
