"""Who sees the resident roster, and how (domain.md §7).

- See (masked: 张**, 138****5678, age — never the birth date): community staff and secretaries of the
  household's community, and the grid worker of its grid. Nobody else — not the town, not handlers.
- Reveal a member (name; for community staff also birth date and phone): the same people, one member at
  a time, each reveal audit-logged (PersonalDataRead, subject "member:ID").
- Phone numbers unmasked: only community staff/secretaries of the member's community (as for demands).
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from minsheng.accounts import scope
from minsheng.accounts.selectors import visible
from minsheng.accounts.services import log_personal_data_read, mask_name, mask_phone
from minsheng.core.errors import NotFound

from .models import ELDERLY_AGE, Member
from .targeting import age_on

ROSTER_ROLES = scope.RULES["reveal_member"]
FULL_ROLES = scope.RULES["member_phone"]


def today(town=None) -> date:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(town.time_zone) if town is not None else timezone.get_current_timezone()
    return timezone.now().astimezone(tz).date()


def may_see_roster(user) -> bool:
    from minsheng.accounts.selectors import has_role

    return bool(getattr(user, "is_authenticated", False)) and user.is_active and has_role(user, ROSTER_ROLES)


def visible_members(user, *, include_inactive: bool = False) -> QuerySet:
    qs = Member.objects.all() if include_inactive else Member.objects.filter(active=True)
    return visible(user, qs, role_set=ROSTER_ROLES)


def may_reveal(user, m: Member) -> bool:
    return scope.may(user, "reveal_member", m)


def phone_entitled(user, m: Member) -> bool:
    return scope.may(user, "member_phone", m)


def care_flags(m: Member, on: date) -> list[str]:
    """The flags as the exports and the API write them (Chinese); pages translate them when shown."""
    flags = []
    if age_on(m.birth_date, on) >= ELDERLY_AGE:
        flags.append(gettext_noop("高龄"))
    if m.living_alone:
        flags.append(gettext_noop("独居"))
    if m.disabled:
        flags.append(gettext_noop("残疾"))
    if m.low_income:
        flags.append(gettext_noop("低保"))
    return flags


def masked(m: Member, on: date | None = None) -> dict:
    """The default view of a member: no full name, no birth date, no phone."""
    on = on or today()
    h = m.household
    return {
        "id": m.pk, "name": mask_name(m.name), "address": h.address,
        "building": h.building.name if h.building_id else None, "room": h.room, "grid": h.grid.name,
        "community": h.community.name, "age": age_on(m.birth_date, on), "flags": care_flags(m, on),
        "phone": mask_phone(m.phone), "birth_date": None, "masked": True,
    }


def reveal(user, m: Member, *, via: str, on: date | None = None) -> dict:
    """The member unmasked as far as the user is entitled, audit-logged. Raises NotFound otherwise."""
    if not may_reveal(user, m):
        raise NotFound(f"没有编号为 {m.pk} 的居民，或您无权查看")
    row = masked(m, on)
    full = phone_entitled(user, m)
    fields = ["name"]
    row.update({"name": m.name, "masked": False})
    if full:
        row.update({"birth_date": m.birth_date, "phone": m.phone})
        fields += ["birth_date", "phone"]
    log_personal_data_read(user=user, subject=f"member:{m.pk}", fields=fields, via=via)
    return row


def get_member(user, pk: int) -> Member:
    m = visible_members(user, include_inactive=True).select_related(
        "household__grid", "household__community", "household__building").filter(pk=pk).first()
    if m is None:
        raise NotFound(f"没有编号为 {pk} 的居民，或您无权查看")
    return m


def member_list(user, *, community: str | None = None, grid: str | None = None,
                building: str | None = None) -> QuerySet:
    qs = visible_members(user)
    if community:
        qs = qs.filter(household__community__name=community)
    if grid:
        qs = qs.filter(household__grid__name=grid)
    if building:
        qs = qs.filter(household__building__name=building)
    return qs.select_related("household__grid", "household__community", "household__building").order_by(
        "household__community__name", "household__address", "birth_date", "id")
