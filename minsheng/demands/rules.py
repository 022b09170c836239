"""Validation of demand input and the deadline rules (domain.md §3), shared by every channel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput

from .models import Channel, Complexity

MAX_TEXT = 2000
MAX_NAME = 60
MAX_PLACE = 200
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")

DEFAULT_DEADLINES = {
    "contact_hours": {"urgent": 2, "ordinary": 24},
    "completion_hours": {"urgent": 24, "ordinary": 24 * 7, "complex": 24 * 15},
}


def clean_text(text: str | None, *, field: str = "text", max_len: int = MAX_TEXT, required: bool = True) -> str:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput(f"{field}: 不能为空", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{field}: 不能超过 {max_len} 个字符（现有 {len(value)}）", field=field)
    if "\x00" in value:
        raise InvalidInput(f"{field}: 含有非法字符", field=field)
    return value


def told(text: str | None) -> str:
    """What staff write for the reporter (告知诉求人); the `note` beside it stays internal."""
    return clean_text(text, field="tell_reporter", max_len=500, required=False)


def clean_channel(channel: str | None) -> str:
    if channel in Channel.values:
        return channel
    # Short names (居民自助, 微信群 …) are accepted too, as in the ledger.
    for value, label in Channel.choices:
        if channel == str(label):
            return value
    raise InvalidInput(f"channel: 未知渠道“{channel}”，可选 {', '.join(Channel.values)}", field="channel")


def anonymous_channel(channel: str | None) -> str:
    """The channel of an anonymous caller: online only. Staff record what came in by telephone, meeting
    or visit; the public cannot file under those (they count separately in the statistics)."""
    value = clean_channel(channel)
    if value != Channel.ONLINE:
        raise InvalidInput(_("channel: 匿名提交只能使用 %(channel)s 渠道") % {"channel": Channel.ONLINE.value},
                           field="channel")
    return value


def clean_phone(phone: str | None) -> str:
    value = re.sub(r"[\s()（）]", "", phone or "")
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        return ""
    if MOBILE.match(value) or LANDLINE.match(value):
        return value
    raise InvalidInput("reporter_phone: 不是有效的手机号或固定电话", field="reporter_phone")


def clean_point(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise InvalidInput("lat/lon: 经纬度须同时提供", field="lat" if lat is None else "lon")
    if not -90 <= lat <= 90:
        raise InvalidInput("lat: 纬度须在 -90 与 90 之间", field="lat")
    if not -180 <= lon <= 180:
        raise InvalidInput("lon: 经度须在 -180 与 180 之间", field="lon")
    return float(lat), float(lon)


def deadlines() -> dict:
    return getattr(settings, "MINSHENG_DEADLINES", DEFAULT_DEADLINES)


def contact_deadline(assigned_at: datetime, *, urgent: bool) -> datetime:
    hours = deadlines()["contact_hours"]["urgent" if urgent else "ordinary"]
    return assigned_at + timedelta(hours=hours)


def completion_deadline(assigned_at: datetime, *, urgent: bool, complexity: str = Complexity.ORDINARY) -> datetime:
    table = deadlines()["completion_hours"]
    key = "urgent" if urgent else ("complex" if complexity == Complexity.COMPLEX else "ordinary")
    return assigned_at + timedelta(hours=table[key])
