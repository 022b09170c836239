"""Anyone reporting a facility broken marks its condition and raises a demand linked to it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minsheng.demands.models import Demand
from minsheng.facilities.models import Facility, FacilityEvent

from .conftest import jpeg


def test_anonymous_report_through_the_api(api, facility):
    f = facility("三勤新苑健身路径", "fitness_point", quantity=25)
    r = api().post(f"/api/v1/facilities/{f.pk}/report", {"note": "漫步机扶手断了", "reporter_name": "王小明",
                                                         "reporter_phone": "13900001111"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["condition"] == "broken" and body["tracking_token"]
    d = Demand.objects.get(code=body["code"])
    assert d.source_ref == f"facility:{f.pk}" and d.channel == "online"
    assert d.community.name == "三勤社区" and d.grid.name == "三勤第二网格" and d.category == "recreation"
    assert "漫步机扶手断了" in d.text and d.reporter_phone == "13900001111"
    f.refresh_from_db()
    assert f.condition == "broken"
    event = FacilityEvent.objects.get(facility=f, action="report")
    assert event.demand_code == d.code and event.from_condition == "good" and event.to_condition == "broken"
    # The reporter follows it like any demand.
    tracked = api().get(f"/api/v1/demands/{d.code}", token=body["tracking_token"])
    assert tracked.status_code == 200


def test_each_report_is_a_demand_and_the_condition_stays_broken(api, facility):
    f = facility("塘坊排涝站", "drainage_station")
    for note in ("电柜冒烟", "水泵不转"):
        assert api().post(f"/api/v1/facilities/{f.pk}/report", {"note": note}).status_code == 201
    assert Demand.objects.filter(source_ref=f"facility:{f.pk}").count() == 2
    assert Facility.objects.get(pk=f.pk).condition == "broken"
    assert Demand.objects.filter(category="drainage").count() == 2


def test_grid_worker_report_is_a_visit(api, facility):
    f = facility("采菱家园一期", "drying_racks", quantity=50)
    r = api("demo-cailing-grid").post(f"/api/v1/facilities/{f.pk}/report", {"note": "3幢晾衣架松动"})
    assert r.status_code == 201
    assert Demand.objects.get().channel == "visit"


def test_resident_report_is_their_own_demand(api, facility):
    f = facility("采菱家园一期", "benches", quantity=10)
    api("demo-resident").post(f"/api/v1/facilities/{f.pk}/report", {"note": "座椅木条断裂"})
    d = Demand.objects.get()
    assert d.reporter_user.username == "demo-resident"
    assert api("demo-resident").get("/api/v1/demands").json()["count"] == 1


def test_report_page_with_a_photo(facility):
    f = facility("夏雷社区篮球场", "court")
    page = Client().get(f"/facilities/{f.pk}/report/")
    assert page.status_code == 200 and "夏雷社区篮球场" in page.content.decode()
    r = Client().post(f"/facilities/{f.pk}/report/", {
        "note": "篮球架螺丝松了", "photo": SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")})
    assert r.status_code == 201, r.content.decode()[:500]
    d = Demand.objects.get()
    assert d.code in r.content.decode()
    assert d.attachments.count() == 1
    assert Facility.objects.get(pk=f.pk).condition == "broken"


def test_bad_reports_change_nothing(api, facility):
    f = facility("夏雷社区篮球场", "court")
    assert api().post(f"/api/v1/facilities/{f.pk}/report", {"note": "x" * 501}).status_code == 422
    assert api().post(f"/api/v1/facilities/{f.pk}/report", {"reporter_phone": "123"}).status_code == 422
    assert api().post("/api/v1/facilities/999999/report", {"note": "坏了"}).status_code == 404
    assert Client().post(f"/facilities/{f.pk}/report/", {"note": ""}).status_code == 422
    assert not Demand.objects.exists()
    assert Facility.objects.get(pk=f.pk).condition == "good"
