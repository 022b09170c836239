"""A project states what it builds or repairs in its work items; the facility register follows when it
enters service. The API and the desk form accept the facility fields; errors name the field."""

from minsheng.facilities.models import Facility, FacilityProject
from minsheng.projects.views import parse_items

from .conftest import STAFF


def test_api_work_items_build_the_facility_when_the_project_enters_service(api, create, advance):
    body = create(place="采菱家园一期", items=[
        {"name": "不锈钢晾衣架", "quantity": 100, "unit": "个", "unit_price": 380, "facility_kind": "drying_racks",
         "facility_work": "build"},
        {"name": "安装人工", "quantity": 2, "unit": "天"}])
    pid = body["id"]
    advance(pid, "inspection")
    assert not Facility.objects.exists()
    assert api("test-inspector").act(pid, "inspect", passed=True, note="合格").status_code == 200
    f = Facility.objects.get()
    assert (f.name, f.kind, f.quantity, f.unit, f.community.name) == ("采菱家园一期不锈钢晾衣架", "drying_racks", 100,
                                                                      "个", "采菱社区")
    assert FacilityProject.objects.get(facility=f).project_id == pid


def test_repairing_an_existing_facility_keeps_its_quantity(api, create, advance):
    from minsheng.facilities import services
    from minsheng.territory.models import Place

    place = Place.objects.get(name="采菱公园")
    point = services.register_facility(actor=None, community=place.community, place=place, name="采菱公园健身点",
                                       kind="fitness_point", quantity=10, unit="件", condition="poor", check=False)
    pid = create(kind="services", items=[{"name": "健身器材维修", "quantity": 10, "unit": "件",
                                          "facility_work": "repair", "facility": point.pk}])["id"]
    advance(pid, "in_service")
    point.refresh_from_db()
    assert (point.quantity, point.condition) == (10, "good")
    assert FacilityProject.objects.get(facility=point).role == "improved"


def test_api_errors_name_the_item_field(api):
    staff = api(STAFF)
    base = {"title": "采菱家园一期晾衣架", "community": "采菱社区", "kind": "goods", "budget": 1000}
    cases = [
        ({"facility_kind": "palace", "facility_work": "build"}, "items.0.facility_kind"),
        ({"facility_work": "repair"}, "items.0.facility"),
        ({"facility_work": "demolish", "facility_kind": "benches"}, "items.0.facility_work"),
        ({"facility": 999999}, "items.0.facility"),
    ]
    for extra, field in cases:
        item = {"name": "晾衣架", "quantity": 1, "unit": "个", **extra}
        r = staff.post("/api/v1/projects", {**base, "items": [item]})
        assert r.status_code == 422, (extra, r.content)
        assert field in r.content.decode(), (extra, r.content)


def test_desk_form_lines_carry_the_facility_columns():
    assert parse_items("不锈钢晾衣架, 100, 个, 380, drying_racks, build\n泥浆泵，1，台，，pump，build，12") == [
        {"name": "不锈钢晾衣架", "quantity": "100", "unit": "个", "unit_price": "380", "facility_kind": "drying_racks",
         "facility_work": "build"},
        {"name": "泥浆泵", "quantity": "1", "unit": "台", "facility_kind": "pump", "facility_work": "build",
         "facility": "12"},
    ]
