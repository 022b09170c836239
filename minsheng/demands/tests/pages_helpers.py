"""Small helpers shared by the page tests (test_pages_*.py)."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

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


def photo(name: str = "photo.jpg", *, gps: bool = False, size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    """A small JPEG upload; with `gps`, EXIF carrying a camera maker and a GPS position (to see them removed)."""
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (31.0, 42.0, 0.0), 3: "E", 4: (119.0, 56.0, 0.0)}
        img.save(out, format="JPEG", exif=exif)
    else:
        img.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def not_a_photo(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html>not an image</html>", content_type="image/jpeg")
