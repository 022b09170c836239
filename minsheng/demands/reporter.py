"""Acting as a demand's reporter without an account: rating the result (which counts in the 三率 and may
reopen the demand).

The code and the last four digits of the phone only show progress: those digits are in every mask staff
see (138****5678), so they prove nothing. Acting needs the tracking token given at intake, or a one-time
code sent by SMS to the phone the reporter gave: six digits, valid `MINSHENG_REPORTER_CODE_MINUTES`,
single use, burnt after `MAX_FAILURES` wrong tries, only a keyed digest stored. Requests are throttled per
demand and per client.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from minsheng.core.errors import Conflict, NotAllowed
from minsheng.core.services import hit
from minsheng.notifications.services import send_code

from . import services
from .models import Demand, ReporterCode

MAX_FAILURES = 5
HOUR = 3600


def code_minutes() -> int:
    return settings.MINSHENG_REPORTER_CODE_MINUTES


def _digest(d: Demand, code: str) -> str:
    # Keyed: a reader of the table cannot try the million codes offline.
    return hmac.new(settings.SECRET_KEY.encode(), f"reporter-code:{d.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(d: Demand, *, client: str) -> None:
    """Send a new one-time code to the reporter's phone (the older ones stop working)."""
    if not d.reporter_phone:
        raise Conflict("该诉求登记时没有留手机号，无法发送验证码；请用查询码评价")
    if not d.awaiting_rating:
        raise Conflict("该诉求目前不需要评价")
    message = "验证码发送过于频繁，请稍后再试"
    hit(f"reporter-code:demand:{d.pk}", limit=settings.MINSHENG_REPORTER_CODE_PER_DEMAND, per_seconds=HOUR,
        message=message)
    hit(f"reporter-code:client:{client}", limit=settings.MINSHENG_REPORTER_CODE_PER_CLIENT, per_seconds=HOUR,
        message=message)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    now = timezone.now()
    with transaction.atomic():
        ReporterCode.objects.filter(demand=d, used_at=None).update(used_at=now)
        ReporterCode.objects.create(demand=d, digest=_digest(d, code),
                                    expires_at=now + timedelta(minutes=code_minutes()))
    send_code(phone=d.reporter_phone, demand_code=d.code, code=code, minutes=code_minutes())


def _check_code(d: Demand, code: str) -> int:
    """The id of the valid code matching `code`; NotAllowed otherwise (a wrong try is counted)."""
    code = (code or "").strip()
    if not code:
        raise NotAllowed("otp: 评价前请先获取短信验证码，并填写收到的 6 位数字", field="otp")
    now = timezone.now()
    with transaction.atomic():
        row = (ReporterCode.objects.select_for_update().filter(demand=d, used_at=None)
               .order_by("-created_at", "-id").first())
        if row is not None and row.expires_at > now and hmac.compare_digest(row.digest, _digest(d, code)):
            return row.pk
        if row is not None and row.expires_at > now:
            burnt = row.failures + 1 >= MAX_FAILURES
            ReporterCode.objects.filter(pk=row.pk).update(failures=F("failures") + 1,
                                                          used_at=now if burnt else None)
    # Raised after the block, so that the wrong try stays counted.
    if row is not None and row.expires_at <= now:
        raise NotAllowed("otp: 验证码已过期，请重新获取", field="otp")
    raise NotAllowed("otp: 验证码不正确或已失效，请核对或重新获取", field="otp")


def rate(d: Demand, *, token: str = "", code: str = "", resolution: str, satisfaction: str,
         note: str = "") -> Demand:
    """The reporter's own callback, with the tracking token or a one-time code (spent only if the rating
    is recorded)."""
    code_id = None
    if not (token and services.check_tracking(d, token)):
        code_id = _check_code(d, code)
    with transaction.atomic():
        if code_id is not None and not ReporterCode.objects.filter(pk=code_id, used_at=None).update(
                used_at=timezone.now()):
            raise NotAllowed("otp: 验证码已使用，请重新获取", field="otp")
        return services.callback(d, None, resolution=resolution, satisfaction=satisfaction, note=note,
                                 by_reporter=True)


def forget(demand_ids) -> int:
    """Erasure and retention: the codes of these demands go (they were sent to the erased phone)."""
    return ReporterCode.objects.filter(demand_id__in=demand_ids).delete()[0]


def drop_expired(before) -> int:
    """Codes that expired before `before` prove nothing any more."""
    return ReporterCode.objects.filter(expires_at__lt=before).delete()[0]
