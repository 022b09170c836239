"""Reads of Open311 GeoReport v2: demands as GeoReport requests, with no personal data and no free
text (a resident's words may name people or flats), coordinates rounded to about 100 m."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from minsheng.core.dates import MAX_YEAR, MIN_YEAR, year_in_range
from minsheng.demands.models import OPEN_STATES, Category, Demand
from minsheng.territory.models import Town

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def is_open(status: str) -> bool:
    return status in OPEN_STATES


def _iso(dt) -> str | None:
    return timezone.localtime(dt).isoformat() if dt else None


def request_row(d: Demand) -> dict:
    """One demand as a GeoReport request: no personal data, no free text."""
    lat, lon = (d.place.lat, d.place.lon) if d.place and d.place.lat is not None else (d.lat, d.lon)
    if d.place:
        address = f"{d.community.name if d.community else ''}{d.place.name}"
    elif d.grid:
        address = f"{d.grid.community.name}{d.grid.name}"
    else:
        address = d.community.name if d.community else d.town.name
    return {
        "service_request_id": d.code,
        "status": "open" if is_open(d.status) else "closed",
        "status_notes": d.get_status_display(),
        "service_name": d.get_category_display(),
        "service_code": d.category,
        "description": "",
        "agency_responsible": d.community.name if d.community else d.town.name,
        "service_notice": "",
        "requested_datetime": _iso(d.received_at),
        "updated_datetime": _iso(d.updated_at),
        "expected_datetime": _iso(d.due_at),
        "address": address,
        "address_id": "",
        "zipcode": "",
        "lat": round(lat, 3) if lat is not None else None,
        "long": round(lon, 3) if lon is not None else None,
        "media_url": "",
    }


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def _parse_when(name: str, value: str) -> datetime:
    value = value.strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    try:  # well-formed but impossible (2026-13-45) raises ValueError; malformed gives None
        dt = parse_datetime(value) or _midnight(parse_date(value))
    except ValueError:
        dt = None
    if dt is None:
        raise Open311Error(400, f"{name}: not a w3 datetime (e.g. 2026-10-01T00:00:00+08:00)")
    if not year_in_range(dt):  # adding the default span or converting to UTC would overflow
        raise Open311Error(400, f"{name}: the year must lie between {MIN_YEAR} and {MAX_YEAR}")
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt, timezone.get_current_timezone())
    return dt


def base_requests():
    return Demand.objects.select_related("community", "grid__community", "place", "town")


def requests_matching(params) -> list[dict]:
    """GET /requests: the demands a GeoReport query names (ids, or service codes, dates, status)."""
    qs = base_requests()
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction:
        qs = qs.filter(town=find_town(jurisdiction))
    ids = [x.strip() for x in params.get("service_request_id", "").split(",") if x.strip()]
    if ids:  # the standard: other parameters are ignored
        rows = {d.code: d for d in qs.filter(code__in=ids[:MAX_REQUESTS])}
        return [request_row(rows[i]) for i in ids if i in rows]
    codes = [x.strip() for x in params.get("service_code", "").split(",") if x.strip()]
    unknown = [c for c in codes if c not in Category.values]
    if unknown:
        raise Open311Error(400, f"service_code {','.join(unknown)} not found")
    if codes:
        qs = qs.filter(category__in=codes)
    end = _parse_when("end_date", params["end_date"]) if params.get("end_date") else None
    start = _parse_when("start_date", params["start_date"]) if params.get("start_date") else None
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    elif end is None:
        end = start + timedelta(days=DEFAULT_DAYS)
    if end - start > timedelta(days=DEFAULT_DAYS):
        raise Open311Error(400, f"start_date..end_date may span at most {DEFAULT_DAYS} days")
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    status = params.get("status", "").strip().lower()
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if wanted == {"open"}:
            qs = qs.filter(status__in=OPEN_STATES)
        elif wanted == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATES)
    return [request_row(d) for d in qs.order_by("-received_at", "-id")[:MAX_REQUESTS]]


def find_town(jurisdiction: str) -> Town:
    town = Town.objects.filter(code=jurisdiction).first() or Town.objects.filter(name=jurisdiction).first()
    if town is None:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction} not found")
    return town
