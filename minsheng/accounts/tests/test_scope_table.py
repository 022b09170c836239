"""docs/security.md's access tables say what `accounts.scope` answers.

Both tables are read from the markdown file. For the rules table, users are built like the demo's (a
district administrator on no node, a town administrator on the town, community roles on 采菱社区, a grid
worker on 采菱第一网格) and every
role is asked every rule about a place in their own grid, in another community and in another town.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from minsheng.accounts import scope
from minsheng.accounts.models import Role
from minsheng.accounts.selectors import visible
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.territory import services
from minsheng.territory.models import Community, Grid, Place

SECURITY_MD = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def _table_after(heading_words: str) -> list[list[str]]:
    """The first markdown table after the line containing `heading_words`, as rows of cells."""
    lines = SECURITY_MD.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if heading_words in line)
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    assert len(rows) > 2, f"no table after {heading_words!r}"
    return [rows[0]] + rows[2:]  # header, then the body (without the --- line)


def _rules_table() -> dict[str, set[str]]:
    header, *body = _table_after("Rules (a user passes")
    assert header[:2] == ["rule", "roles"]
    return {row[0].strip("`"): {r.strip() for r in row[1].split(",")} for row in body}


def test_the_rules_table_names_every_rule_and_its_roles():
    documented = _rules_table()
    assert set(documented) == set(scope.RULES)
    for rule, roles in documented.items():
        assert roles <= set(Role.values), (rule, roles - set(Role.values))
        assert roles == set(scope.RULES[rule]), rule


def test_the_reach_table_is_reach_level():
    header, *body = _table_after("Reach (a membership on a node")
    assert len(body) == 4
    for row in body:
        level = row[0]
        for column, cell in zip(header[1:], row[1:], strict=True):
            known = re.findall(r"town|community|grid", column.removeprefix("object knows"))
            assert scope.reach_level(level, known) == (None if cell == "—" else cell), (level, column)


@pytest.fixture
def demo_like_users(demo_territory):
    """One active user per role, posted where the demo posts such a role."""
    town = demo_territory
    cailing = Community.objects.get(town=town, name="采菱社区")
    grid = Grid.objects.get(community=cailing, name="采菱第一网格")
    users = {}
    for role in Role.values:
        node = (None if role == Role.DISTRICT_ADMIN else town if role == Role.TOWN_ADMIN
                else grid if role == Role.GRID_WORKER else cailing)
        user, _ = ensure_user(username=f"table-{role}", password="x-very-long-pass")
        grant_role(user=user, role=role, node=node)
        users[role] = get_user_model().objects.get(pk=user.pk)
    return users


def test_every_role_gets_what_the_rules_table_says(demo_like_users, demo_territory):
    documented = _rules_table()
    cailing = Community.objects.get(town=demo_territory, name="采菱社区")
    own = Place.objects.get(community=cailing, name="采菱家园一期")
    other_community = Place.objects.get(community__name="三勤社区", name="塘坊排涝站")
    other_town = services.upsert_town(name="邻镇", code="LZ")
    far = services.upsert_place(community=services.upsert_community(town=other_town, name="邻镇社区", code="LJ"),
                                name="邻镇小区")
    assert own.grid is not None and own.grid.name == "采菱第一网格"
    for rule, roles in documented.items():
        for role, user in demo_like_users.items():
            allowed = role in roles
            assert scope.may(user, rule, own) == allowed, (rule, role, "own grid")
            # Only a town (or district) membership reaches another community of the town.
            assert scope.may(user, rule, other_community) == (
                allowed and role in (Role.TOWN_ADMIN, Role.DISTRICT_ADMIN)), (rule, role)
            # Only the district's reaches another town.
            assert scope.may(user, rule, far) == (allowed and role == Role.DISTRICT_ADMIN), (rule, role, "far")
            # The SQL filter says the same.
            places = visible(user, Place.objects.filter(pk__in=[own.pk, other_community.pk, far.pk]), role_set=rule)
            assert set(places) == {
                p for p in (own, other_community, far) if scope.may(user, rule, p)}, (rule, role)
