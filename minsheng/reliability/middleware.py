"""Refuse NUL characters in URLs and form fields with a 400, before any view puts them in a query.

PostgreSQL cannot store or compare text with NUL (0x00) and raises DataError, which would be a 5xx
(found by schemathesis on /api/v1/auth/token and /api/v1/demands filters). Django's forms already
refuse NUL; views and API endpoints that read request.GET or JSON bodies directly did not. The API's
DataError handler (minsheng/api.py) is the safety net behind this."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

MESSAGE = "请求中含有非法字符（NUL） the request contains a NUL character"


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


def _json_has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_has_nul(k) or _json_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(v) for v in value)
    return False


MAX_JSON_CHECK = 1024 * 1024


class RejectNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = "\x00" in request.path or _has_nul(request.GET)
        if not bad and request.content_type == "application/x-www-form-urlencoded":
            bad = _has_nul(request.POST)
        elif not bad and request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = MAX_JSON_CHECK + 1
            body = request.body if length <= MAX_JSON_CHECK else b""
            if b"\\u0000" in body:
                try:
                    bad = _json_has_nul(json.loads(body))
                except ValueError:
                    pass  # not JSON: the endpoint answers 422
        if bad:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
