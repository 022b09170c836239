"""Background work for demands: what follows intake (the reporter's receipt, the triage engine's second
look), overdue reminders and the daily staff digest."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from minsheng.accounts.models import STAFF_ROLES, Membership, Role
from minsheng.accounts.selectors import users_with_role
from minsheng.notifications.services import notify_users
from minsheng.triage.tasks import assess

from .models import Demand
from .notices import send_receipt
from .selectors import QUEUES, overdue_q, queue_counts


@task()
def after_intake(code: str, look: bool = False) -> str:
    """Seconds after a registration: the reporter's receipt, then (`look`) the second look with the
    meaning vector, which may raise the demand to urgent and finds its duplicates by meaning."""
    told = send_receipt(code)
    seen = assess.call(code) if look else "skipped"
    return f"receipt {'sent' if told else 'none'}; look {seen}"


@task()
def remind_overdue() -> int:
    """Tell the handler and the community's staff once about each demand past a deadline."""
    now = timezone.now()
    sent = 0
    demands = Demand.objects.filter(overdue_q(now), reminded_at=None).select_related("handler")[:500]
    for d in demands:
        with transaction.atomic():
            if not Demand.objects.filter(pk=d.pk, reminded_at=None).update(reminded_at=now):
                continue  # another worker took it
            users = {u.pk: u for u in users_with_role(Role.COMMUNITY_STAFF, town_id=d.town_id,
                                                      community_id=d.community_id)}
            if d.handler_id:
                users[d.handler_id] = d.handler
            which = "首次联系" if d.contacted_at is None and d.contact_deadline and d.contact_deadline < now else "办结"
            notify_users(list(users.values()), subject=f"超期提醒 {d.code}",
                         body=f"诉求 {d.code} 已超过{which}时限：{d.text[:50]}", link=f"/desk/demands/{d.code}/")
            sent += 1
    return sent


@task()
def daily_digest() -> int:
    """Each staff member and handler gets the counts of their queues (in-app, and email if set)."""
    from django.contrib.auth import get_user_model

    roles = set(STAFF_ROLES) | {Role.HANDLER, Role.GRID_WORKER}
    user_ids = Membership.objects.filter(role__in=roles).values_list("user_id", flat=True).distinct()
    sent = 0
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True):
        counts = queue_counts(user)
        with translation.override(settings.LANGUAGE_CODE):  # the digest is written in Chinese, as its subject
            parts = [f"{label} {counts[key]}" for key, (label, _q) in QUEUES.items() if key != "ended" and counts[key]]
        if counts["overdue"]:
            parts.append(f"已超期 {counts['overdue']}")
        if not parts:
            continue
        notify_users([user], subject="今日民情待办", body="；".join(parts), link="/desk/", email=True)
        sent += 1
    return sent
