"""Who is told what, and when. Demand notices are written inside the transition's transaction."""

from __future__ import annotations

import copy

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import users_with_role
from minsheng.core.errors import DomainError

from .channels import channel_for
from .models import Notification

K = Notification.ChannelKind

# Plain-Chinese wording of each step for the reporter.
REPORTER_TEXT = {
    "register": "您的诉求已登记，编号 {code}。",
    "accept": "您的诉求 {code} 已受理。",
    "reject": "您的诉求 {code} 不予受理：{note}",
    "merge": "您的诉求 {code} 与他人反映的同一问题合并办理（{note}）。",
    "answer": "您的诉求 {code} 已答复：{note}。请在“查询进度”页面用编号和手机号后四位查看，获取短信验证码后对结果进行评价。",
    "assign": "您的诉求 {code} 已派单给承办人，将尽快与您联系。",
    "contact": "承办人已就诉求 {code} 与您联系。",
    "reply": "您的诉求 {code} 已办结：{note}。请在“查询进度”页面用编号和手机号后四位查看，获取短信验证码后对办理结果进行评价。",
    "extend": "您的诉求 {code} 办理期限延长：{note}",
    "reopen": "您的诉求 {code} 已安排重新办理。",
    "close": "您的诉求 {code} 已结案，感谢您的参与。",
    "project_done": "您反映的问题已通过微实事项目解决（{note}），请对结果进行评价。",
}


def _tracking_link(code: str) -> str:
    return f"/track/?code={code}"


def _create(recipients: list[tuple[object | None, str, str]], *, subject: str, body: str, link: str,
            demand_code: str = "") -> list[Notification]:
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

        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            # The queue is a table of the same database: the task rows commit (or roll back) with the
            # notices, and no second write transaction is needed after the commit.
            enqueue()
        else:
            transaction.on_commit(enqueue)  # an outside queue must not see notices before they exist
    return created


def on_demand_event(event) -> None:
    """Tell the reporter about every public status change, and the handler about an assignment.

    Called inside the transition's transaction with the new DemandEvent (its demand attached)."""
    d = event.demand
    template = REPORTER_TEXT.get(event.action)
    if template and event.public:
        body = template.format(code=d.code, note=event.note[:80])
        recipients = []
        if d.reporter_user_id:
            recipients.append((d.reporter_user, "", K.IN_APP))
        if d.reporter_phone:
            recipients.append((None, d.reporter_phone, K.SMS))
        if recipients:
            _create(recipients, subject=f"诉求 {d.code}：{d.get_status_display()}", body=body,
                    link=_tracking_link(d.code), demand_code=d.code)
    if (event.action == "register" and d.urgent) or (
            event.action == "assess" and "urgent" in (event.data or {}).get("changes", {})):
        alert_urgent(d, event)
    if event.action == "assign" and d.handler_id:
        body = f"新派单 {d.code}（{d.get_category_display()}{'，紧急' if d.urgent else ''}）：{d.text[:60]}"
        recipients = [(d.handler, "", K.IN_APP)]
        if d.handler.email:
            recipients.append((d.handler, d.handler.email, K.EMAIL))
        _create(recipients, subject=f"新派单 {d.code}", body=body, link=f"/desk/demands/{d.code}/",
                demand_code=d.code)


def urgent_recipients(d) -> list:
    """Who must know at once about an urgent demand: the staff and secretary of its community and the
    grid worker of its grid; the town's administrators when it names no community."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    users: dict[int, object] = {}
    if d.community_id:
        for role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY):
            for u in users_with_role(role, town_id=d.town_id, community_id=d.community_id):
                users[u.pk] = u
    if d.grid_id:
        on_grid = Q(memberships__role=Role.GRID_WORKER, memberships__grid_id=d.grid_id)
        for u in get_user_model().objects.filter(on_grid, is_active=True).distinct():
            users[u.pk] = u
    if not users:
        for u in users_with_role(Role.TOWN_ADMIN, town_id=d.town_id).filter(memberships__town_id=d.town_id):
            users[u.pk] = u
    return sorted(users.values(), key=lambda u: u.username)


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


def alert_urgent(d, event) -> None:
    """In-app and e-mail notices to `urgent_recipients`, in the transaction of the change."""
    why = (event.data or {}).get("situation") or ""
    body = (f"紧急诉求 {d.code}（{d.get_category_display()}{'，' + why if why else ''}）：{d.text[:80]}"
            f"{'。智能分拣复核后升为紧急' if event.action == 'assess' else ''}")
    users = urgent_recipients(d)
    recipients = [(u, "", K.IN_APP) for u in users] + [(u, u.email, K.EMAIL) for u in users if u.email]
    if recipients:
        _create(recipients, subject=f"紧急诉求 {d.code}", body=body, link=f"/desk/demands/{d.code}/",
                demand_code=d.code)


def alert_town(demand_id: int, message: str) -> None:
    """Alert the town administrators (escalation, repeated reopening)."""
    from minsheng.demands.models import Demand

    d = Demand.objects.filter(pk=demand_id).first()
    if d is None:
        return
    admins = list(users_with_role(Role.TOWN_ADMIN, town_id=d.town_id).filter(memberships__town_id=d.town_id))
    recipients = [(u, "", K.IN_APP) for u in admins] + [(u, u.email, K.EMAIL) for u in admins if u.email]
    if recipients:
        with transaction.atomic():
            _create(recipients, subject=f"镇级关注：{d.code}", body=message, link=f"/desk/demands/{d.code}/",
                    demand_code=d.code)


def notify_users(users, *, subject: str, body: str, link: str = "", email: bool = False) -> None:
    recipients = [(u, "", K.IN_APP) for u in users]
    if email:
        recipients += [(u, u.email, K.EMAIL) for u in users if u.email]
    if recipients:
        with transaction.atomic():
            _create(recipients, subject=subject, body=body, link=link)


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
