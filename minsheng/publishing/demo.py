"""The demo Open311 integration (interfaces.md: api_key `demo-open311-key`)."""

from __future__ import annotations

from .models import Open311Client, key_digest
from .services import add_client

DEMO_KEY = "demo-open311-key"
DEMO_NAME = "演示接入方"


def load(*, territory_only: bool = False) -> None:
    if Open311Client.objects.filter(key_digest=key_digest(DEMO_KEY)).exists():
        return
    add_client(name=DEMO_NAME, key=DEMO_KEY)
