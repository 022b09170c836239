"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Services are the taxonomy categories. GET answers never carry personal data: no reporter, no free
text (a resident's words may name people or flats), coordinates rounded to about 100 m, the address
being the registered public place or the grid. POST needs an api_key issued to an integration
(`Open311Client`) and files the demand through `demands.services.register` (channel `online`,
source_ref `open311:<client>`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from xml.etree import ElementTree as ET

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from minsheng.core.dates import MAX_YEAR, MIN_YEAR, year_in_range
from minsheng.core.errors import DomainError
from minsheng.demands.models import OPEN_STATES, Category, Demand
from minsheng.demands.services import register
from minsheng.territory.models import Town

from .models import Open311Client

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00+08:00"

# code → (group, description, keywords)
SERVICE_INFO = {
    "drainage": ("环境与设施", "下水道堵塞、污水外溢、积水、排涝设施", "下水道,堵塞,积水,排涝,污水"),
    "sanitation": ("环境与设施", "垃圾清运、乱堆杂物、公厕、卫生死角", "垃圾,公厕,杂物,卫生"),
    "greenery": ("环境与设施", "行道树、乔木修剪、绿化带、荒地", "树木,修剪,绿化,草坪"),
    "recreation": ("环境与设施", "健身器材、健身路径、休闲椅、篮球场", "健身器材,休闲椅,篮球场,晾衣架"),
    "parking_roads": ("环境与设施", "停车难、道路破损、路灯、停车场", "停车,道路,路灯,井盖"),
    "ebike_fire": ("安全", "电动车充电、飞线充电、消防通道", "电动车,充电,消防,飞线"),
    "housing": ("安全", "房屋漏水、楼道、电梯、物业服务", "漏水,楼道,电梯,物业"),
    "health": ("社区服务", "社区卫生服务站、义诊、就医", "卫生服务站,义诊,就医"),
    "elderly": ("社区服务", "高龄老人关爱、助餐、居家养老", "老人,养老,助餐"),
    "order_disputes": ("安全", "治安、噪音、邻里纠纷", "噪音,纠纷,治安"),
    "services": ("社区服务", "政策咨询、证明办理、社保医保", "咨询,办事,社保,医保"),
    "culture": ("社区服务", "文化活动、青少年教育、讲座培训", "文化,教育,讲座,培训"),
    "other": ("其他", "其他民生诉求", "其他"),
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------------------------------------
# Rendering


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml(root: str, item: str | None, rows) -> bytes:
    top = ET.Element(root)
    for row in rows if item else [rows]:
        parent = ET.SubElement(top, item) if item else top
        for key, value in row.items():
            child = ET.SubElement(parent, key)
            if isinstance(value, list):  # only lists of dicts (endpoints, attributes) or formats
                for sub in value:
                    if isinstance(sub, dict):
                        node = ET.SubElement(child, sub.pop("_tag"))
                        for k, v in sub.items():
                            if isinstance(v, list):
                                holder = ET.SubElement(node, k)
                                for s in v:
                                    ET.SubElement(holder, k[:-1]).text = _text(s)
                            else:
                                ET.SubElement(node, k).text = _text(v)
                    else:
                        ET.SubElement(child, key[:-1]).text = _text(sub)
            else:
                child.text = _text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")


def _respond(fmt: str, data, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        import copy

        return HttpResponse(_xml(root, item, copy.deepcopy(data)), status=status,
                            content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, [{"code": status, "description": description}], root="errors", item="error",
                    status=status)


def _handled(view):
    def wrapper(request, *args, fmt: str = "json", **kwargs):
        if fmt not in ("json", "xml"):
            return _error("json", 404, "format must be json or xml")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except DomainError as exc:
            return _error(fmt, 404 if exc.status == 404 else 400, exc.detail)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def _only(request, *methods):
    if request.method not in methods:
        raise Open311Error(405 if request.method not in ("GET", "POST") else 400,
                           f"method {request.method} not allowed here")


# ---------------------------------------------------------------------------------------------
# Views


@_handled
def discovery(request, fmt):
    _only(request, "GET")
    base = request.build_absolute_uri(reverse("publishing:open311_root"))
    data = {
        "changeset": CHANGESET,
        "contact": "湖塘镇民生办 / minsheng",
        "key_service": "api_key 由平台管理员在后台（Open311 接入方）签发",
        "endpoints": [{
            "_tag": "endpoint",
            "specification": SPEC,
            "url": base.rstrip("/"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    if fmt == "json":
        data["endpoints"] = [{k: v for k, v in e.items() if k != "_tag"} for e in data["endpoints"]]
    return _respond(fmt, data, root="discovery", item=None)


def _service(code: str, name: str) -> dict:
    group, description, keywords = SERVICE_INFO.get(code, ("其他", str(name), ""))
    return {
        "service_code": code,
        "service_name": str(name),
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": group,
    }


def services_list() -> list[dict]:
    return [_service(code, name) for code, name in Category.choices]


@_handled
def services(request, fmt):
    _only(request, "GET")
    return _respond(fmt, services_list(), root="services", item="service")


@_handled
def service_definition(request, code, fmt):
    _only(request, "GET")
    if code not in Category.values:
        raise Open311Error(404, f"service_code {code} not found")
    data = {"service_code": code, "attributes": []}
    return _respond(fmt, data, root="service_definition", item=None)


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


def _base_qs():
    return Demand.objects.select_related("community", "grid__community", "place", "town")


def _get_requests(request) -> list[dict]:
    params = request.GET
    qs = _base_qs()
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction:
        town = Town.objects.filter(code=jurisdiction).first() or Town.objects.filter(name=jurisdiction).first()
        if town is None:
            raise Open311Error(404, f"jurisdiction_id {jurisdiction} not found")
        qs = qs.filter(town=town)
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


def _float(name: str, value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"{name}: not a number") from None


def _post_request(request) -> dict:
    p = request.POST
    client = Open311Client.for_key(p.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key missing, unknown or revoked")
    code = p.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in Category.values:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lon = _float("lat", p.get("lat")), _float("long", p.get("long"))
    address = p.get("address_string", "").strip()
    if (lat is None or lon is None) and not address and not p.get("address_id"):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = p.get("description", "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    town = None
    jurisdiction = p.get("jurisdiction_id", "").strip()
    if jurisdiction:
        town = Town.objects.filter(code=jurisdiction).first() or Town.objects.filter(name=jurisdiction).first()
        if town is None:
            raise Open311Error(404, f"jurisdiction_id {jurisdiction} not found")
    name = (p.get("last_name", "").strip() + p.get("first_name", "").strip())
    try:
        with transaction.atomic():
            demand, _token = register(
                text=description, channel="online", town=town,
                place_text=address or p.get("address_id", "").strip(),
                lat=lat if lon is not None else None, lon=lon if lat is not None else None,
                reporter_name=name, reporter_phone=p.get("phone", "").strip(),
                source_ref=f"open311:{client.name}", category=code,
            )
    except DomainError as exc:
        raise Open311Error(404 if exc.status == 404 else 400, exc.detail) from exc
    return {
        "service_request_id": demand.code,
        "token": None,
        "service_notice": f"已登记，编号 {demand.code}，将按时限派单办理。",
        "account_id": None,
    }


@_handled
def requests_view(request, fmt):
    _only(request, "GET", "POST")
    if request.method == "POST":
        return _respond(fmt, [_post_request(request)], root="service_requests", item="request")
    return _respond(fmt, _get_requests(request), root="service_requests", item="request")


@_handled
def request_detail(request, code, fmt):
    _only(request, "GET")
    d = _base_qs().filter(code=code).first()
    if d is None:
        raise Open311Error(404, f"service_request_id {code} not found")
    return _respond(fmt, [request_row(d)], root="service_requests", item="request")
