"""Refuse NUL characters in URLs, form fields and JSON strings before any view puts them in a query.

PostgreSQL cannot store or compare text with NUL (0x00) and raises DataError, which would be a 5xx
(found by schemathesis on /api/v1/auth/token and the /api/v1/demands filters). Django's forms already
refuse NUL; views and API endpoints that read request.GET or JSON bodies directly did not. The API
answers 422 naming the field, like any invalid input; pages answer 400. The API's DataError handler
(minsheng/api.py) is the safety net behind this."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

MAX_JSON_CHECK = 1024 * 1024


def _in_query(data) -> str | None:
    for key, values in data.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", "") or "?"
    return None


def _in_json(value, field: str = "") -> str | None:
    if isinstance(value, str):
        return (field or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in str(k):
                return str(k).replace("\x00", "") or "body"
            if found := _in_json(v, f"{field}.{k}" if field else str(k)):
                return found
    if isinstance(value, list):
        for v in value:
            if found := _in_json(v, field):
                return found
    return None


class RejectNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = "path" if "\x00" in request.path else _in_query(request.GET)
        if field is None and request.content_type == "application/x-www-form-urlencoded":
            field = _in_query(request.POST)
        elif field is None and request.content_type == "application/json" and request.method in ("POST", "PUT",
                                                                                                 "PATCH"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = MAX_JSON_CHECK + 1
            body = request.body if length <= MAX_JSON_CHECK else b""
            if b"\\u0000" in body:
                try:
                    field = _in_json(json.loads(body))
                except ValueError:
                    pass  # not JSON: the endpoint answers 422
        if field is None:
            return self.get_response(request)
        detail = f"{field}: 含有非法字符（NUL）"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail, "field": field}, status=422)
        return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
