import pytest

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.territory import services
from minsheng.territory.models import Community, Grid, Place, Town
from minsheng.territory.selectors import find_node, grid_for_point

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


@pytest.mark.django_db
def test_upserts_are_idempotent_and_update_only_what_changed():
    town = services.upsert_town(name="甲镇", code="JZ")
    c1 = services.upsert_community(town=town, name="一社区", code="YS")
    c2 = services.upsert_community(town=town, name="一社区", code="YS")
    assert c1.pk == c2.pk and Community.objects.count() == 1
    services.upsert_community(town=town, name="一社区", code="YS", population=5)
    assert Community.objects.get().population == 5


@pytest.mark.django_db
def test_several_towns_with_same_community_names():
    a = services.upsert_town(name="甲镇", code="JZ")
    b = services.upsert_town(name="乙镇", code="YZ")
    services.upsert_community(town=a, name="新村社区", code="XC")
    services.upsert_community(town=b, name="新村社区", code="XC")
    assert Community.objects.filter(name="新村社区").count() == 2
    with pytest.raises(InvalidInput):
        find_node("新村社区")  # ambiguous: asks for 镇名/社区名
    assert find_node("乙镇/新村社区").obj.town == b


@pytest.mark.django_db
def test_grid_kind_and_polygon_are_validated():
    town = services.upsert_town(name="甲镇", code="JZ")
    c = services.upsert_community(town=town, name="一社区", code="YS")
    with pytest.raises(InvalidInput) as e:
        services.upsert_grid(community=c, name="坏网格", kind="special")
    assert e.value.field == "kind"
    with pytest.raises(InvalidInput) as e:
        services.upsert_grid(community=c, name="坏网格", polygon={"type": "Point", "coordinates": [0, 0]})
    assert e.value.field == "polygon"
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(InvalidInput):
        services.upsert_grid(community=c, name="坏网格", polygon=bowtie)
    assert not Grid.objects.exists()


@pytest.mark.django_db
def test_place_grid_must_be_in_its_community_and_coordinates_in_range():
    town = services.upsert_town(name="甲镇", code="JZ")
    c1 = services.upsert_community(town=town, name="一社区", code="YS")
    c2 = services.upsert_community(town=town, name="二社区", code="ES")
    g2 = services.upsert_grid(community=c2, name="二社区第一网格")
    with pytest.raises(InvalidInput):
        services.upsert_place(community=c1, name="某小区", grid=g2)
    with pytest.raises(InvalidInput) as e:
        services.upsert_place(community=c1, name="某小区", lat=91)
    assert e.value.field == "lat"
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_point_resolves_to_grid_by_polygon():
    town = services.upsert_town(name="甲镇", code="JZ")
    c = services.upsert_community(town=town, name="一社区", code="YS")
    g = services.upsert_grid(community=c, name="一网格", polygon=SQUARE)
    assert grid_for_point(0.5, 0.5) == g
    assert grid_for_point(2, 2) is None


@pytest.mark.django_db
def test_find_node_levels():
    town = services.upsert_town(name="甲镇", code="JZ")
    c = services.upsert_community(town=town, name="一社区", code="YS")
    g = services.upsert_grid(community=c, name="一网格")
    assert find_node("甲镇").obj == town and find_node("甲镇").level == "town"
    assert find_node("一社区").level == "community"
    assert find_node("一网格").obj == g
    with pytest.raises(NotFound):
        find_node("不存在")


def test_demo_places_lie_inside_their_grid_polygons(demo_territory):
    from shapely.geometry import Point, shape

    for place in Place.objects.select_related("grid"):
        assert shape(place.grid.polygon).covers(Point(place.lon, place.lat)), place.name
    assert Town.objects.count() == 1


def test_a_demand_naming_no_place_goes_to_the_only_town_and_a_second_town_is_seen_at_once(demo_territory):
    from minsheng.core.errors import InvalidInput
    from minsheng.demands import services as demands
    from minsheng.territory.selectors import sole_town
    from minsheng.territory.services import upsert_town

    assert sole_town() == demo_territory
    d, _token = demands.register(text="路灯不亮好几天了", channel="online", run_triage=False)
    assert d.town == demo_territory
    upsert_town(name="邹区镇", code="ZQ")
    assert sole_town() is None
    with pytest.raises(InvalidInput) as e:
        demands.register(text="路灯不亮好几天了", channel="online", run_triage=False)
    assert e.value.field == "community"
