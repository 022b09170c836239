"""Demo accounts (interfaces.md): invented user names, never a real person from the article."""

from __future__ import annotations

from minsheng.territory.models import Community, Grid, Town
from minsheng.territory.services import set_grid_worker

from .models import Membership, Role
from .services import ensure_user, grant_role

DEMO_PASSWORD = "minsheng-demo"

# username, display name, role, node kind, node name
DEMO_ACCOUNTS = [
    ("demo-district", "区民生办（演示）", Role.DISTRICT_ADMIN, "district", ""),
    ("demo-town", "镇民生办（演示）", Role.TOWN_ADMIN, "town", "湖塘镇"),
    ("demo-cailing", "采菱社区工作人员（演示）", Role.COMMUNITY_STAFF, "community", "采菱社区"),
    ("demo-cailing-grid", "采菱第一网格网格员（演示）", Role.GRID_WORKER, "grid", "采菱第一网格"),
    ("demo-sanqin", "三勤社区工作人员（演示）", Role.COMMUNITY_STAFF, "community", "三勤社区"),
    ("demo-handler", "采菱社区承办人（演示）", Role.HANDLER, "community", "采菱社区"),
    ("demo-resident", "采菱社区居民（演示）", Role.RESIDENT, "community", "采菱社区"),
]


def load(*, territory_only: bool = False) -> None:
    town = Town.objects.get(name="湖塘镇")
    for username, display, role, kind, node_name in DEMO_ACCOUNTS:
        if kind == "district":
            node = None
        elif kind == "town":
            node = town
        elif kind == "community":
            node = Community.objects.get(town=town, name=node_name)
        else:
            node = Grid.objects.get(community__town=town, name=node_name)
        user, _ = ensure_user(username=username, password=DEMO_PASSWORD, display_name=display, validate=False)
        grant_role(user=user, role=role, node=node)
        if role == Role.GRID_WORKER:

            set_grid_worker(grid=node, user=user)


def describe() -> list[str]:
    """Every demo account the database holds (the full demo adds an inspector and a cleaner), with
    its roles: what `minsheng demo` prints and the README lists."""

    lines = []
    rows = (Membership.objects.filter(user__username__startswith="demo-")
            .select_related("user", "town", "community", "grid").order_by("user__date_joined", "user__id", "id"))
    seen: dict[str, list[str]] = {}
    for m in rows:
        node = m.node
        seen.setdefault(m.user.username, []).append(f"{Role(m.role).label}（{node.name}）")
    for username, roles in seen.items():
        lines.append(f"{username:<20} {'、'.join(roles)}")
    return lines
