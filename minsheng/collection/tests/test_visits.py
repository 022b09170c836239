"""Grid visits: recorded on the phone page only in the worker's grid, photos, demands raised on the spot,
coverage (巡查覆盖率) per grid over a period."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.attachments.models import Attachment
from minsheng.collection.models import Visit
from minsheng.collection.services import visits
from minsheng.core.errors import NotAllowed
from minsheng.demands.models import Demand
from minsheng.territory.models import Building

TZ = ZoneInfo("Asia/Shanghai")


def png(name="photo.png"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def building(name):
    return Building.objects.select_related("grid").get(name=name)


def test_grid_worker_records_a_visit_with_photos_and_demands(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    page = c.get("/desk/collect/visits/new").content.decode()
    assert "采菱家园一期3幢" in page and "采菱家园二期1幢" not in page  # only the worker's grid
    b = building("采菱家园一期3幢")
    r = c.post("/desk/collect/visits/new", {
        "building": b.pk, "household": "2单元301", "notes": "独居老人，身体尚好",
        "demands": "楼道灯不亮，晚上上下楼不方便\n\n单元门禁坏了，外人随意进出",
        "reporter_name": "王阿姨", "reporter_phone": "13812345678", "photos": [png(), png("b.png")],
    })
    v = Visit.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/desk/collect/visits/{v.pk}/"
    assert v.grid.name == "采菱第一网格" and v.building == b and v.household == "2单元301"
    assert v.worker.username == "demo-cailing-grid"
    assert v.photos.count() == 2
    demands = list(Demand.objects.filter(source_ref=f"visit:{v.pk}").order_by("source_line"))
    assert [d.source_line for d in demands] == [1, 3]
    assert {d.channel for d in demands} == {"visit"}
    assert demands[0].grid.name == "采菱第一网格" and demands[0].place_text == "采菱家园一期3幢2单元301"
    assert demands[1].reporter_phone == "13812345678" and demands[0].received_at == v.visited_at
    detail = c.get(r["Location"]).content.decode()
    assert demands[0].code in detail and "独居老人" in detail
    photo = v.photos.first()
    served = c.get(f"/desk/collect/visits/photos/{photo.pk}")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_a_building_outside_the_workers_grid_is_refused(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    outside = building("采菱家园二期1幢")  # 采菱第五网格
    r = c.post("/desk/collect/visits/new", {"building": outside.pk, "notes": "走访", "demands": "路灯坏了"})
    assert r.status_code == 403 and "不在您负责的网格内" in r.content.decode()
    far = building("三勤新苑1幢")
    assert c.post("/desk/collect/visits/new", {"building": far.pk, "notes": "走访"}).status_code == 403
    assert not Visit.objects.exists() and not Demand.objects.exists()


def test_community_staff_record_anywhere_in_their_community_only(user_client, demo_territory, users):
    r = user_client("demo-cailing").post("/desk/collect/visits/new", {
        "building": building("采菱家园二期1幢").pk, "notes": "入户走访"})
    assert r.status_code == 302
    with pytest.raises(NotAllowed):
        visits.record_visit(users["demo-sanqin"], building_id=building("采菱家园二期2幢").pk, notes="走访")
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("data, status, message", [
    ({"building": "999999", "notes": "走访"}, 422, "请选择走访的楼幢"),
    ({"building": "abc", "notes": "走访"}, 422, "请选择走访的楼幢"),
    ({"notes": "", "demands": ""}, 422, "请填写走访情况"),
    ({"notes": "走访", "reporter_phone": "12345"}, 422, "手机号"),
    ({"notes": "走访", "visited_at": "2999-01-01T10:00"}, 422, "不能晚于现在"),
    ({"notes": "走访", "visited_at": "yesterday"}, 422, "时间格式"),
])
def test_bad_visits_are_refused_with_their_reason(user_client, demo_territory, data, status, message):
    body = {"building": building("采菱家园一期3幢").pk, **data}
    r = user_client("demo-cailing-grid").post("/desk/collect/visits/new", body)
    assert r.status_code == status and message in r.content.decode()
    assert not Visit.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(user_client, demo_territory):
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    r = user_client("demo-cailing-grid").post("/desk/collect/visits/new", {
        "building": building("采菱家园一期3幢").pk, "notes": "走访", "demands": "路灯坏了", "photos": [fake]})
    assert r.status_code == 422 and "不是有效的图片" in r.content.decode()
    assert not Visit.objects.exists() and not Demand.objects.exists() and not Attachment.objects.exists()


def test_other_communities_cannot_see_a_visit_or_its_photos(user_client, demo_territory, users):
    v = visits.record_visit(users["demo-cailing-grid"], building_id=building("采菱家园一期3幢").pk, notes="走访",
                            photos=[png()]).visit
    other = user_client("demo-sanqin")
    assert other.get(f"/desk/collect/visits/{v.pk}/").status_code == 404
    assert other.get(f"/desk/collect/visits/photos/{v.photos.first().pk}").status_code == 404
    assert user_client("demo-cailing").get(f"/desk/collect/visits/{v.pk}/").status_code == 200


def visit(user, name, when):
    return visits.record_visit(user, building_id=building(name).pk, notes="走访", visited_at=when).visit


def test_coverage_counts_buildings_visited_at_least_once_in_the_period(user_client, demo_territory, users):
    worker = users["demo-cailing-grid"]
    october = datetime(2026, 10, 10, 9, 0, tzinfo=TZ)
    for name in ("采菱家园一期1幢", "采菱家园一期2幢", "采菱家园一期3幢", "采菱家园一期3幢"):
        visit(worker, name, october)
    visit(worker, "采菱家园一期4幢", datetime(2026, 9, 30, 23, 0, tzinfo=TZ))  # September, local time
    visit(users["demo-cailing"], "采菱家园二期1幢", october)
    start, end = datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ)
    rows = {r.grid.name: r for r in visits.coverage(users["demo-cailing"], start, end)}
    first = rows["采菱第一网格"]
    assert (first.buildings, first.visited, first.visits, first.percent) == (24, 3, 4, 12)
    assert rows["采菱第五网格"].visited == 1 and rows["采菱第五网格"].buildings == 30
    assert rows["采菱第二网格"].rate is None  # no buildings recorded there
    assert len(rows) == 10  # every grid of the community

    # The grid worker sees only their grid; the page shows the rate for the period asked.
    page = user_client("demo-cailing-grid").get("/desk/collect/visits/?period=2026-10").content.decode()
    assert 'data-grid="采菱第一网格"' in page and 'data-grid="采菱第五网格"' not in page
    assert "12%" in page
    staff_page = user_client("demo-cailing").get("/desk/collect/visits/?period=2026-10").content.decode()
    assert 'data-grid="采菱第五网格"' in staff_page and 'data-grid="三勤第一网格"' not in staff_page
    september = visits.coverage(users["demo-cailing-grid"], datetime(2026, 9, 1, tzinfo=TZ), start)
    assert [(r.grid.name, r.visited) for r in september] == [("采菱第一网格", 1)]


def test_a_bad_period_is_explained(user_client, demo_territory):
    r = user_client("demo-cailing").get("/desk/collect/visits/?period=last-month")
    assert r.status_code == 422 and "格式应为" in r.content.decode()


def test_visits_page_query_count_does_not_grow(user_client, demo_territory, users, django_assert_max_num_queries):
    c = user_client("demo-cailing")
    now = timezone.now()
    period = timezone.localtime(now).strftime("%Y-%m")
    visit(users["demo-cailing-grid"], "采菱家园一期1幢", now - timedelta(minutes=5))
    c.get(f"/desk/collect/visits/?period={period}")
    with django_assert_max_num_queries(12) as few:
        assert c.get(f"/desk/collect/visits/?period={period}").status_code == 200
    for n in range(2, 20):
        visit(users["demo-cailing-grid"], f"采菱家园一期{n}幢", now - timedelta(minutes=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = c.get(f"/desk/collect/visits/?period={period}")
    assert r.status_code == 200 and "采菱家园一期19幢" in r.content.decode()
