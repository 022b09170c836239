"""Reads of activities (public form: words and counts, never names) and of the roster for the desk."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from minsheng.accounts.models import TERRITORIAL_ROLES
from minsheng.accounts.selectors import visible
from minsheng.core.errors import NotFound
from minsheng.territory.models import Community, Grid

from .models import Activity, ActivityServed
from .services import target_text


def public_activities(*, community: str | None = None, upcoming_from: date | None = None,
                      kind: str | None = None, year: int | None = None) -> QuerySet:
    qs = Activity.objects.filter(cancelled=False)
    if community:
        qs = qs.filter(community__name=community)
    if upcoming_from is not None:
        qs = qs.filter(date__gte=upcoming_from)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    return qs.select_related("community", "place").annotate(
        n_served=Count("served", distinct=True), n_signups=Count("signups", distinct=True),
    ).order_by("date", "id")


def served_count(a: Activity) -> int:
    n = getattr(a, "n_served", None)
    if n is None:
        n = a.served.count()
    return n + a.extra_headcount


def grid_names(activities) -> dict[int, str]:
    """Names of the grids activities' criteria name, in one query (for their target words)."""
    ids = {a.criteria.get("grid_id") for a in activities if a.criteria.get("grid_id")}
    return dict(Grid.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def public_row(a: Activity, names: dict[int, str] | None = None) -> dict:
    return {
        "id": a.pk, "title": a.title, "kind": a.kind, "kind_name": str(a.get_kind_display()), "date": a.date,
        "start_time": a.start_time, "community": a.community.name,
        "place": a.place.name if a.place_id else (a.place_text or None), "organiser": a.organiser,
        "target": target_text(a, names), "served": served_count(a), "signups": getattr(a, "n_signups", 0),
        "capacity": a.capacity, "signup_open": a.signup_open,
    }


def counts_per_community(*, town=None, year: int | None = None) -> list[dict]:
    """Per community: activities held (not cancelled) and people served (roster records + other
    participants), in two queries."""
    acts = Activity.objects.filter(cancelled=False)
    if town is not None:
        acts = acts.filter(town=town)
    if year:
        acts = acts.filter(date__year=year)
    per = {r["community"]: r for r in acts.values("community").annotate(
        activities=Count("id"), extra=Sum("extra_headcount"))}
    served = dict(ActivityServed.objects.filter(activity__in=acts).values("activity__community")
                  .annotate(n=Count("id")).values_list("activity__community", "n"))
    communities = Community.objects.filter(pk__in=per.keys()).select_related("town").order_by("town__name", "name")
    return [{"community": c.name, "town": c.town.name, "activities": per[c.pk]["activities"],
             "served": (per[c.pk]["extra"] or 0) + served.get(c.pk, 0)} for c in communities]


def visible_activities(user) -> QuerySet:
    return visible(user, Activity.objects.all(), role_set=TERRITORIAL_ROLES)


def staff_activities(user, *, community: str | None = None) -> QuerySet:
    qs = visible_activities(user)
    if community:
        qs = qs.filter(community__name=community)
    return qs.select_related("community", "place").annotate(
        n_served=Count("served", distinct=True), n_signups=Count("signups", distinct=True),
    ).order_by("-date", "id")


def get_activity(user, pk: int) -> Activity:
    a = visible_activities(user).select_related("community__town", "place").filter(pk=pk).first()
    if a is None:
        raise NotFound(f"没有编号为 {pk} 的活动，或您无权查看")
    return a


def get_public(pk: int) -> Activity:
    a = public_activities().filter(Q(pk=pk)).first()
    if a is None:
        raise NotFound(f"没有编号为 {pk} 的活动")
    return a
