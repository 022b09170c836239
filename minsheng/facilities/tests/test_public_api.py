"""GET /api/v1/facilities (interfaces.md): public, filterable by community, no personal data,
a bounded number of queries."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from minsheng.facilities import services
from minsheng.facilities.models import FacilityProject, MaintenancePlan
from minsheng.projects.models import Project, WorkItem
from minsheng.projects.signals import project_in_service

SH = ZoneInfo("Asia/Shanghai")


def test_fields_maintenance_and_projects(api, facility, plan, place):
    stations = [facility(n, "drainage_station") for n in ("塘坊排涝站", "杨家北排涝站")]
    p = plan(stations, "yearly", title="汛前排涝站集中检修", month=5, day=5, due_time=time(17, 0))
    MaintenancePlan.objects.filter(pk=p.pk).update(starts_on=date(2026, 1, 1))
    works = Project.objects.create(town=stations[0].town, community=stations[0].community, place=place("塘坊排涝站"),
                                   title="塘坊排涝站更换电柜", kind="works", budget=Decimal(30000),
                                   created_at=timezone.now())
    WorkItem.objects.create(project=works, name="电柜", quantity=1, unit="台", facility_work="build",
                            facility_kind="electric_cabinet", facility=stations[0])
    project_in_service.send(sender=None, project_id=works.pk, title="塘坊排涝站更换电柜", town_id=1,
                            community_id=stations[0].community_id, place_id=place("塘坊排涝站").pk, kind="works",
                            items=[{"name": "电柜", "quantity": 1, "unit": "台"}], facility_kind="drainage_station")
    r = api().get("/api/v1/facilities", community="三勤社区")
    assert r.status_code == 200
    rows = {row["name"]: row for row in r.json()}
    tangfang = rows["塘坊排涝站"]
    assert {"name", "kind", "community", "place", "quantity", "unit", "condition", "maintenance", "projects"} <= set(
        tangfang)
    assert tangfang["kind"] == "drainage_station" and tangfang["community"] == "三勤社区"
    assert tangfang["place"] == "塘坊排涝站" and tangfang["quantity"] == 1 and tangfang["unit"] == "座"
    assert tangfang["condition"] == "good"
    [m] = tangfang["maintenance"]
    assert m["plan"] == "汛前排涝站集中检修" and m["frequency"] == "yearly"
    due = datetime.fromisoformat(m["next_due"]).astimezone(SH)
    assert (due.month, due.day, due.hour) == (5, 5, 17)
    assert tangfang["projects"] == [{"id": works.pk, "title": "塘坊排涝站更换电柜", "role": "improved"}]
    assert rows["电柜"]["parent"] == "塘坊排涝站"
    assert rows["杨家北排涝站"]["projects"] == []
    assert api().get("/api/v1/facilities", community="采菱社区").json() == []


def test_no_personal_data_in_public_answers(api, facility):
    f = facility("三勤新苑健身路径", "fitness_point")
    api().post(f"/api/v1/facilities/{f.pk}/report", {"note": "器材坏了", "reporter_name": "王小明",
                                                     "reporter_phone": "13900001111"})
    staff = api("demo-sanqin")
    assert staff.post(f"/api/v1/facilities/{f.pk}/condition", {"condition": "poor", "note": "王小明家门口"}) \
        .status_code == 200
    for path in ("/api/v1/facilities", f"/api/v1/facilities/{f.pk}"):
        text = api().get(path).content.decode()
        assert "王小明" not in text and "13900001111" not in text and "139****1111" not in text
        assert "三勤社区工作人员" not in text


def test_detail_has_components_and_history(api, facility):
    station = facility("张家排涝站", "drainage_station")
    services.register_facility(actor=None, community=station.community, name="泥浆泵", kind="pump", parent=station,
                               check=False)
    body = api().get(f"/api/v1/facilities/{station.pk}").json()
    assert body["components"] == ["泥浆泵"]
    assert [h["action"] for h in body["history"]] == ["registered", "component"]
    assert api().get("/api/v1/facilities/999999").status_code == 404


def test_list_query_count_does_not_grow(api, facility, plan, django_assert_max_num_queries):
    def make(n, offset):
        made = [facility("采菱家园一期", "benches", name=f"座椅{offset + i}") for i in range(n)]
        plan(made, "weekly", title=f"巡查{offset}", weekday=1)
        for f in made:
            FacilityProject.objects.create(facility=f, project_id=1000 + f.pk, title="采菱家园环境提升",
                                           role="built", at=f.created_at)
    make(3, 0)
    with django_assert_max_num_queries(6):
        assert len(api().get("/api/v1/facilities").json()) == 3
    make(30, 100)
    with django_assert_max_num_queries(6):
        assert len(api().get("/api/v1/facilities").json()) == 33
