"""The SQL filter and the object check of `accounts.scope` agree, for random users and random objects.

Users are unsaved, with random memberships (any role, on any node); objects are rows of models that
know different levels of the tree (a town; town+community; town+community+grid with or without a grid;
community+grid only). For each, `scope.q()` in the database and `scope.reaches(place_of(obj))` in memory
must give the same answer, for every rule and for arbitrary role sets.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.accounts import scope
from minsheng.accounts.models import Membership, Role
from minsheng.accounts.selectors import visible
from minsheng.services_activities.models import Household, Member
from minsheng.territory import services
from minsheng.territory.models import Building, Community, Grid, Place, ResidentGroup, Town
from minsheng.territory.selectors import District, district

MODELS = (Town, Community, Grid, ResidentGroup, Place, Building, Household, Member)


@pytest.fixture
def tree(db):
    """Two towns × two communities × two grids, with one row of every model per node (a place without
    a grid too)."""
    for t in range(2):
        town = services.upsert_town(name=f"镇{t}", code=f"T{t}")
        for c in range(2):
            community = services.upsert_community(town=town, name=f"镇{t}社区{c}", code=f"T{t}C{c}")
            services.upsert_resident_group(community=community, number=1)
            services.upsert_place(community=community, name=f"镇{t}社区{c}无网格地点")
            for g in range(2):
                grid = services.upsert_grid(community=community, name=f"镇{t}社区{c}网格{g}")
                place = services.upsert_place(community=community, name=f"镇{t}社区{c}网格{g}小区", grid=grid)
                services.upsert_building(grid=grid, name=f"镇{t}社区{c}网格{g}1幢", compound=place)
                household = Household.objects.create(community=community, grid=grid, address=f"{grid.name}1号")
                Member.objects.create(household=household, name="某某", birth_date=date(1950, 1, 1))
    nodes = ([district()] + list(Town.objects.all()) + list(Community.objects.select_related("town"))
             + list(Grid.objects.select_related("community__town")))
    objects = [o for model in MODELS for o in model.objects.all()]
    return SimpleNamespace(nodes=nodes, objects=objects)


def _membership(role: str, node) -> Membership:
    if isinstance(node, District):  # on no node: only a district administrator's is (the DB checks it)
        return Membership(role=Role.DISTRICT_ADMIN)
    kind = {Town: "town", Community: "community", Grid: "grid"}[type(node)]
    return Membership(role=role, **{kind: node})



def _user(memberships: list[Membership], superuser: bool = False):
    return SimpleNamespace(is_authenticated=True, is_active=True, is_superuser=superuser, pk=None,
                           _minsheng_memberships=memberships)


ROLE_SETS = st.one_of(st.sampled_from(sorted(scope.RULES)),
                      st.frozensets(st.sampled_from(list(Role.values)), min_size=1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_filter_and_object_check_agree(tree, data):
    grants = data.draw(st.lists(st.tuples(st.sampled_from(list(Role.values)), st.sampled_from(tree.nodes)),
                                max_size=4), label="memberships")
    user = _user([_membership(role, node) for role, node in grants])
    roles = data.draw(ROLE_SETS, label="rule or roles")
    obj = data.draw(st.sampled_from(tree.objects), label="object")

    in_sql = visible(user, type(obj).objects.filter(pk=obj.pk), role_set=roles).exists()  # scope.q in SQL
    in_memory = scope.reaches(user, scope.place_of(obj), roles)
    assert in_sql == in_memory, (grants, roles, obj, scope.place_of(obj))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_row_agrees_for_every_single_membership(tree, model):
    """Exhaustive for one membership: every role × node × object of the model."""
    rows = list(model.objects.all())
    for node in tree.nodes:
        for role in Role.values:
            user = _user([_membership(role, node)])
            rule = "see" if role != Role.RESIDENT else "resident"
            seen = set(visible(user, model.objects.all(), role_set=rule).values_list("pk", flat=True))
            for obj in rows:
                assert (obj.pk in seen) == scope.reaches(user, scope.place_of(obj), rule), (role, node, obj)


def test_superuser_sees_everything_but_is_nobodys_resident(tree):
    admin = _user([], superuser=True)
    assert scope.q(admin, Place) is None
    assert all(scope.reaches(admin, scope.place_of(o)) for o in tree.objects)
    assert not scope.reaches(admin, scope.place_of(tree.objects[0]), "resident")
    # Any collection of roles works, a plain set too.
    assert scope.reaches(admin, scope.place_of(tree.objects[0]), {Role.TOWN_ADMIN})
