"""Security headers Django does not set by itself."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Scripts and styles come from our own static files only (ECharts, Leaflet, htmx are vendored
# through the install step). Map tiles are images from a configurable host, hence img-src.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https: http:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
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
        from django.conf import settings
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
