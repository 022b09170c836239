"""Notices through their channels (in-app, e-mail, SMS/WeChat adapters) and their delivery. The apps
decide whom to tell and what (e.g. `demands.notices`); this module only knows how."""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils import timezone

from minsheng.core.errors import DomainError
from minsheng.core.queue import enqueue_on_commit

from .channels import channel_for
from .models import Notification

K = Notification.ChannelKind


def create_notices(recipients: list[tuple[object | None, str, str]], *, subject: str, body: str, link: str,
                   demand_code: str = "") -> list[Notification]:
    """One notice per (user, address, channel), in the caller's transaction; in-app ones are sent at once,
    the others queued for delivery."""
    rows = [
        Notification(recipient=user, address=address, channel=channel, subject=subject[:120], body=body,
                     link=link, demand_code=demand_code,
                     state=Notification.State.SENT if channel == K.IN_APP else Notification.State.PENDING,
                     sent_at=timezone.now() if channel == K.IN_APP else None)
        for user, address, channel in recipients
    ]
    created = Notification.objects.bulk_create(rows)
    pending = [n.pk for n in created if n.state == Notification.State.PENDING]
    if pending:
        from .tasks import deliver

        def enqueue():
            for pk in pending:
                deliver.enqueue(pk)

        enqueue_on_commit(enqueue)
    return created


CODE_TEXT = "您的验证码 {code}，用于评价诉求 {demand}，{minutes} 分钟内有效，只能使用一次。工作人员不会向您索要验证码，请勿告诉他人。"
CODE_KEPT = "验证码短信（验证码不保存）"


def send_code(*, phone: str, demand_code: str, code: str, minutes: int) -> None:
    """Send a one-time code by SMS now. The row records that a code was sent, never the code: the
    message is delivered from an unsaved copy instead of through the queue (whose rows anyone with the
    database could read)."""
    n = Notification.objects.create(recipient=None, address=phone, channel=K.SMS,
                                    subject=f"诉求 {demand_code}：验证码", body=CODE_KEPT, demand_code=demand_code)
    message = copy.copy(n)
    message.body = CODE_TEXT.format(code=code, demand=demand_code, minutes=minutes)
    try:
        channel_for(K.SMS).deliver(message)
    except Exception as exc:  # recorded, and the resident is told to try again
        Notification.objects.filter(pk=n.pk).update(state=Notification.State.FAILED, error=str(exc)[:300])
        raise DomainError("短信发送失败，请稍后再试", status=503) from exc
    Notification.objects.filter(pk=n.pk).update(state=Notification.State.SENT, sent_at=timezone.now())


def notify_users(users, *, subject: str, body: str, link: str = "", email: bool = False) -> None:
    recipients = [(u, "", K.IN_APP) for u in users]
    if email:
        recipients += [(u, u.email, K.EMAIL) for u in users if u.email]
    if recipients:
        with transaction.atomic():
            create_notices(recipients, subject=subject, body=body, link=link)


ERASED = "（个人信息已清除）"


def _scrub(text: str, secrets_: list[str]) -> str:
    for value in secrets_:
        text = text.replace(value, ERASED)
    return text


def forget_reporter(demand_code: str, *, phone: str = "", name: str = "") -> int:
    """Erasure and retention (reliability.services): the rows that told a demand's reporter something lose
    the phone they went to and their wording (which may quote staff notes); any other row about the demand
    loses every mention of the phone and name. A message not yet sent is not sent. Returns rows changed."""
    rows = Notification.objects.select_for_update().filter(demand_code=demand_code).order_by("pk")
    secrets_ = [v for v in (phone, name) if len(v) >= 2]
    changed = 0
    for n in rows:
        to_reporter = n.channel == K.SMS or (phone and n.address == phone)
        body = ERASED if to_reporter else _scrub(n.body, secrets_)
        address = "" if to_reporter else _scrub(n.address, secrets_)
        subject = _scrub(n.subject, secrets_)
        if (body, address, subject) == (n.body, n.address, n.subject):
            continue
        update = {"body": body, "address": address, "subject": subject}
        if n.state == Notification.State.PENDING:
            update.update(state=Notification.State.FAILED, error="个人信息已清除，未发送")
        Notification.objects.filter(pk=n.pk).update(**update)
        changed += 1
    return changed


def codes_with_reporter_rows(codes) -> list[str]:
    """Of these demand codes (a list or a queryset of codes), those with a row still addressed to a phone."""
    return list(Notification.objects.filter(channel=K.SMS, demand_code__in=codes).exclude(address="")
                .values_list("demand_code", flat=True).distinct())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, channel=K.IN_APP, read_at=None).count()


def mark_read(user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
