"""Who is calling the API: a bearer token or the page session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from .services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
# Staff endpoints: a token, or the signed-in page session (CSRF-checked by ninja).
staff_auth = [bearer, django_auth]


def optional_user(request: HttpRequest):
    """The caller if identified by a token or session, else None (for endpoints open to all)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if user is not None:
            request.user = user
            return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
