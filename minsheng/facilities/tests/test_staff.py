"""Staff actions on facilities, plans and tasks: who may do what (API and pages)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.attachments.models import Attachment
from minsheng.facilities.models import Facility, MaintenancePlan, MaintenanceTask
from minsheng.facilities.services import generate_tasks

from .conftest import jpeg

SH = ZoneInfo("Asia/Shanghai")


def test_staff_register_facilities_in_their_community_only(api):
    body = {"community": "采菱社区", "name": "采菱公园健身点", "kind": "fitness_point", "quantity": 10, "unit": "件",
            "place": "采菱公园"}
    assert api("demo-sanqin").post("/api/v1/facilities", body).status_code == 403
    assert api("demo-cailing-grid").post("/api/v1/facilities", body).status_code == 403
    r = api("demo-cailing").post("/api/v1/facilities", body)
    assert r.status_code == 201, r.content
    assert r.json()["quantity"] == 10 and r.json()["place"] == "采菱公园"
    assert api("demo-cailing").post("/api/v1/facilities", body).status_code == 409
    bad = dict(body, name="x", kind="spaceship")
    assert api("demo-cailing").post("/api/v1/facilities", bad).status_code == 422
    assert api("demo-town").post("/api/v1/facilities", dict(body, name="采菱公园休闲座椅", kind="benches")) \
        .status_code == 201


def test_condition_changes_are_history(api, facility):
    f = facility("三勤新苑健身路径", "fitness_point")
    assert api("demo-cailing").post(f"/api/v1/facilities/{f.pk}/condition", {"condition": "poor"}).status_code == 404
    r = api("demo-sanqin").post(f"/api/v1/facilities/{f.pk}/condition", {"condition": "较差", "note": "地面坑洼"})
    assert r.status_code == 200 and r.json()["condition"] == "poor"
    assert api("demo-sanqin").post(f"/api/v1/facilities/{f.pk}/condition", {"condition": "bad"}).status_code == 422
    event = Facility.objects.get(pk=f.pk).events.get(action="condition")
    assert (event.from_condition, event.to_condition, event.note) == ("good", "poor", "地面坑洼")


def test_plan_through_the_api_makes_tasks(api, facility):
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    body = {"community": "华家社区", "title": "公厕每日保洁", "facilities": [toilet.pk], "frequency": "daily",
            "due_time": "23:59", "grace_hours": 2}
    assert api("demo-cailing").post("/api/v1/facilities/plans", body).status_code == 403
    r = api("demo-town").post("/api/v1/facilities/plans", body)
    assert r.status_code == 201, r.content
    assert r.json()["schedule"] == "每天" and r.json()["next_due"]
    assert MaintenanceTask.objects.filter(plan__title="公厕每日保洁").count() >= 1
    weekly = dict(body, title="每周消杀", frequency="weekly")
    assert api("demo-town").post("/api/v1/facilities/plans", weekly).status_code == 422
    assert api("demo-town").get("/api/v1/facilities/plans").json()[0]["title"] == "公厕每日保洁"


def make_task(facility, plan, place_name, kind, assignee=None):
    f = facility(place_name, kind)
    p = plan([f], "daily", due_time=time(18, 0), lead_days=0, starts_on=date(2027, 1, 1), assignee=assignee)
    MaintenancePlan.objects.filter(pk=p.pk).update(created_at=datetime(2026, 12, 1, tzinfo=SH))
    generate_tasks(datetime(2027, 1, 1, 8, 0, tzinfo=SH))
    return MaintenanceTask.objects.get(facility=f)


def test_who_may_complete_a_task(api, facility, plan):
    task = make_task(facility, plan, "采菱家园一期", "drying_racks", assignee="demo-handler")
    # The grid worker of the facility's grid, the assignee and community staff may; others may not.
    assert api("demo-sanqin").post(f"/api/v1/facilities/tasks/{task.pk}/done", {"notes": "x"}).status_code == 404
    assert api("demo-resident").post(f"/api/v1/facilities/tasks/{task.pk}/done", {}).status_code == 404
    mine = api("demo-handler").get("/api/v1/facilities/tasks", mine=True).json()
    assert [t["id"] for t in mine] == [task.pk]
    r = api("demo-cailing-grid").post(f"/api/v1/facilities/tasks/{task.pk}/done",
                                      {"notes": "检查完毕，3幢晾衣架已紧固", "condition": "good"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "done" and r.json()["notes"].startswith("检查完毕")
    assert api("demo-handler").post(f"/api/v1/facilities/tasks/{task.pk}/done", {}).status_code == 409


def test_task_done_on_the_page_with_photos(user_client, facility, plan):
    task = make_task(facility, plan, "华家综合消费品市场公厕", "public_toilet")
    client = user_client("demo-town")
    page = client.get(f"/desk/facilities/tasks/{task.pk}/")
    assert page.status_code == 200 and "登记完成" in page.content.decode()
    r = client.post(f"/desk/facilities/tasks/{task.pk}/", {
        "notes": "已保洁，补充洗手液", "condition": "",
        "photos": [SimpleUploadedFile("1.jpg", jpeg(), content_type="image/jpeg"),
                   SimpleUploadedFile("2.jpg", jpeg(), content_type="image/jpeg")]})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.notes == "已保洁，补充洗手液"
    assert task.photos.count() == 2
    photo = Attachment.objects.first()
    assert client.get(f"/desk/facilities/photos/{photo.pk}/").status_code == 200
    assert user_client("demo-cailing").get(f"/desk/facilities/photos/{photo.pk}/").status_code == 404
    bad = client.post(f"/desk/facilities/tasks/{task.pk}/", {
        "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]})
    assert bad.status_code in (409, 422)


def test_desk_pages_need_staff(client, user_client, facility):
    f = facility("塘坊排涝站", "drainage_station")
    assert client.get("/desk/facilities/").status_code == 302
    assert user_client("demo-resident").get("/desk/facilities/").status_code == 403
    assert user_client("demo-cailing").get(f"/desk/facilities/{f.pk}/").status_code == 404
    page = user_client("demo-sanqin").get(f"/desk/facilities/{f.pk}/")
    assert page.status_code == 200 and "塘坊排涝站" in page.content.decode()
    r = user_client("demo-sanqin").post(f"/desk/facilities/{f.pk}/condition/", {"condition": "broken", "note": "电柜故障"})
    assert r.status_code == 302 and Facility.objects.get(pk=f.pk).condition == "broken"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "<script>" not in page.content.decode()


def test_desk_list_query_count_does_not_grow(user_client, facility, plan, django_assert_max_num_queries):
    client = user_client("demo-sanqin")
    made = [facility("三勤新苑", "benches", name=f"座椅{i}") for i in range(3)]
    plan(made, "weekly", title="巡查", weekday=1)
    client.get("/desk/facilities/")
    with django_assert_max_num_queries(14) as small:
        assert client.get("/desk/facilities/").status_code == 200
    more = [facility("三勤新苑", "benches", name=f"长椅{i}") for i in range(30)]
    plan(more, "weekly", title="巡查二", weekday=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/desk/facilities/").content.decode()
    assert "长椅29" in html
