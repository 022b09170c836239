"""Accounts: users, roles on territory nodes, API tokens, throttled sign-in."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import connections, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput, NotFound, Throttled
from minsheng.core.ratelimit import client_ip
from minsheng.territory.models import Community, Grid, Town

from .models import STAFF_ROLES, ApiToken, LoginFailure, Membership, PersonalDataRead, Role

User = get_user_model()


@transaction.atomic
def ensure_user(*, username: str, password: str, display_name: str = "", email: str = "",
                validate: bool = True) -> tuple[object, bool]:
    """The user called `username`, created with `password` if missing (an existing password is kept).
    The password must pass AUTH_PASSWORD_VALIDATORS (InvalidInput otherwise); only the documented demo
    accounts skip the check (`validate=False`)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, first_name=display_name[:150], email=email)
    if validate:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput("password: " + " ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.save()
    return user, True


@transaction.atomic
def grant_role(*, user, role: str, node: Town | Community | Grid | None) -> Membership:
    """Give `user` the `role` on `node` (idempotent). A district administrator's role is on no node
    (`node=None`): the whole install."""
    if role not in Role.values:
        raise InvalidInput(f"role: 未知角色 {role}", field="role")
    if (role == Role.DISTRICT_ADMIN) != (node is None):
        raise InvalidInput("role: 区级管理员覆盖全区，不授予具体的镇、社区或网格；其他角色必须指定范围", field="role")
    if role == Role.TOWN_ADMIN and not isinstance(node, Town):
        raise InvalidInput("role: 镇级管理员只能授予镇/街道", field="role")
    # The district role is on no node (the check constraint keeps it so): user and role find it.
    where = {} if node is None else {{Town: "town", Community: "community", Grid: "grid"}[type(node)]: node}
    membership, _created = Membership.objects.get_or_create(user=user, role=role, **where)
    # Staff roles may open the admin (scoped there too).
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for cached in ("_minsheng_memberships", "_minsheng_roles"):
        if hasattr(user, cached):
            delattr(user, cached)
    return membership


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user) -> str:
    """A new bearer token for `user`, valid for MINSHENG_TOKEN_DAYS; only its digest is kept."""
    raw = "ms_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=_digest(raw), prefix=raw[:8],
                            expires_at=timezone.now() + timedelta(days=settings.MINSHENG_TOKEN_DAYS))
    return raw


_TOKEN_SQL: dict[str, str] = {}


def _token_sql(connection) -> str:
    """One statement: the token's holder (every user column, so the row is a User), whether the token
    was last used over a minute ago, and the holder's role codes joined by commas (codes hold none).
    Written once per database, not compiled per call: every API request runs it."""
    sql = _TOKEN_SQL.get(connection.alias)
    if sql is None:
        q = connection.ops.quote_name
        user_cols = ", ".join(f"u.{q(f.column)}" for f in User._meta.concrete_fields)
        roles = ("STRING_AGG(m.role, ',')" if connection.vendor == "postgresql" else "GROUP_CONCAT(m.role, ',')")
        sql = _TOKEN_SQL[connection.alias] = (
            f"SELECT {user_cols}, t.id AS token_id, "
            "CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END AS token_stale, "
            f"(SELECT {roles} FROM {q(Membership._meta.db_table)} m WHERE m.user_id = t.user_id) AS token_roles "
            f"FROM {q(ApiToken._meta.db_table)} t JOIN {q(User._meta.db_table)} u ON u.id = t.user_id "
            "WHERE t.digest = %s AND t.expires_at > %s AND u.is_active")
    return sql


def token_for(raw: str) -> ApiToken | None:
    """The live token for this bearer token (not expired, its user active), or None. Only its `pk` and
    `user` are set; the user comes with their role codes (nearly every API call asks them next)."""
    if not raw or len(raw) > 200:
        return None
    connection = connections[ApiToken.objects.db]
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    found = list(User.objects.raw(_token_sql(connection),
                                  [adapt(now - timedelta(minutes=1)), _digest(raw), adapt(now)]))
    if not found:
        return None
    user = found[0]
    user._minsheng_roles = set(filter(None, (user.token_roles or "").split(",")))
    token = ApiToken(pk=user.token_id, user=user)
    # Touch at most once a minute: no write per request.
    if user.token_stale:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(raw: str):
    """The active user holding this bearer token, or None."""
    token = token_for(raw)
    return token.user if token is not None else None


def revoke_token(*, user, token_id: int) -> None:
    """Revoke one of `user`'s own tokens (NotFound for any other id: no hint that it exists)."""
    if not ApiToken.objects.filter(user=user, pk=token_id).delete()[0]:
        raise NotFound(_("没有编号为 %(id)s 的令牌") % {"id": token_id})


def revoke_all_tokens(user) -> int:
    """After a password change or a deactivation no earlier token may answer."""
    return ApiToken.objects.filter(user=user).delete()[0]


def _user_key(username: str) -> str:
    return f"user:{username.strip().lower()[:150]}"


def _throttle_keys(username: str, ip: str | None) -> list[str]:
    return [_user_key(username)] + ([f"ip:{ip}"] if ip else [])


def _refusal(username: str, ip: str | None, attempt: dict[str, int]) -> str | None:
    """Why this attempt (already recorded as `attempt`: key → row id) must not check a password, or None.
    Counting after recording makes check-and-record one step: of parallel attempts, the (limit+1)-th
    recorded one sees limit+1 rows whatever the others are doing."""
    now = timezone.now()
    limit = settings.MINSHENG_LOGIN_MAX_FAILURES
    since = now - timedelta(seconds=settings.MINSHENG_LOGIN_WINDOW_SECONDS)
    # An address gets more room than one username (several people share an office) and a long lock: it
    # is the guesser's own.
    if ip and LoginFailure.objects.filter(key=f"ip:{ip}", at__gte=since).count() > limit * 4:
        minutes = settings.MINSHENG_LOGIN_WINDOW_SECONDS // 60
        return _("登录失败次数过多，请 %(minutes)s 分钟后再试") % {"minutes": minutes}
    # A username only gets a short back-off after its latest failure: anyone can fail for it, and its
    # owner must not be locked out for long by others.
    key = _user_key(username)
    failures = LoginFailure.objects.filter(key=key, at__gte=since)
    if failures.count() > limit:
        latest = failures.exclude(pk=attempt[key]).aggregate(latest=Max("at"))["latest"]
        backoff = timedelta(seconds=settings.MINSHENG_LOGIN_USER_BACKOFF_SECONDS)
        if latest is not None and now - latest < backoff:
            return _("该账号登录失败次数过多，请 %(seconds)s 秒后再试") % {"seconds": int(backoff.total_seconds())}
    return None


def sign_in(request, username: str, password: str):
    """Authenticate with throttling. Returns the user, or None on a wrong password; Throttled (429) when
    the address or the username has failed too often.

    The attempt is written first (committed) and counted afterwards, so parallel requests cannot all
    pass the check before any failure is written; it stays as a failure unless the password is right."""
    ip = client_ip(request) if request is not None else None
    with transaction.atomic():
        attempt = {key: LoginFailure.objects.create(key=key).pk for key in _throttle_keys(username, ip)}
    if (reason := _refusal(username, ip, attempt)) is not None:
        # A refused attempt checked nothing: it is not a failure.
        LoginFailure.objects.filter(pk__in=attempt.values()).delete()
        raise Throttled(reason)
    user = authenticate(request, username=username, password=password)
    if user is None:
        # Old rows are useless once out of the window.
        LoginFailure.objects.filter(
            at__lt=timezone.now() - timedelta(seconds=settings.MINSHENG_LOGIN_WINDOW_SECONDS)
        ).delete()
        return None
    # Success clears the username's failures; the address keeps its other failures.
    LoginFailure.objects.filter(Q(key=_user_key(username)) | Q(pk__in=attempt.values())).delete()
    return user


def log_personal_data_read(*, user, subject: str, fields: list[str], via: str = "") -> None:
    """Record that `user` saw `fields` of `subject` unmasked."""

    PersonalDataRead.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        subject=subject[:60], fields=",".join(fields)[:120], via=via[:120],
    )


def log_personal_data_reads(*, user, subjects: Iterable[str], fields: list[str], via: str = "") -> int:
    """`log_personal_data_read` for many subjects at once: one row each, written in one insert."""

    who = user if getattr(user, "is_authenticated", False) else None
    rows = [PersonalDataRead(user=who, subject=subject[:60], fields=",".join(fields)[:120], via=via[:120])
            for subject in subjects]
    PersonalDataRead.objects.bulk_create(rows)
    return len(rows)


def mask_phone(phone: str) -> str:
    """138****5678 for mobiles; area code (when at least four digits stay hidden) and last four digits of
    landlines. Never more than the last four digits and a prefix: those four show progress on /track/,
    nothing more (acting as the reporter needs the tracking token or an SMS code)."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) >= 11 and digits[0] == "1":
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        head, sep = (digits.split("-")[0], "-") if "-" in digits else (digits[:3], "")
        if sum(c.isdigit() for c in digits) - len(head) - 4 < 4:
            head, sep = "", ""
        return f"{head}{sep}****{digits[-4:]}"
    return "****"


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 2))
