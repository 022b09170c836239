"""Meetings (居民组长会议, 民情恳谈会, 为民办实事座谈会, 两委会议): scheduling with recurrence, attendees,
reminders, minutes, and the issues raised in them turned into demands (domain.md §2)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minsheng.accounts.models import Membership, Role
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.demands import rules
from minsheng.demands.models import Category
from minsheng.demands.services import register
from minsheng.notifications.services import notify_users
from minsheng.territory.models import Community, Grid, ResidentGroup
from minsheng.triage.services import analyse

from ..access import require_community_staff
from ..extract import extract
from ..models import Meeting, MeetingItem, MeetingKind, MeetingSeries, Recurrence

# Roles that can be invited as a whole (the members of that role in the meeting's community).
ATTENDEE_ROLES = [Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.GROUP_LEADER,
                  Role.BUILDING_LEADER, Role.HANDLER]
HORIZON_DAYS = 190  # recurring meetings are scheduled this far ahead (the next half-yearly one included)
MAX_MINUTES = 50_000
REMIND_BEFORE = timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Recurrence


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    if n == -1:
        return days[-1]
    return days[n - 1] if 1 <= n <= len(days) else None


def _day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months(start: date, step: int):
    year, month = start.year, start.month
    while True:
        yield year, month
        month += step
        while month > 12:
            month -= 12
            year += 1


def occurrence_dates(series: MeetingSeries, first: date, last: date) -> list[date]:
    """The local dates of the series' meetings within [first, last] (and its own start and end)."""
    lo = max(first, series.starts_on)
    hi = min(last, series.until) if series.until else last
    if hi < lo:
        return []
    out: list[date] = []
    step = 6 if series.recurrence == Recurrence.HALF_YEARLY else 1
    anchor = series.starts_on.replace(day=1)
    for year, month in _months(anchor, step):
        if date(year, month, 1) > hi:
            break
        if series.recurrence == Recurrence.MONTHLY_WEEKDAY:
            d = _nth_weekday(year, month, series.weekday, series.week_of_month)
        else:
            d = _day(year, month, series.day_of_month or series.starts_on.day)
        if d is not None and lo <= d <= hi:
            out.append(d)
    return out


def _aware(d: date, t: time, community: Community) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(d, t, tzinfo=ZoneInfo(community.town.time_zone))


@transaction.atomic
def extend_series(series: MeetingSeries, *, today: date | None = None) -> int:
    """Create the series' meetings from today up to the horizon; existing ones are left alone."""
    if not series.active:
        return 0
    today = today or timezone.localdate()
    wanted = [_aware(d, series.time, series.community)
              for d in occurrence_dates(series, today, today + timedelta(days=HORIZON_DAYS))]
    have = set(Meeting.objects.filter(series=series, starts_at__in=wanted).values_list("starts_at", flat=True))
    roles, groups, users = series.attendee_roles, list(series.attendee_groups.all()), list(series.attendee_users.all())
    created = 0
    for at in wanted:
        if at in have:
            continue
        m = Meeting.objects.create(community=series.community, series=series, kind=series.kind, title=series.title,
                                   location=series.location, starts_at=at, attendee_roles=roles,
                                   created_by=series.created_by)
        m.attendee_groups.set(groups)
        m.attendee_users.set(users)
        created += 1
    return created


def extend_all(today: date | None = None) -> int:
    n = 0
    for series in MeetingSeries.objects.filter(active=True).select_related("community__town"):
        n += extend_series(series, today=today)
    return n


# ---------------------------------------------------------------------------------------------
# Creating meetings


@dataclass
class Invitees:
    roles: list[str]
    groups: list[ResidentGroup]
    users: list


def clean_invitees(community: Community, *, roles: Iterable[str] = (), group_ids: Iterable = (),
                   user_ids: Iterable = ()) -> Invitees:
    roles = list(dict.fromkeys(r for r in roles if r))
    bad = [r for r in roles if r not in ATTENDEE_ROLES]
    if bad:
        raise InvalidInput(f"attendee_roles: 不能按角色“{bad[0]}”邀请", field="attendee_roles")
    ids = _ints(group_ids, "attendee_groups")
    groups = list(ResidentGroup.objects.filter(community=community, pk__in=ids))
    if len(groups) != len(set(ids)):
        raise InvalidInput("attendee_groups: 居民小组不属于本社区", field="attendee_groups")
    uids = _ints(user_ids, "attendee_users")
    users = list(community_people(community).filter(pk__in=uids))
    if len(users) != len(set(uids)):
        raise InvalidInput("attendee_users: 参会人员须为本社区的工作人员", field="attendee_users")
    return Invitees(roles, groups, users)


def _ints(values: Iterable, field: str) -> list[int]:
    out = []
    for v in values:
        if v in (None, ""):
            continue
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise InvalidInput(f"{field}: 格式不正确", field=field) from None
    return out


def community_people(community: Community):
    """Users with a role in this community (or one of its grids, or its town)."""
    where = Q(memberships__community=community) | Q(memberships__grid__community=community) | Q(
        memberships__town_id=community.town_id)
    return get_user_model().objects.filter(where, is_active=True).distinct().order_by("username")


def people_of(communities: Iterable[Community]) -> list[tuple[Community, list]]:
    """`community_people` of each of several communities, read in one query."""

    communities = list(communities)
    ids = [c.pk for c in communities]
    per: dict[int, dict] = {c.pk: {} for c in communities}
    in_town: dict[int, list[int]] = {}
    for c in communities:
        in_town.setdefault(c.town_id, []).append(c.pk)
    found = (Membership.objects.filter(Q(community_id__in=ids) | Q(grid__community_id__in=ids)
                                       | Q(town_id__in=list(in_town)), user__is_active=True)
             .select_related("user", "grid").order_by("id"))
    for m in found:
        if m.community_id:
            targets = [m.community_id]
        elif m.grid_id:
            targets = [m.grid.community_id]
        else:
            targets = in_town.get(m.town_id, [])
        for cid in targets:
            if cid in per:
                per[cid][m.user_id] = m.user
    return [(c, sorted(per[c.pk].values(), key=lambda u: u.username)) for c in communities]


def _clean_meeting_fields(kind: str, title: str, location: str) -> tuple[str, str, str]:
    if kind not in MeetingKind.values:
        raise InvalidInput("kind: 请选择会议类型", field="kind")
    title = rules.clean_text(title or str(MeetingKind(kind).label), field="title", max_len=120)
    location = rules.clean_text(location, field="location", max_len=120, required=False)
    return kind, title, location


@transaction.atomic
def create_meeting(actor, *, community: Community, kind: str, starts_at: datetime | None, title: str = "",
                   location: str = "", invitees: Invitees | None = None) -> Meeting:
    require_community_staff(actor, community, "安排会议")
    kind, title, location = _clean_meeting_fields(kind, title, location)
    if starts_at is None:
        raise InvalidInput("starts_at: 请填写会议时间", field="starts_at")
    invitees = invitees or Invitees([], [], [])
    m = Meeting.objects.create(community=community, kind=kind, title=title, location=location, starts_at=starts_at,
                               attendee_roles=invitees.roles, created_by=actor)
    m.attendee_groups.set(invitees.groups)
    m.attendee_users.set(invitees.users)
    return m


@transaction.atomic
def create_series(actor, *, community: Community, kind: str, recurrence: str, at: time | None, starts_on: date | None,
                  title: str = "", location: str = "", week_of_month: int | None = None, weekday: int | None = None,
                  day_of_month: int | None = None, until: date | None = None, invitees: Invitees | None = None,
                  today: date | None = None) -> MeetingSeries:
    require_community_staff(actor, community, "安排例会")
    kind, title, location = _clean_meeting_fields(kind, title, location)
    if recurrence not in Recurrence.values:
        raise InvalidInput("recurrence: 请选择重复方式", field="recurrence")
    if at is None:
        raise InvalidInput("time: 请填写会议时间", field="time")
    if starts_on is None:
        raise InvalidInput("starts_on: 请填写开始日期", field="starts_on")
    if until is not None and until < starts_on:
        raise InvalidInput("until: 结束日期早于开始日期", field="until")
    if recurrence == Recurrence.MONTHLY_WEEKDAY:
        if weekday is None or not 0 <= weekday <= 6:
            raise InvalidInput("weekday: 请选择星期几", field="weekday")
        if week_of_month not in (1, 2, 3, 4, -1):
            raise InvalidInput("week_of_month: 请选择第几周（1–4 或最后一周）", field="week_of_month")
        day_of_month = None
    else:
        day_of_month = day_of_month or starts_on.day
        if not 1 <= day_of_month <= 31:
            raise InvalidInput("day_of_month: 日期须在 1 到 31 之间", field="day_of_month")
        weekday = week_of_month = None
    invitees = invitees or Invitees([], [], [])
    series = MeetingSeries.objects.create(
        community=community, kind=kind, title=title, location=location, recurrence=recurrence,
        week_of_month=week_of_month, weekday=weekday, day_of_month=day_of_month, time=at, starts_on=starts_on,
        until=until, attendee_roles=invitees.roles, created_by=actor,
    )
    series.attendee_groups.set(invitees.groups)
    series.attendee_users.set(invitees.users)
    extend_series(series, today=today)
    return series


@transaction.atomic
def cancel_meeting(meeting: Meeting, actor) -> Meeting:
    require_community_staff(actor, meeting.community, "取消会议")
    m = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if m.state != Meeting.State.SCHEDULED:
        raise Conflict("只有待召开的会议可以取消")
    m.state = Meeting.State.CANCELLED
    m.save(update_fields=["state"])
    return m


# ---------------------------------------------------------------------------------------------
# Attendees and reminders


def attendees(meeting: Meeting) -> list:
    """Invited users: those holding an invited role in the community, the leaders of invited groups
    (and, for group leaders as a role, of every group), and the users named one by one."""
    User = get_user_model()
    community = meeting.community
    where = Q(pk__in=[u.pk for u in meeting.attendee_users.all()])
    roles = list(meeting.attendee_roles or [])
    if roles:
        in_community = Q(memberships__community=community) | Q(memberships__grid__community=community)
        where |= Q(memberships__role__in=roles) & in_community
    group_leaders = ResidentGroup.objects.filter(community=community, leader__isnull=False)
    if Role.GROUP_LEADER not in roles:
        group_leaders = group_leaders.filter(pk__in=meeting.attendee_groups.values("pk"))
    where |= Q(pk__in=group_leaders.values("leader_id"))
    return list(User.objects.filter(where, is_active=True).distinct().order_by("username"))


def remind_due(now: datetime | None = None) -> int:
    """Tell every attendee, once, about each meeting starting within the next day."""

    now = now or timezone.now()
    sent = 0
    due = Meeting.objects.filter(state=Meeting.State.SCHEDULED, reminded_at=None, starts_at__gt=now,
                                 starts_at__lte=now + REMIND_BEFORE).select_related("community__town")
    for m in due[:500]:
        with transaction.atomic():
            if not Meeting.objects.filter(pk=m.pk, reminded_at=None).update(reminded_at=now):
                continue  # another worker took it
            users = attendees(m)
            local = timezone.localtime(m.starts_at)
            where = f"，地点：{m.location}" if m.location else ""
            notify_users(users, subject=f"会议提醒：{m.title}",
                         body=f"{m.community.name}{m.get_kind_display()}将于 {local:%m月%d日 %H:%M} 召开{where}。",
                         link=f"/desk/collect/meetings/{m.pk}/")
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# Minutes → issues → demands


@transaction.atomic
def save_minutes(meeting: Meeting, actor, minutes: str) -> Meeting:
    require_community_staff(actor, meeting.community, "记录会议纪要")
    text = (minutes or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_MINUTES:
        raise InvalidInput(f"minutes: 会议纪要不能超过 {MAX_MINUTES} 字", field="minutes")
    if "\x00" in text:
        raise InvalidInput("minutes: 含有非法字符", field="minutes")
    m = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if m.state == Meeting.State.CANCELLED:
        raise Conflict("会议已取消，不能记录纪要")
    m.minutes = text
    m.minutes_updated_at = timezone.now()
    if text and m.state == Meeting.State.SCHEDULED:
        m.state = Meeting.State.HELD
    m.save(update_fields=["minutes", "minutes_updated_at", "state"])
    return m


def _propose(text: str, community: Community) -> dict:
    """Triage's category, urgency and place for one issue (place only inside the meeting's community)."""

    a = analyse(text, town=community.town, duplicates=False)
    same = a.community is None or a.community.pk == community.pk
    return {
        "category": a.category if a.category in Category.values else Category.OTHER,
        "urgent": a.urgent,
        "place_text": a.place.name if (a.place and same) else "",
        "grid": a.grid if (a.grid and a.grid.community_id == community.pk) else None,
    }


@transaction.atomic
def extract_items(meeting: Meeting, actor) -> list[MeetingItem]:
    """Split the minutes into candidate issues, each proposed with triage's category and place.

    Issues already registered stay as they are; every other candidate is rebuilt from the minutes."""
    require_community_staff(actor, meeting.community, "提取诉求")
    m = Meeting.objects.select_for_update(of=("self",)).select_related("community__town").get(pk=meeting.pk)
    if not m.minutes.strip():
        raise InvalidInput("minutes: 会议纪要为空，请先记录纪要", field="minutes")
    candidates = extract(m.minutes)
    if not candidates:
        raise InvalidInput("minutes: 纪要中没有找到居民反映的问题（可用编号或“第3组组长：”分条记录）",
                           field="minutes")
    m.items.exclude(state=MeetingItem.State.REGISTERED).delete()
    kept = list(m.items.all())
    taken = {(i.line, i.part) for i in kept}
    registered_texts = {i.text for i in kept} | {i.extracted for i in kept}
    items = []
    for c in candidates:
        if c.text in registered_texts:
            continue
        part = c.part
        while (c.line, part) in taken:
            part += 1
        taken.add((c.line, part))
        items.append(MeetingItem(meeting=m, line=c.line, part=part, speaker=c.speaker, text=c.text, extracted=c.text,
                                 **_propose(c.text, m.community)))
    MeetingItem.objects.bulk_create(items)
    return list(m.items.select_related("grid", "demand").order_by("line", "part"))


@dataclass
class ItemEdit:
    text: str | None = None
    category: str | None = None
    urgent: bool | None = None
    place_text: str | None = None
    grid: str | None = None  # grid name; "" clears it


def _apply_edit(item: MeetingItem, edit: ItemEdit, community: Community) -> None:
    if edit.text is not None:
        item.text = rules.clean_text(edit.text, max_len=rules.MAX_TEXT)
    if edit.category:
        if edit.category not in Category.values:
            raise InvalidInput(f"category: 未知分类 {edit.category}", field="category")
        item.category = edit.category
    if edit.urgent is not None:
        item.urgent = edit.urgent
    if edit.place_text is not None:
        item.place_text = rules.clean_text(edit.place_text, field="place", max_len=rules.MAX_PLACE, required=False)
    if edit.grid is not None:
        if edit.grid == "":
            item.grid = None
        else:
            item.grid = Grid.objects.filter(community=community, name=edit.grid).first()
            if item.grid is None:
                raise InvalidInput(f"grid: {community.name}没有“{edit.grid}”", field="grid")


@transaction.atomic
def register_items(meeting: Meeting, actor, edits: dict[int, ItemEdit]) -> tuple[list[MeetingItem], list[MeetingItem]]:
    """Register the chosen issues as demands (channel of the meeting's kind, source `meeting:<id>`, source
    line = minute line), all or none. Returns (newly registered, already registered); confirming twice
    creates nothing."""

    require_community_staff(actor, meeting.community, "登记诉求")
    if not edits:
        raise InvalidInput("items: 请勾选要登记的问题", field="items")
    community = Community.objects.select_related("town").get(pk=meeting.community_id)
    new, already = [], []
    m = Meeting.objects.select_for_update().get(pk=meeting.pk)
    for item_id, edit in edits.items():
        item = MeetingItem.objects.select_for_update().filter(pk=item_id, meeting=meeting).first()
        if item is None:
            raise NotFound(f"没有编号为 {item_id} 的会议问题")
        if item.demand_id is not None:
            already.append(item)
            continue
        _apply_edit(item, edit, community)
        demand, _token = register(
            text=item.text, channel=m.channel, actor=actor, community=community, grid=item.grid,
            place_text=item.place_text, received_at=min(m.starts_at, timezone.now()),
            source_ref=m.source_ref, source_line=item.line, category=item.category, urgent=item.urgent,
        )
        item.demand = demand
        item.state = MeetingItem.State.REGISTERED
        item.registered_by = actor
        item.registered_at = timezone.now()
        item.save()
        new.append(item)
    return new, already


@transaction.atomic
def dismiss_item(meeting: Meeting, actor, item_id: int) -> MeetingItem:
    require_community_staff(actor, meeting.community, "忽略问题")
    item = MeetingItem.objects.select_for_update().filter(pk=item_id, meeting=meeting).first()
    if item is None:
        raise NotFound(f"没有编号为 {item_id} 的会议问题")
    if item.demand_id is not None:
        raise Conflict("该问题已登记为诉求，不能忽略")
    item.state = MeetingItem.State.DISMISSED
    item.save(update_fields=["state"])
    return item
