"""The one definition of who may see and do what over the territory tree.

Two parts, and nothing else decides access to a territorial object:

* `RULES`: for each question the platform asks (see, manage, inspect, reveal a roster member…), the
  roles whose memberships answer it. docs/security.md's access table states the same rows and
  `accounts/tests/test_scope_table.py` reads it back against this dict.
* `reach_level()`: how one membership reaches an object. A membership on a node covers that node and
  everything below it; a district administrator's membership (on no node: the whole install) covers
  everything. For an object that knows its town, community and grid (the "levels" it has),
  the membership is compared at the most specific level the object knows, at or above the
  membership's own level: a grid worker on a community-only object (a project, a survey) answers for
  the community; a town membership on an object with no town level (a roster member) covers nothing.

The SQL filter (`q()`/`branches()`) and the in-memory check (`reaches()`/`may()`) are both built from
`reach_level()` and the same `Place` (levels known → ids), so they cannot disagree:
`accounts/tests/test_scope_property.py` proves it for random users and nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Q

from minsheng.territory.models import Community, Grid, Town
from minsheng.territory.selectors import District

from .models import STAFF_ROLES, TERRITORIAL_ROLES, Membership, Role

LEVELS = ("grid", "community", "town", "district")

# A place: the levels an object knows, each with its node id (None: the object has none at that level).
Place = Mapping[str, "int | None"]

# Who answers each question, inside the reach of their membership.
RULES: dict[str, frozenset[str]] = {
    # see demands, facilities, grids…: `visible()` and every desk list
    "see": TERRITORIAL_ROLES,
    # manage projects, facilities, activities, surveys, collection records; decide deletion requests
    "manage": STAFF_ROLES,
    # inspect projects
    "inspect": frozenset({Role.INSPECTOR}),
    # the dashboard of a node
    "dashboard": TERRITORIAL_ROLES | {Role.HANDLER, Role.INSPECTOR},
    # see a roster member with name and address
    "reveal_member": frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER}),
    # see a roster member's phone, import the roster
    "member_phone": frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}),
    # complete a maintenance task of a facility in one's grid (besides the assignee and managers)
    "complete_task": frozenset({Role.GRID_WORKER}),
    # be a resident of a place (support a project, sign up for an activity)
    "resident": frozenset({Role.RESIDENT}),
}
# Rules a superuser does not pass by being one (an administrator is nobody's resident).
MEMBERSHIP_ONLY = frozenset({"resident"})


def reach_level(membership_level: str, known: Iterable[str]) -> str | None:
    """The level at which a membership on `membership_level` is compared with an object knowing
    `known` levels: the most specific known level at or above the membership's. None: no reach."""
    known = set(known)
    if membership_level == "district":
        return "district"
    for level in LEVELS[LEVELS.index(membership_level):]:
        if level in known:
            return level
    return None


def node_ids(m: Membership) -> dict[str, int]:
    """Ids of the membership's node and every node above it."""
    if m.grid_id:
        return {"grid": m.grid_id, "community": m.grid.community_id, "town": m.grid.community.town_id}
    if m.community_id:
        return {"community": m.community_id, "town": m.community.town_id}
    if m.town_id:
        return {"town": m.town_id}
    return {}


def _roles(roles: str | Iterable[str]) -> set[str]:
    return set(RULES[roles]) if isinstance(roles, str) else set(roles)


def memberships(user) -> list[Membership]:
    """The user's memberships with their nodes, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_minsheng_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).select_related("town", "community__town", "grid__community__town")
        )
        user._minsheng_memberships = cached
    return cached


# ---------------------------------------------------------------------------------------------
# In memory


def membership_reaches(m: Membership, place: Place) -> bool:
    level = reach_level(m.level, place.keys())
    if level == "district":
        return True
    return level is not None and place[level] is not None and place[level] == node_ids(m)[level]


def reaches(user, place: Place, roles: str | Iterable[str] = "see") -> bool:
    """Whether one of the user's memberships in `roles` (a rule name or a set of roles) covers `place`."""
    if getattr(user, "is_superuser", False) and not (isinstance(roles, str) and roles in MEMBERSHIP_ONLY):
        return True
    wanted = _roles(roles)
    return any(m.role in wanted and membership_reaches(m, place) for m in memberships(user))


def place_of(obj, paths: Mapping[str, str] | None = None) -> dict[str, int | None]:
    """An object's place, read along its model's `scope_paths` (the same paths the SQL filter uses)."""
    paths = type(obj).scope_paths if paths is None else paths
    place: dict[str, int | None] = {}
    for level, path in paths.items():
        if path == "":
            place[level] = obj.pk
            continue
        *hops, last = path.split("__")
        target = obj
        for hop in hops:
            target = getattr(target, hop) if target is not None else None
        place[level] = getattr(target, f"{last}_id") if target is not None else None
    return place


def node_place(node) -> dict[str, int | None]:
    """A town, community or grid as a place that knows all three levels (those below it empty): a
    membership reaches it only when posted on the node or above it, not merely inside it."""
    if isinstance(node, Town):
        return {"town": node.pk, "community": None, "grid": None}
    if isinstance(node, Community):
        return {"town": node.town_id, "community": node.pk, "grid": None}
    if isinstance(node, Grid):
        return {"town": node.community.town_id, "community": node.community_id, "grid": node.pk}
    if isinstance(node, District):
        return {}  # knows no level below: only a district membership reaches it
    raise TypeError(f"not a territory node: {node!r}")


def may(user, rule: str, obj) -> bool:
    """The object check: an active user whose memberships in `RULES[rule]` reach `obj`."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return reaches(user, place_of(obj), rule)


# ---------------------------------------------------------------------------------------------
# In SQL


def branches(user, model, roles: str | Iterable[str] = "see") -> list[Q] | None:
    """The user's reach on `model` as separate filters, one per covered node (their OR is `q()`).

    None means "everything" (a superuser, or a district administrator in `roles`); an empty list means nothing. Each branch is a plain equality
    on one node column, so a query per branch can walk that column's index in order.
    """
    if getattr(user, "is_superuser", False):
        return None
    paths: dict[str, str] = model.scope_paths
    wanted = _roles(roles)
    out: list[Q] = []
    for m in memberships(user):
        if m.role not in wanted:
            continue
        level = reach_level(m.level, paths.keys())
        if level == "district":
            return None
        if level is None:
            continue
        node_id = node_ids(m)[level]
        path = paths[level]
        branch = Q(pk=node_id) if path == "" else Q(**{f"{path}_id": node_id})
        if branch not in out:
            out.append(branch)
    return out


def q(user, model, roles: str | Iterable[str] = "see") -> Q | None:
    """A Q narrowing `model` to what the user's memberships in `roles` reach. None: everything."""
    found = branches(user, model, roles)
    if found is None:
        return None
    result = Q(pk__in=[])
    for branch in found:
        result |= branch
    return result
