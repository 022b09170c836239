"""Refuse input no database can store before any view puts it in a query.

Three kinds of value reach the database as a 5xx if nothing stops them (found by schemathesis and by
attacking the running server, issue #17):
- NUL (0x00): PostgreSQL cannot store or compare text containing it (DataError);
- a lone UTF-16 surrogate (JSON's "\\ud800" without its pair): Python's UTF-8 encoder refuses it on
  either database (UnicodeEncodeError). Query strings and forms cannot carry one (Django decodes them
  with replacement characters); JSON strings can;
- an integer beyond 64 bits (in an id, a list of ids, a page number): SQLite's driver raises
  OverflowError, PostgreSQL DataError.
Django's forms refuse NUL; views and API endpoints that read request.GET or JSON bodies directly did
not, and an integer's size is nobody's check. The API answers 422 naming the field, like any invalid
input; pages answer 400; a path segment of too many digits names nothing that exists (404). The API's
DataError handler (minsheng/api.py) is the safety net behind this."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound, JsonResponse

MAX_JSON_CHECK = 1024 * 1024
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[+-]?\d+")
# Worth parsing the body only when it may hold one of the three: a NUL escape, a surrogate escape,
# or a run of 19+ digits (2**63 has 19).
_SUSPECT_JSON = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\d{19}")


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "含有非法字符（NUL）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无法存储的字符（不成对的代理码位）"
    return None


def _too_big(value: str) -> bool:
    return len(value) >= 19 and _DIGITS.fullmatch(value.strip()) is not None and abs(int(value)) > INT64_MAX


def _in_query(data) -> tuple[str, str] | None:
    for key, values in data.lists():
        if "\x00" in key:
            return key.replace("\x00", "") or "?", "含有非法字符（NUL）"
        for v in values:
            if "\x00" in v:
                return key, "含有非法字符（NUL）"
            if _too_big(v):
                return key, "数值超出范围"
    return None


def _in_json(value, field: str = "") -> tuple[str, str] | None:
    if isinstance(value, str):
        reason = _bad_text(value)
        return (field or "body", reason) if reason else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (field or "body", "数值超出范围") if abs(value) > INT64_MAX else None
    if isinstance(value, dict):
        for k, v in value.items():
            if reason := _bad_text(str(k)):
                return "body", f"字段名{reason}"
            if found := _in_json(v, f"{field}.{k}" if field else str(k)):
                return found
    if isinstance(value, list):
        for v in value:
            if found := _in_json(v, field):
                return found
    return None


def _in_body(request: HttpRequest) -> tuple[str, str] | None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.content_type == "application/x-www-form-urlencoded":
        return _in_query(request.POST)
    if request.content_type != "application/json":
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_JSON_CHECK + 1
    body = request.body if length <= MAX_JSON_CHECK else b""
    if not _SUSPECT_JSON.search(body):
        return None
    try:
        return _in_json(json.loads(body))
    except ValueError:
        return None  # not JSON: the endpoint answers 422


class RejectUnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith("/api/")
        if any(_too_big(segment) for segment in request.path.split("/") if segment):
            if is_api:
                return JsonResponse({"detail": "未找到"}, status=404)
            return HttpResponseNotFound("未找到", content_type="text/plain; charset=utf-8")
        found = ("path", "含有非法字符（NUL）") if "\x00" in request.path else _in_query(request.GET)
        if found is None:
            found = _in_body(request)
        if found is None:
            return self.get_response(request)
        field, reason = found
        detail = f"{field}: {reason}"
        if is_api:
            return JsonResponse({"detail": detail, "field": field}, status=422)
        return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
