"""A reporter's personal data on their demands (domain.md §7): the changes the rights of a resident
(`minsheng.reliability.services`) and the retention job make. Each changed demand gets a new version and
a non-public event whose data names the fields, never the old values; no notices are sent."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from .models import Demand
from .transitions import _event

CORRECTED = "correct_personal"


def has_personal() -> Q:
    """Demands that still hold a reporter name or phone."""
    return ~Q(reporter_name="") | ~Q(reporter_phone="")


def _label(actor, action: str) -> str:
    if action == CORRECTED:
        return "诉求人"
    return (actor.get_full_name() or actor.username) if actor else "系统"


def correct_reporter(user, *, name: str, phone: str) -> int:
    """Set name and phone (already cleaned) on every demand `user` reported. Call inside a transaction.
    Returns how many demands changed."""
    changed = 0
    for d in Demand.objects.select_for_update().filter(reporter_user=user).order_by("pk"):
        if d.reporter_name == name and d.reporter_phone == phone:
            continue
        fields = [f for f, old, new in (("reporter_name", d.reporter_name, name), ("reporter_phone", d.reporter_phone,
                                                                                  phone)) if old != new]
        Demand.objects.filter(pk=d.pk).update(reporter_name=name, reporter_phone=phone, version=F("version") + 1)
        _event(d, user, CORRECTED, d.status, d.status, note="诉求人更正了个人信息", public=False,
               data={"fields": fields}, actor_label=_label(user, CORRECTED), notify=False)
        changed += 1
    return changed


def erase_reporter(demands: QuerySet, *, actor, action: str, note: str) -> list[Demand]:
    """Blank reporter name and phone of these demands (locked, in pk order). Call inside a transaction.
    Returns the demands changed, as they were read (their old values, for the copies to follow)."""
    changed = []
    for d in demands.select_for_update().filter(has_personal()).order_by("pk"):
        Demand.objects.filter(pk=d.pk).update(reporter_name="", reporter_phone="", version=F("version") + 1)
        _event(d, actor, action, d.status, d.status, note=note, public=False,
               data={"fields": ["reporter_name", "reporter_phone"]}, actor_label=_label(actor, action), notify=False)
        changed.append(d)
    return changed
