"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Services are the taxonomy categories. GET answers never carry personal data: no reporter, no free
text (a resident's words may name people or flats), coordinates rounded to about 100 m, the address
being the registered public place or the grid. POST needs an api_key issued to an integration
(`Open311Client`) and files the demand through `demands.services.register` (channel `online`,
source_ref `open311:<client>`).
"""

from __future__ import annotations

import copy
import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from minsheng.core.errors import DomainError
from minsheng.demands.models import Category

from . import selectors
from . import services as writes
from .models import Open311Client
from .selectors import Open311Error

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




















@_handled
def requests_view(request, fmt):
    _only(request, "GET", "POST")
    if request.method == "POST":
        client = Open311Client.for_key(request.POST.get("api_key", ""))
        if client is None:
            raise Open311Error(403, "api_key missing, unknown or revoked")
        return _respond(fmt, [writes.submit_request(client=client, p=request.POST)], root="service_requests",
                        item="request")
    return _respond(fmt, selectors.requests_matching(request.GET), root="service_requests", item="request")


@_handled
def request_detail(request, code, fmt):
    _only(request, "GET")
    d = selectors.base_requests().filter(code=code).first()
    if d is None:
        raise Open311Error(404, f"service_request_id {code} not found")
    return _respond(fmt, [selectors.request_row(d)], root="service_requests", item="request")
