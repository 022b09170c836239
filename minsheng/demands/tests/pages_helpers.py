"""Small helpers shared by the page tests (test_pages_*.py)."""

from __future__ import annotations

import re

from django.test import Client

from minsheng.demands import services
from minsheng.demands.models import Demand

TEXT = "采菱家园二期12幢下水道堵塞，污水返到厨房"


def make_demand(text: str = TEXT, *, phone: str = "13812345678", name: str = "张三", **extra) -> tuple[Demand, str]:
    """A demand registered through the service, as any channel would; returns it and its tracking token."""
    return services.register(text=text, channel="online", reporter_name=name, reporter_phone=phone, **extra)


def act(client: Client, d: Demand | str, action: str, data: dict | None = None, *, htmx: bool = False,
        version: int | None | bool = True):
    """POST one action form of the demand page, with the version the page would show."""
    code = d if isinstance(d, str) else d.code
    body = dict(data or {})
    if version is True:
        body["version"] = Demand.objects.get(code=code).version
    elif version is not None and version is not False:
        body["version"] = version
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/desk/demands/{code}/act/{action}", body, **extra)


def status_of(code: str) -> str:
    return Demand.objects.get(code=code).status


def text(response) -> str:
    return response.content.decode()


def visible_text(response) -> str:
    """The page without tags (to check what people read, not attribute values)."""
    return re.sub(r"<[^>]+>", " ", text(response))
