"""Who may do what in the collection channels. The one scope definition (`accounts.scope`) decides."""

from __future__ import annotations

from minsheng.accounts import scope
from minsheng.accounts.models import TERRITORIAL_ROLES
from minsheng.accounts.selectors import has_role
from minsheng.core.errors import NotAllowed
from minsheng.territory.models import Community, Grid


def can_collect(user) -> bool:
    """The collection pages are for territorial staff: town, community and grid workers."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and has_role(user, TERRITORIAL_ROLES)


def is_community_staff(user, community: Community) -> bool:
    """Staff (town admin, secretary, community staff) covering this community."""
    return scope.reaches(user, scope.node_place(community), "manage")


def require_community_staff(user, community: Community, what: str = "操作") -> None:
    if not (getattr(user, "is_active", False) and is_community_staff(user, community)):
        raise NotAllowed(f"您不是{community.name}的工作人员，不能{what}")


def covers_grid(user, grid: Grid) -> bool:
    """A grid worker in this grid, or staff above it."""
    return scope.reaches(user, scope.node_place(grid), "see")
