"""Who is calling the API: a bearer token or the page session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth
from ninja.utils import check_csrf

from .services import token_for, user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        row = token_for(token)
        if row is None:
            return None
        request.user = row.user
        request.api_token = row  # the presented token, for DELETE /auth/token and the token list
        return row.user


bearer = BearerToken()
# Staff endpoints: a token, or the signed-in page session (CSRF-checked by ninja).
staff_auth = [bearer, django_auth]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def session_write_without_csrf(request: HttpRequest) -> bool:
    """An unsafe request that carries no valid CSRF token: it must not act with the page session (a
    same-site page on another origin can send the cookie with a `text/plain` POST)."""
    return request.method not in SAFE_METHODS and check_csrf(request) is not None


def optional_user(request: HttpRequest):
    """The caller if identified by a token or session, else None (for endpoints open to all). A session
    write without the CSRF token is anonymous: the cookie alone signs nothing."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if user is not None:
            request.user = user
            return user
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or session_write_without_csrf(request):
        return None
    return user
