"""Security headers Django does not set by itself."""

import logging
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

# Scripts and styles come from our own static files only (ECharts, Leaflet, htmx are vendored
# through the install step). Images: our own, data: URLs (Leaflet's blank tile; they reach no host),
# and the map tile server if one is configured — no other host, so markup that slips into a page
# cannot make the browser call out.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src {img}; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def tile_origin(template: str) -> str:
    """The CSP source for an XYZ tile URL template: its scheme, host and port; Leaflet's `{s}`
    (subdomains) in the first label becomes `*`. Empty when the template names no single http(s) host."""
    try:
        parts = urlsplit(template.strip())
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname or ""
    labels = host.split(".")
    if labels and "{s}" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if parts.scheme not in ("http", "https") or len(labels) < 2 or "{" in host or "}" in host or "*" in host[1:]:
        if template:
            log.warning("MINSHENG_MAP_TILES names no single http(s) host; map tiles will be blocked: %s", template)
        return ""
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


@lru_cache(maxsize=8)
def content_security_policy(tiles: str) -> str:
    origin = tile_origin(tiles) if tiles else ""
    return CSP.format(img=" ".join(["'self'", "data:"] + ([origin] if origin else [])))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        tiles = getattr(settings, "MINSHENG_MAP_TILES", "")
        response.setdefault("Content-Security-Policy", content_security_policy(tiles))
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", "DENY")  # static files skip XFrameOptionsMiddleware
        return response


class DefaultChineseLocaleMiddleware:
    """Simplified Chinese for every page unless the visitor chose another language (the language
    switcher sets the cookie). The browser's Accept-Language is not followed: a half-translated page
    for an English browser helps nobody, and the platform's users read Chinese first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def out_of_space(exc: BaseException) -> bool:
    """A write that failed for lack of space: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100),
    or the file system's ENOSPC / EDQUOT (uploads, temporary files)."""
    import errno

    for e in (exc, exc.__cause__, exc.__context__):
        if e is None:
            continue
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(e, "sqlstate", None) == "53100" or getattr(e, "pgcode", None) == "53100":
            return True
        if "database or disk is full" in str(e) or "No space left on device" in str(e):
            return True
    return False


class BusyDatabaseMiddleware:
    """A database that stays locked past its timeout, or a disk that is full, answers 503 with
    Retry-After, not a 500: the request changed nothing and may be sent again later. JSON for the
    API, a plain message for pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import OperationalError

        if isinstance(exception, OperationalError) and "database is locked" in str(exception):
            return unavailable(request, "系统繁忙，请稍后重试", retry_after=5)
        if out_of_space(exception):
            return unavailable(request, "存储空间不足，暂时无法保存，请稍后重试（已通知管理员）", retry_after=60)
        return None


def unavailable(request: HttpRequest, message: str, *, retry_after: int) -> HttpResponse:
    from django.http import JsonResponse

    if request.path.startswith("/api/") or request.path.startswith("/open311/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response
