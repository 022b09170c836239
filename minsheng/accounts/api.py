from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from minsheng.core.errors import DomainError

from . import selectors, services
from .auth import bearer, staff_auth
from .selectors import memberships
from .services import issue_token, sign_in

router = Router(tags=["auth"], auth=staff_auth)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    detail: str


@router.post("/token", response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut}, auth=None)
def token(request: HttpRequest, payload: TokenIn):
    """Exchange a username and password for a bearer token (throttled after repeated failures)."""
    if len(payload.username) > 150 or len(payload.password) > 1024:
        raise DomainError("username: 过长", field="username", status=422)
    user = sign_in(request, payload.username, payload.password)
    if user is None:
        return Status(401, {"detail": "用户名或密码错误"})
    return Status(200, {"token": issue_token(user=user)})


@router.delete("/token", response={204: None, 401: ErrorOut}, auth=bearer)
def revoke_presented_token(request: HttpRequest):
    """Revoke the bearer token sent with this request (sign out of the API)."""
    services.revoke_token(user=request.auth, token_id=request.api_token.pk)
    return Status(204, None)


class TokenRowOut(Schema):
    id: int
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    current: bool


@router.get("/tokens", response={200: list[TokenRowOut], 401: ErrorOut})
def list_tokens(request: HttpRequest):
    """The caller's own tokens that still answer: prefix and dates, never the secret."""
    current = getattr(getattr(request, "api_token", None), "pk", None)
    return [{"id": t.pk, "prefix": t.prefix, "created_at": t.created_at, "last_used_at": t.last_used_at,
             "expires_at": t.expires_at, "current": t.pk == current} for t in selectors.tokens_of(request.auth)]


@router.delete("/tokens/{token_id}", response={204: None, 401: ErrorOut, 404: ErrorOut})
def revoke_token(request: HttpRequest, token_id: int):
    """Revoke one of the caller's own tokens."""
    services.revoke_token(user=request.auth, token_id=token_id)
    return Status(204, None)


class RoleOut(Schema):
    role: str
    role_name: str
    level: str
    node: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    """The caller and their roles (send `Authorization: Bearer …`)."""

    user = request.auth
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "roles": [
            {"role": m.role, "role_name": str(m.get_role_display()), "level": m.level, "node": m.node.name}
            for m in memberships(user)
        ],
    }
