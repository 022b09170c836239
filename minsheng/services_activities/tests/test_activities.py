"""Service activities: targets drawn from the roster, sign-ups, who was served, counts per community;
the public list names nobody."""

from datetime import date, timedelta

import pytest

from minsheng.core.errors import Conflict, NotAllowed
from minsheng.services_activities import services
from minsheng.services_activities.models import ActivityServed
from minsheng.services_activities.roster import today
from minsheng.territory.models import Community


@pytest.fixture
def community(demo_territory):
    return lambda name="采菱社区": Community.objects.select_related("town").get(name=name)


@pytest.fixture
def activity(community):
    def make(title="重阳节慰问九十岁以上高龄老人", when=date(2026, 10, 18), kind="festival_visit", name="采菱社区",
             **kw):
        return services.create_activity(actor=None, community=community(name), kind=kind, title=title, date_=when,
                                        check=False, **kw)

    return make


def test_festival_visit_targets_and_served(api, person, activity):
    old = [person("周秀英", date(1931, 1, 1)), person("吴玉兰", date(1936, 10, 18), room="1单元102")]
    person("陈建华", date(1936, 10, 19), room="1单元103")
    visit = activity(criteria={"min_age": 90})
    staff = api("demo-cailing")
    targets = staff.get(f"/api/v1/activities/{visit.pk}/targets").json()
    assert targets["count"] == 2 and targets["target"] == "90岁以上高龄老人"
    assert {t["name"] for t in targets["items"]} == {"周**", "吴**"}
    r = staff.post(f"/api/v1/activities/{visit.pk}/served", {"members": [m.pk for m in old], "note": "上门慰问"})
    assert r.status_code == 200 and r.json() == {"added": 2, "served": 2}
    assert staff.post(f"/api/v1/activities/{visit.pk}/served", {"members": [old[0].pk]}).json()["added"] == 0
    public = api().get("/api/v1/activities", community="采菱社区").json()
    [row] = public
    assert {"title", "kind", "date", "community", "target", "served"} <= set(row)
    assert row["served"] == 2 and row["target"] == "90岁以上高龄老人" and row["date"] == "2026-10-18"
    text = api().get("/api/v1/activities").content.decode()
    assert "周秀英" not in text and "吴玉兰" not in text and "周**" not in text


def test_served_only_from_the_visible_roster_and_after_the_day(api, person, activity):
    sanqin = person("冯德福", date(1930, 1, 1), building="三勤新苑2幢")
    other_grid = person("褚桂芳", date(1930, 1, 1), building="采菱家园二期5幢")
    visit = activity(criteria={"min_age": 90})
    assert api("demo-cailing").post(f"/api/v1/activities/{visit.pk}/served",
                                    {"members": [sanqin.pk]}).status_code == 403
    assert api("demo-cailing-grid").post(f"/api/v1/activities/{visit.pk}/served",
                                         {"members": [other_grid.pk]}).status_code == 403
    upcoming = activity(title="义诊", kind="clinic", when=today() + timedelta(days=5))
    with pytest.raises(Conflict):
        services.record_served(upcoming, None, members=[other_grid.pk])
    assert not ActivityServed.objects.exists()


def test_counts_per_community(api, person, activity):
    m = person("周秀英", date(1931, 1, 1))
    visit = activity(criteria={"min_age": 90})
    services.record_served(visit, _user("demo-cailing"), members=[m.pk])
    lecture = activity(title="“法律明白人”培训讲座", kind="lecture", when=date(2026, 9, 1))
    services.update_activity(lecture, _user("demo-cailing"), extra_headcount=40)
    activity(title="青少年学党史", kind="youth", when=date(2026, 7, 18), name="三勤社区")
    cancelled = activity(title="取消的活动", kind="other", when=date(2026, 8, 1))
    services.cancel_activity(cancelled, _user("demo-cailing"))
    counts = {c["community"]: c for c in api().get("/api/v1/activities/counts").json()}
    assert counts["采菱社区"]["activities"] == 2 and counts["采菱社区"]["served"] == 41
    assert counts["三勤社区"] == {"community": "三勤社区", "town": "湖塘镇", "activities": 1, "served": 0}
    assert api().get("/api/v1/activities/counts", year=2025).json() == []


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_resident_sign_up(api, activity, user_client):
    lecture = activity(title="“法律明白人”培训讲座", kind="lecture", when=today() + timedelta(days=7),
                       capacity=1, signup_open=True, target_text="居民组长、楼道长")
    r = api("demo-resident").post(f"/api/v1/activities/{lecture.pk}/signup")
    assert r.status_code == 201 and r.json()["signups"] == 1
    assert api("demo-resident").post(f"/api/v1/activities/{lecture.pk}/signup").status_code == 201  # idempotent
    assert api("demo-cailing").post(f"/api/v1/activities/{lecture.pk}/signup").status_code == 403  # not a resident
    assert api().post(f"/api/v1/activities/{lecture.pk}/signup").status_code == 401
    from minsheng.accounts.services import ensure_user, grant_role

    other, _ = ensure_user(username="resident-2", password="x" * 12)
    grant_role(user=other, role="resident", node=Community.objects.get(name="华家社区"))
    with pytest.raises(Conflict, match="名额已满"):
        services.sign_up(lecture, other)
    closed = activity(title="已结束", kind="lecture", when=today() - timedelta(days=1), signup_open=True)
    with pytest.raises(Conflict):
        services.sign_up(closed, other)
    assert api().get("/api/v1/activities", upcoming="true").json()[0]["signups"] == 1
    page = user_client("demo-resident").get("/activities/").content.decode()
    assert "“法律明白人”培训讲座" in page and "取消报名" in page and "已结束" not in page
    user_client("demo-resident").post(f"/activities/{lecture.pk}/signup/", {"cancel": "1"})
    assert lecture.signups.count() == 0


def test_only_staff_create_activities(api):
    body = {"community": "采菱社区", "kind": "clinic", "title": "“关爱骨骼 守护健康”义诊", "date": "2027-03-20",
            "criteria": {"min_age": 60}, "signup_open": True, "place": "采菱社区卫生服务站"}
    assert api("demo-cailing-grid").post("/api/v1/activities", body).status_code == 403
    assert api("demo-sanqin").post("/api/v1/activities", body).status_code == 403
    r = api("demo-cailing").post("/api/v1/activities", body)
    assert r.status_code == 201 and r.json()["target"] == "60岁以上老人" and r.json()["place"] == "采菱社区卫生服务站"
    assert api("demo-cailing").post("/api/v1/activities", body).status_code == 409
    bad = dict(body, title="x", criteria={"min_age": "old"})
    assert api("demo-cailing").post("/api/v1/activities", bad).status_code == 422
    with pytest.raises(NotAllowed):
        services.update_activity(r.json()["id"], _user("demo-sanqin"), extra_headcount=3)


def test_desk_pages(user_client, person, activity):
    m = person("周秀英", date(1931, 1, 1))
    visit = activity(criteria={"min_age": 90})
    client = user_client("demo-cailing")
    html = client.get(f"/desk/activities/{visit.pk}/").content.decode()
    assert "周**" in html and "周秀英" not in html
    r = client.post(f"/desk/activities/{visit.pk}/served/", {"members": [m.pk], "note": "上门慰问"})
    assert r.status_code == 302 and visit.served.count() == 1
    assert client.get("/desk/activities/").status_code == 200
    # Town staff see the activity but not the roster behind it.
    town = user_client("demo-town").get(f"/desk/activities/{visit.pk}/").content.decode()
    assert "周**" not in town and "重阳节" in town
    assert user_client("demo-town").get(f"/desk/activities/{visit.pk}/export/").status_code == 403


def test_public_list_query_count_does_not_grow(api, activity, django_assert_max_num_queries):
    for i in range(3):
        activity(title=f"讲座{i}", kind="lecture", when=date(2026, 9, 1 + i))
    with django_assert_max_num_queries(3):
        assert len(api().get("/api/v1/activities").json()) == 3
    from minsheng.territory.models import Grid

    grid = Grid.objects.get(name="采菱第二网格")
    for i in range(30):
        activity(title=f"活动{i}", kind="other", when=date(2026, 8, 1) + timedelta(days=i),
                 criteria={"min_age": 60, "grid_id": grid.pk})
    with django_assert_max_num_queries(4):
        rows = api().get("/api/v1/activities").json()
    assert len(rows) == 33 and rows[0]["target"] == "采菱第二网格60岁以上老人"
