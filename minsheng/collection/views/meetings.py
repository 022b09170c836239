"""Meetings (例会): list, plan, minutes, extraction into problems, registering them as demands. Thin over `collection.services`."""


from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import visible
from minsheng.core.errors import DomainError, InvalidInput, NotFound
from minsheng.demands.models import Category, Channel
from minsheng.territory.models import Grid, ResidentGroup

from ..access import is_community_staff
from ..models import (
    Meeting,
    MeetingItem,
    MeetingKind,
    Recurrence,
)
from ..services import meetings
from .common import (
    PAGE_SIZE,
    WEEKDAYS,
    WEEKS,
    _community,
    _date,
    _int,
    _message,
    _page,
    _time,
    collector_required,
    staff_communities,
)


def _meeting(user, pk) -> Meeting:
    m = visible(user, Meeting.objects.select_related("community__town", "series")).filter(pk=pk).first()
    if m is None:
        raise NotFound(_("没有这次会议，或您无权查看"))
    return m


@collector_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    g = request.GET
    qs = visible(user, Meeting.objects.select_related("community")).annotate(
        n_proposed=Count("items", filter=Q(items__state=MeetingItem.State.PROPOSED)),
        n_registered=Count("items", filter=Q(items__state=MeetingItem.State.REGISTERED)),
    ).order_by("-starts_at", "-id")
    kind = g.get("kind", "") if g.get("kind", "") in MeetingKind.values else ""
    when = g.get("when", "") if g.get("when", "") in ("upcoming", "past") else ""
    if kind:
        qs = qs.filter(kind=kind)
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(starts_at__gte=now).order_by("starts_at", "id")
    elif when == "past":
        qs = qs.filter(starts_at__lt=now)
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    return render(request, "collection/meetings.html", {
        "page": page, "kinds": MeetingKind.choices, "chosen": {"kind": kind, "when": when},
        "can_create": staff_communities(user).exists(),
    })


def _meeting_form_context(user, values: dict | None = None, error: str = "", field: str = "") -> dict:
    communities = list(staff_communities(user))
    ids = [c.pk for c in communities]
    return {
        "communities": communities, "kinds": MeetingKind.choices, "recurrences": Recurrence.choices,
        "weekdays": WEEKDAYS, "weeks": WEEKS,
        "roles": [(r, Role(r).label) for r in meetings.ATTENDEE_ROLES],
        "groups": list(ResidentGroup.objects.filter(community_id__in=ids).select_related("community")
                       .order_by("community__name", "number")),
        "people": meetings.people_of(communities[:10]),
        "values": values or {"kind": MeetingKind.GROUP_MEETING, "time": "19:00"},
        "error": error, "error_field": field,
    }


@collector_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not staff_communities(user).exists():
        return _page(request, _("无权访问"), _("只有社区工作人员可以安排会议。"), 403)
    if request.method == "GET":
        return render(request, "collection/meeting_new.html", _meeting_form_context(user))
    p = request.POST
    values = {k: p.get(k, "") for k in ("community", "kind", "title", "location", "recurrence", "date", "time",
                                        "week_of_month", "weekday", "day_of_month", "until")}
    values["roles"] = p.getlist("roles")
    values["groups"] = p.getlist("groups")
    values["users"] = p.getlist("users")
    try:
        community = _community(user, p.get("community"))
        invitees = meetings.clean_invitees(community, roles=p.getlist("roles"), group_ids=p.getlist("groups"),
                                           user_ids=p.getlist("users"))
        recurrence = p.get("recurrence", "")
        on, at = _date(p.get("date", ""), "date"), _time(p.get("time", ""), "time")
        if recurrence:
            series = meetings.create_series(
                user, community=community, kind=p.get("kind", ""), recurrence=recurrence, at=at, starts_on=on,
                title=p.get("title", ""), location=p.get("location", ""),
                week_of_month=_int(p.get("week_of_month"), "week_of_month"), weekday=_int(p.get("weekday"), "weekday"),
                day_of_month=_int(p.get("day_of_month"), "day_of_month"), until=_date(p.get("until", ""), "until"),
                invitees=invitees,
            )
            n = series.meetings.count()
            messages.success(request, _("已安排例会“%(t)s”，已排出 %(n)d 次会议") % {"t": series.title, "n": n})
            return redirect(reverse("collection:meetings") + "?when=upcoming")
        if on is None or at is None:
            raise InvalidInput("date: 请填写会议日期和时间", field="date")
        starts_at = timezone.make_aware(datetime.combine(on, at))
        m = meetings.create_meeting(user, community=community, kind=p.get("kind", ""), starts_at=starts_at,
                                    title=p.get("title", ""), location=p.get("location", ""), invitees=invitees)
    except DomainError as exc:
        ctx = _meeting_form_context(user, values, _message(exc), exc.field or "")
        return render(request, "collection/meeting_new.html", ctx, status=exc.status)
    messages.success(request, _("已安排会议"))
    return redirect("collection:meeting", pk=m.pk)


def _meeting_context(request, m: Meeting, **extra) -> dict:
    user = request.user
    items = list(m.items.select_related("grid", "demand").order_by("line", "part"))
    ctx = {
        "m": m, "can_manage": is_community_staff(user, m.community),
        "attendees": meetings.attendees(m),
        "groups": list(m.attendee_groups.order_by("number")),
        "roles": [Role(r).label for r in m.attendee_roles if r in Role.values],
        "proposed": [i for i in items if i.state == MeetingItem.State.PROPOSED],
        "registered": [i for i in items if i.state == MeetingItem.State.REGISTERED],
        "dismissed": [i for i in items if i.state == MeetingItem.State.DISMISSED],
        "categories": Category.choices,
        "grids": list(Grid.objects.filter(community=m.community).order_by("id")),
        "minute_lines": (m.minutes or "").splitlines(),
        "minutes_value": m.minutes, "channel_label": Channel(m.channel).label,
    }
    ctx.update(extra)
    return ctx


@collector_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request.user, pk)
    return render(request, "collection/meeting.html", _meeting_context(request, m))


def _meeting_action(request, pk: int, call, done, anchor: str = "") -> HttpResponse:
    m = _meeting(request.user, pk)
    try:
        result = call(m)
    except DomainError as exc:
        m = _meeting(request.user, pk)
        ctx = _meeting_context(request, m, error=_message(exc))
        if exc.field == "minutes" and request.POST.get("minutes") is not None:
            ctx["minutes_value"] = request.POST.get("minutes")
        return render(request, "collection/meeting.html", ctx, status=exc.status)
    messages.success(request, done(result) if callable(done) else done)
    return redirect(reverse("collection:meeting", args=[pk]) + anchor)


@collector_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    def call(m):
        m = meetings.save_minutes(m, request.user, request.POST.get("minutes", ""))
        if request.POST.get("then") == "extract" and m.minutes:
            return meetings.extract_items(m, request.user)
        return None

    return _meeting_action(request, pk, call, lambda items: _("已保存纪要") if items is None else
                           _("已保存纪要，提取出 %(n)d 条问题，请确认后登记") % {"n": len(items)}, "#items")


@collector_required
@require_POST
def meeting_extract(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(
        request, pk, lambda m: meetings.extract_items(m, request.user),
        lambda items: _("提取出 %(n)d 条问题，请确认后登记") % {"n": sum(i.state == "proposed" for i in items)},
        "#items")


@collector_required
@require_POST
def meeting_register(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    edits: dict[int, meetings.ItemEdit] = {}

    def call(m):
        for raw in p.getlist("pick"):
            item_id = _int(raw, "pick")
            edits[item_id] = meetings.ItemEdit(
                text=p.get(f"text-{item_id}"), category=p.get(f"category-{item_id}") or None,
                urgent=p.get(f"urgent-{item_id}") == "1" if f"text-{item_id}" in p else None,
                place_text=p.get(f"place-{item_id}"), grid=p.get(f"grid-{item_id}"),
            )
        return meetings.register_items(m, request.user, edits)

    def done(result):
        new, already = result
        text = _("已登记 %(n)d 件诉求") % {"n": len(new)}
        if already:
            text += _("（%(n)d 件此前已登记，未重复创建）") % {"n": len(already)}
        return text

    return _meeting_action(request, pk, call, done, "#items")


@collector_required
@require_POST
def meeting_dismiss(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _meeting_action(request, pk, lambda m: meetings.dismiss_item(m, request.user, item), _("已忽略"),
                           "#items")


@collector_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(request, pk, lambda m: meetings.cancel_meeting(m, request.user), _("会议已取消"))


