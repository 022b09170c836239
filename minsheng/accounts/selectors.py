"""Reads about users: their memberships, roles and what part of the territory they may see.

Every page, endpoint and admin list narrows its queryset with `visible()`. A model declares in
`scope_paths` how it reaches its town, community and grid ("" means the object itself). The rule
itself lives in `accounts.scope` (one definition, from which both the SQL filter and the in-memory
check are built); the functions here are its long-standing names.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from minsheng.territory.models import Town

from . import scope
from .models import STAFF_ROLES, TERRITORIAL_ROLES, ApiToken, Membership, Role
from .scope import LEVELS as _LEVELS
from .scope import memberships

__all__ = ["memberships"]


def preload_memberships(users: Iterable) -> None:
    """`memberships()` of many users in one query (for a list that asks it of every row's user)."""
    pending = {u.pk: u for u in users if getattr(u, "_minsheng_memberships", None) is None}
    if not pending:
        return
    for u in pending.values():
        u._minsheng_memberships = []
    for m in Membership.objects.filter(user_id__in=pending).select_related(
            "town", "community__town", "grid__community__town").order_by("id"):
        pending[m.user_id]._minsheng_memberships.append(m)


def roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if getattr(user, "_minsheng_memberships", None) is None and getattr(user, "_minsheng_roles", None) is None:
        # Only the roles are asked for: one narrow query instead of the memberships with their nodes.
        user._minsheng_roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    cached = getattr(user, "_minsheng_memberships", None)
    return {m.role for m in cached} if cached is not None else user._minsheng_roles


def has_role(user, role_set: Iterable[str]) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(roles(user) & set(role_set))


# Where each role's work starts after signing in; the first row the user's roles match wins, so a user
# with several roles lands on the widest work. (URL names only: accounts imports none of those apps.)
LANDING: list[tuple[frozenset[str], str, str]] = [
    (frozenset({Role.DISTRICT_ADMIN, Role.TOWN_ADMIN}), "dashboard:page", ""),
    (STAFF_ROLES, "demands:desk", ""),
    (frozenset({Role.HANDLER}), "demands:desk", "?queue=in_work"),
    (frozenset({Role.GRID_WORKER}), "collection:visits", ""),
    (frozenset({Role.INSPECTOR}), "projects:desk", ""),
]


def landing_url(user) -> str:
    """The page a user's work starts on (a resident, or a user without a role: the home page)."""
    held = roles(user)
    if getattr(user, "is_superuser", False):
        held = held | {Role.TOWN_ADMIN}
    for role_set, name, query in LANDING:
        if held & role_set:
            return reverse(name) + query
    return reverse("home")


def is_staff_member(user) -> bool:
    return has_role(user, TERRITORIAL_ROLES | {Role.HANDLER, Role.INSPECTOR})


def scope_branches(user, model, *, role_set: Iterable[str] = TERRITORIAL_ROLES) -> list[Q] | None:
    """The user's scope on `model` as separate filters, one per covered node (`accounts.scope.branches`)."""
    return scope.branches(user, model, role_set)


def scope_q(user, model, *, role_set: Iterable[str] = TERRITORIAL_ROLES) -> Q | None:
    """A Q narrowing `model` to what the user's memberships in `role_set` cover (`accounts.scope.q`).

    None means "everything" (superuser). An empty-match Q means nothing.
    """
    return scope.q(user, model, role_set)


def visible(user, qs: QuerySet, *, role_set: Iterable[str] = TERRITORIAL_ROLES) -> QuerySet:
    """Narrow any queryset of a territorial model to what the user may see."""
    q = scope_q(user, qs.model, role_set=role_set)
    return qs if q is None else qs.filter(q)


def can_see_node(user, node) -> bool:
    """Whether a town, community or grid lies inside the user's territory (touches it: a grid worker
    sees their community). The same rule as `visible()`, answered in memory."""
    return scope.reaches(user, scope.place_of(node), TERRITORIAL_ROLES)


def staff_towns(user) -> QuerySet:
    return visible(user, Town.objects.all(), role_set=STAFF_ROLES)


def home_node(user):
    """The broadest node the user works in (for dashboards and defaults), or None."""
    ms = [m for m in memberships(user) if m.role in TERRITORIAL_ROLES | {Role.HANDLER, Role.INSPECTOR}]
    if not ms:
        return None
    ms.sort(key=lambda m: _LEVELS.index(m.level), reverse=True)
    return ms[0].node



def covers(user, *, town_id: int | None, community_id: int | None = None, grid_id: int | None = None,
           role_set: Iterable[str] = TERRITORIAL_ROLES) -> bool:
    """Whether one of the user's memberships in `role_set` covers an object at this place.

    The place knows all three levels (an id left out is "none at that level"), so each membership is
    compared at its own level (`accounts.scope.reaches`): no query once the memberships are loaded.
    """
    return scope.reaches(user, {"town": town_id, "community": community_id, "grid": grid_id}, role_set)


def users_with_role(role: str, *, town_id: int, community_id: int | None = None):
    """Active users holding `role` on this town or community (for notices and handler lists)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q as _Q

    where = _Q(memberships__town_id=town_id)
    if community_id is None:
        where |= _Q(memberships__community__town_id=town_id)
    else:
        where |= _Q(memberships__community_id=community_id)
    # One filter() call, so role and place are tested on the same membership row.
    q = _Q(memberships__role=role) & where
    return get_user_model().objects.filter(q, is_active=True).distinct().order_by("username")


def tokens_of(user):
    """The user's API tokens that still answer, newest first (rows only: the secret is never kept)."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at", "-id")
