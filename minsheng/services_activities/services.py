"""Every change to activities, sign-ups, service records and grid care facts — one function per action,
each in a transaction, each checking the caller's role and scope (NotAllowed → 403) and the state
(Conflict → 409). Roster imports are in importer.py.

Who may do what:
- create and edit activities, mark grids flood-prone: staff of the community or town (STAFF_ROLES);
- record who was served: whoever may see those members on the roster (community staff, grid worker);
- sign up: a user with the resident role in the activity's town, while sign-up is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from django.db import IntegrityError, transaction

from minsheng.accounts import scope
from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import covers
from minsheng.attachments import services as attachments
from minsheng.attachments.models import Attachment
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.demands.rules import clean_text
from minsheng.territory.models import Community, Grid, Place

from .models import Activity, ActivityKind, ActivityServed, ActivitySignup, GridProfile, Member
from .roster import today, visible_members
from .targeting import Criteria, apply

MAX_TEXT = 2000


def _clean(value: str | None, *, field: str, max_len: int, required: bool = False) -> str:
    return clean_text(value, field=field, max_len=max_len, required=required)


def is_activity_staff(actor, community: Community) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.is_active and covers(
        actor, town_id=community.town_id, community_id=community.pk, role_set=STAFF_ROLES)


def _require_staff(actor, community: Community) -> None:
    if not is_activity_staff(actor, community):
        raise NotAllowed("无权管理该社区的活动")


# ---------------------------------------------------------------------------------------------
# Grid care facts


@transaction.atomic
def set_flood_prone(grid: Grid, actor, *, flood_prone: bool, note: str = "", check: bool = True) -> GridProfile:
    if check and not (getattr(actor, "is_authenticated", False) and covers(
            actor, town_id=grid.community.town_id, community_id=grid.community_id, grid_id=grid.pk,
            role_set=STAFF_ROLES)):
        raise NotAllowed("无权修改该网格")
    profile, _ = GridProfile.objects.select_for_update().get_or_create(grid=grid)
    note = _clean(note, field="note", max_len=200)
    if profile.flood_prone != flood_prone or (note and note != profile.note):
        profile.flood_prone = flood_prone
        profile.note = note or profile.note
        profile.save()
    return profile


# ---------------------------------------------------------------------------------------------
# Activities


def describe_target(criteria: Criteria, grid_names: dict[int, str] | None = None) -> str:
    grid_name = None
    if criteria.grid_id:
        if grid_names is not None:
            grid_name = grid_names.get(criteria.grid_id)
        else:
            grid_name = Grid.objects.filter(pk=criteria.grid_id).values_list("name", flat=True).first()
    return criteria.describe(grid_name=grid_name)


@transaction.atomic
def create_activity(
    *, actor, community: Community, kind: str, title: str, date_: date, start_time: time | None = None,
    place: Place | None = None, place_text: str = "", organiser: str = "", description: str = "",
    criteria: dict | None = None, target_text: str = "", capacity: int | None = None, signup_open: bool = False,
    check: bool = True,
) -> Activity:
    if check:
        _require_staff(actor, community)
    if kind not in ActivityKind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(ActivityKind.values)}", field="kind")
    title = _clean(title, field="title", max_len=120, required=True)
    c = Criteria.from_json(criteria)
    if c.grid_id is not None and not Grid.objects.filter(pk=c.grid_id, community=community).exists():
        raise InvalidInput("grid: 网格不属于该社区", field="grid")
    if place is not None and place.community_id != community.pk:
        raise InvalidInput("place: 地点不属于该社区", field="place")
    if capacity is not None and (not isinstance(capacity, int) or not 1 <= capacity <= 100000):
        raise InvalidInput("capacity: 须为正整数", field="capacity")
    if Activity.objects.filter(community=community, title=title, date=date_).exists():
        raise Conflict(f"{date_:%Y-%m-%d} 已有活动“{title}”")
    return Activity.objects.create(
        town=community.town, community=community, kind=kind, title=title, date=date_, start_time=start_time,
        place=place, place_text=_clean(place_text, field="place_text", max_len=120),
        organiser=_clean(organiser, field="organiser", max_len=120),
        description=_clean(description, field="description", max_len=MAX_TEXT), criteria=c.to_json(),
        target_text=_clean(target_text, field="target_text", max_len=120), capacity=capacity,
        signup_open=signup_open, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _lock(activity) -> Activity:
    pk = activity.pk if isinstance(activity, Activity) else activity
    a = Activity.objects.select_for_update().filter(pk=pk).first()
    if a is None:
        raise NotFound(f"没有编号为 {pk} 的活动")
    return Activity.objects.select_related("community__town").get(pk=a.pk)


@transaction.atomic
def update_activity(activity, actor, *, criteria: dict | None = None, target_text: str | None = None,
                    extra_headcount: int | None = None, signup_open: bool | None = None,
                    capacity: int | None = None, description: str | None = None) -> Activity:
    a = _lock(activity)
    _require_staff(actor, a.community)
    if a.cancelled:
        raise Conflict("活动已取消")
    if criteria is not None:
        c = Criteria.from_json(criteria)
        if c.grid_id is not None and not Grid.objects.filter(pk=c.grid_id, community=a.community).exists():
            raise InvalidInput("grid: 网格不属于该社区", field="grid")
        a.criteria = c.to_json()
    if target_text is not None:
        a.target_text = _clean(target_text, field="target_text", max_len=120)
    if extra_headcount is not None:
        if not isinstance(extra_headcount, int) or not 0 <= extra_headcount <= 100000:
            raise InvalidInput("extra_headcount: 须为 0 或正整数", field="extra_headcount")
        a.extra_headcount = extra_headcount
    if signup_open is not None:
        a.signup_open = signup_open
    if capacity is not None:
        if not 1 <= capacity <= 100000:
            raise InvalidInput("capacity: 须为正整数", field="capacity")
        a.capacity = capacity
    if description is not None:
        a.description = _clean(description, field="description", max_len=MAX_TEXT)
    a.save()
    return a


@transaction.atomic
def cancel_activity(activity, actor) -> Activity:
    a = _lock(activity)
    _require_staff(actor, a.community)
    if not a.cancelled:
        a.cancelled = True
        a.signup_open = False
        a.save(update_fields=["cancelled", "signup_open", "updated_at"])
    return a


def target_text(a: Activity, grid_names: dict[int, str] | None = None) -> str:
    """Who the activity is for, in words (public: never names)."""
    return a.target_text or describe_target(Criteria.from_json(a.criteria), grid_names)


def target_members(a: Activity, user):
    """The roster members the activity is for, as far as `user` may see the roster (empty when the
    activity has no criteria: an open lecture is for everyone)."""
    c = Criteria.from_json(a.criteria)
    if c.empty:
        return Member.objects.none()
    qs = visible_members(user).filter(household__community_id=a.community_id)
    return apply(qs, c, on=a.date)


def _is_resident_of_town(user, town_id: int) -> bool:
    return scope.reaches(user, {"town": town_id}, "resident")


@transaction.atomic
def sign_up(activity, user) -> ActivitySignup:
    a = _lock(activity)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed("请先登录")
    if not _is_resident_of_town(user, a.town_id):
        raise NotAllowed("只有本镇居民可以报名")
    if a.cancelled or not a.signup_open:
        raise Conflict("该活动不接受报名")
    if a.date < today(a.community.town):
        raise Conflict("活动已经结束")
    existing = ActivitySignup.objects.filter(activity=a, user=user).first()
    if existing is not None:
        return existing
    if a.capacity is not None and a.signups.count() >= a.capacity:
        raise Conflict("名额已满")
    try:
        with transaction.atomic():
            return ActivitySignup.objects.create(activity=a, user=user)
    except IntegrityError:
        return ActivitySignup.objects.get(activity=a, user=user)


@transaction.atomic
def cancel_sign_up(activity, user) -> bool:
    a = _lock(activity)
    if a.date < today(a.community.town):
        raise Conflict("活动已经结束")
    return ActivitySignup.objects.filter(activity=a, user=user).delete()[0] > 0


@transaction.atomic
def record_served(activity, actor, *, members: Iterable[int], note: str = "") -> int:
    """Record roster members as served by the activity (idempotent). Returns how many were added."""
    a = _lock(activity)
    if a.cancelled:
        raise Conflict("活动已取消")
    if a.date > today(a.community.town):
        raise Conflict("活动尚未举行，不能登记服务对象")
    ids = {int(i) for i in members}
    if not ids:
        return 0
    found = list(visible_members(actor).filter(pk__in=ids, household__community_id=a.community_id)
                 .values_list("pk", flat=True))
    if len(found) != len(ids):
        raise NotAllowed("有居民不在您可查看的本社区花名册中")
    note = _clean(note, field="note", max_len=200)
    already = set(ActivityServed.objects.filter(activity=a, member_id__in=ids).values_list("member_id", flat=True))
    rows = [ActivityServed(activity=a, member_id=pk, note=note, recorded_by=actor) for pk in sorted(ids - already)]
    ActivityServed.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def remove_served(activity, actor, *, member: int) -> bool:
    a = _lock(activity)
    if not visible_members(actor, include_inactive=True).filter(pk=member).exists():
        raise NotAllowed("无权修改该服务记录")
    return ActivityServed.objects.filter(activity=a, member_id=member).delete()[0] > 0


@transaction.atomic
def add_photo(activity, actor, upload) -> Attachment:
    a = _lock(activity)
    _require_staff(actor, a.community)
    return attachments.add_photo(a, upload, actor=actor)
