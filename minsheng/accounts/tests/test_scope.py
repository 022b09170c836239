"""The one scope rule: a grid worker sees their grid, community staff their community, the town its town."""

import pytest
from django.contrib.auth import get_user_model

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import can_see_node, visible
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.territory import services
from minsheng.territory.models import Community, Grid, Place, ResidentGroup

User = get_user_model()


@pytest.fixture
def second_town(demo_territory):
    town = services.upsert_town(name="邻镇", code="LZ")
    c = services.upsert_community(town=town, name="邻镇社区", code="LJ")
    g = services.upsert_grid(community=c, name="邻镇第一网格")
    services.upsert_place(community=c, name="邻镇小区", grid=g)
    return town


def names(qs):
    return {o.name for o in qs}


def test_grid_worker_sees_only_their_grid(second_town):
    user = User.objects.get(username="demo-cailing-grid")
    assert names(visible(user, Grid.objects.all())) == {"采菱第一网格"}
    assert names(visible(user, Place.objects.all())) == {"采菱家园一期"}
    # Territory structure above the grid: their own community only.
    assert names(visible(user, Community.objects.all())) == {"采菱社区"}


def test_community_staff_see_only_their_community(second_town):
    user = User.objects.get(username="demo-sanqin")
    grids = visible(user, Grid.objects.all())
    assert grids.count() == 6 and all(g.community.name == "三勤社区" for g in grids)
    assert "塘坊排涝站" in names(visible(user, Place.objects.all()))
    assert "采菱家园一期" not in names(visible(user, Place.objects.all()))
    assert visible(user, ResidentGroup.objects.all()).count() == 28


def test_town_admin_sees_their_town_not_another(second_town):
    user = User.objects.get(username="demo-town")
    assert visible(user, Community.objects.all()).count() == 4
    assert "邻镇小区" not in names(visible(user, Place.objects.all()))
    assert not can_see_node(user, second_town)


def test_resident_and_handler_have_no_territorial_view(demo_territory):
    for username in ("demo-resident", "demo-handler"):
        user = User.objects.get(username=username)
        assert not visible(user, Place.objects.all()).exists()


def test_user_with_two_memberships_sees_the_union(second_town):
    user, _ = ensure_user(username="two-hats", password="x-very-long-pass")
    grant_role(user=user, role=Role.COMMUNITY_STAFF, node=Community.objects.get(name="华家社区"))
    grant_role(user=user, role=Role.GRID_WORKER, node=Grid.objects.get(name="邻镇第一网格"))
    assert names(visible(user, Community.objects.all())) == {"华家社区", "邻镇社区"}


def test_superuser_sees_everything(second_town):
    root = User.objects.create_superuser("root", password="x-very-long-pass")
    assert visible(root, Community.objects.all()).count() == 5


@pytest.mark.django_db
def test_town_admin_role_needs_a_town(demo_territory):
    from minsheng.core.errors import InvalidInput

    user, _ = ensure_user(username="wrong", password="x-very-long-pass")
    with pytest.raises(InvalidInput):
        grant_role(user=user, role=Role.TOWN_ADMIN, node=Community.objects.first())
