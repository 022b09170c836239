"""Meetings: recurrence, attendees and reminders, minutes → issues → demands, scope, list query counts."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from minsheng.collection.models import Meeting, MeetingItem, MeetingSeries, Recurrence
from minsheng.collection.services import meetings
from minsheng.core.errors import InvalidInput, NotAllowed
from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification

from .conftest import MINUTES

TZ = ZoneInfo("Asia/Shanghai")


def local_dates(series):
    return [timezone.localtime(m.starts_at, TZ).date() for m in series.meetings.order_by("starts_at")]


def make_meeting(community, actor, *, kind="group_meeting", when=None, **kw):
    when = when or datetime(2026, 10, 8, 19, 0, tzinfo=TZ)
    return meetings.create_meeting(actor, community=community, kind=kind, starts_at=when, **kw)


# --- recurrence ---------------------------------------------------------------------------------


def test_monthly_on_a_weekday_is_scheduled_half_a_year_ahead_once(cailing, users):
    s = meetings.create_series(users["demo-cailing"], community=cailing, kind="group_meeting",
                               recurrence=Recurrence.MONTHLY_WEEKDAY, weekday=2, week_of_month=1, at=time(19, 0),
                               starts_on=date(2026, 1, 1), today=date(2026, 1, 1))
    assert local_dates(s) == [date(2026, 1, 7), date(2026, 2, 4), date(2026, 3, 4), date(2026, 4, 1),
                              date(2026, 5, 6), date(2026, 6, 3), date(2026, 7, 1)]
    first = s.meetings.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at, TZ).time() == time(19, 0)
    assert first.title == "每月居民组长会议" and first.kind == "group_meeting"
    assert meetings.extend_series(s, today=date(2026, 1, 1)) == 0  # idempotent
    assert meetings.extend_series(s, today=date(2026, 2, 1)) == 1  # 2026-08-05 comes into view


def test_last_weekday_day_of_month_clamped_and_half_yearly(cailing, users):
    staff = users["demo-cailing"]
    last = meetings.create_series(staff, community=cailing, kind="committee", recurrence=Recurrence.MONTHLY_WEEKDAY,
                                  weekday=4, week_of_month=-1, at=time(9, 0), starts_on=date(2026, 1, 1),
                                  until=date(2026, 3, 31), today=date(2026, 1, 1))
    assert local_dates(last) == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27)]
    day31 = meetings.create_series(staff, community=cailing, kind="committee", recurrence=Recurrence.MONTHLY_DAY,
                                   day_of_month=31, at=time(9, 0), starts_on=date(2026, 1, 1), until=date(2026, 4, 30),
                                   today=date(2026, 1, 1))
    assert local_dates(day31) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    half = meetings.create_series(staff, community=cailing, kind="forum", recurrence=Recurrence.HALF_YEARLY,
                                  at=time(14, 30), starts_on=date(2026, 3, 15), today=date(2026, 3, 1))
    assert local_dates(half) == [date(2026, 3, 15)]
    meetings.extend_series(half, today=date(2026, 8, 1))
    assert local_dates(half) == [date(2026, 3, 15), date(2026, 9, 15)]


def test_series_input_is_checked(cailing, users):
    staff = users["demo-cailing"]
    with pytest.raises(InvalidInput, match="星期"):
        meetings.create_series(staff, community=cailing, kind="group_meeting", recurrence="monthly_weekday",
                               week_of_month=1, at=time(19, 0), starts_on=date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        meetings.create_series(staff, community=cailing, kind="tea_party", recurrence="monthly_day",
                               at=time(19, 0), starts_on=date(2026, 1, 1))
    with pytest.raises(NotAllowed):
        meetings.create_series(users["demo-sanqin"], community=cailing, kind="group_meeting",
                               recurrence="monthly_day", at=time(19, 0), starts_on=date(2026, 1, 1))
    assert not MeetingSeries.objects.exists()


# --- attendees and reminders --------------------------------------------------------------------


def test_attendees_by_role_and_group_are_reminded_a_day_before_once(cailing, users, on_commit):
    from minsheng.territory.models import ResidentGroup

    group = ResidentGroup.objects.get(community=cailing, number=3)
    group.leader = users["demo-resident"]
    group.save()
    now = timezone.now()
    staff = users["demo-cailing"]
    invitees = meetings.clean_invitees(cailing, roles=["grid_worker", "community_staff"], group_ids=[group.pk])
    soon = make_meeting(cailing, staff, when=now + timedelta(hours=20), invitees=invitees, location="社区二楼会议室")
    later = make_meeting(cailing, staff, when=now + timedelta(days=3), invitees=invitees)
    assert {u.username for u in meetings.attendees(soon)} == {"demo-cailing", "demo-cailing-grid", "demo-resident"}
    with on_commit(execute=True):
        assert meetings.remind_due(now) == 1
        assert meetings.remind_due(now) == 0
    reminders = Notification.objects.filter(subject__startswith="会议提醒")
    assert {n.recipient.username for n in reminders} == {"demo-cailing", "demo-cailing-grid", "demo-resident"}
    assert "社区二楼会议室" in reminders.first().body and reminders.first().link == f"/desk/collect/meetings/{soon.pk}/"
    later.refresh_from_db()
    assert later.reminded_at is None


def test_reminders_are_a_periodic_job(db):
    from minsheng.core.periodic import JOBS
    from minsheng.core.services import run_due

    assert any(j.task == "minsheng.collection.tasks.remind_meetings" for j in JOBS)
    assert "collection.remind_meetings" in run_due(timezone.now())


def test_the_reminder_task_runs_in_the_worker(cailing, users):
    from minsheng.collection.tasks import remind_meetings

    make_meeting(cailing, users["demo-cailing"], when=timezone.now() + timedelta(hours=2),
                 invitees=meetings.clean_invitees(cailing, roles=["community_staff"]))
    assert remind_meetings.call() == 1


def test_invitees_must_belong_to_the_community(cailing, sanqin, users):
    from minsheng.territory.models import ResidentGroup

    other_group = ResidentGroup.objects.filter(community=sanqin).first()
    with pytest.raises(InvalidInput, match="居民小组"):
        meetings.clean_invitees(cailing, group_ids=[other_group.pk])
    with pytest.raises(InvalidInput, match="角色"):
        meetings.clean_invitees(cailing, roles=["resident"])
    with pytest.raises(InvalidInput, match="参会人员"):
        meetings.clean_invitees(cailing, user_ids=[users["demo-sanqin"].pk])


# --- pages: creating ----------------------------------------------------------------------------


def test_staff_schedules_a_meeting_and_a_series_from_the_page(user_client, cailing):
    c = user_client("demo-cailing")
    assert c.get("/desk/collect/meetings/new").status_code == 200
    r = c.post("/desk/collect/meetings/new", {"community": cailing.pk, "kind": "service_forum", "date": "2026-11-20",
                                              "time": "14:30", "location": "夏雷社区会议室", "roles": ["community_staff"]})
    m = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/desk/collect/meetings/{m.pk}/"
    assert m.kind == "service_forum" and m.channel == "forum" and m.title == "为民办实事座谈会"
    assert timezone.localtime(m.starts_at, TZ) == datetime(2026, 11, 20, 14, 30, tzinfo=TZ)
    r = c.post("/desk/collect/meetings/new", {"community": cailing.pk, "kind": "group_meeting", "date": "2026-01-01",
                                              "time": "19:00", "recurrence": "monthly_weekday", "weekday": "2",
                                              "week_of_month": "1"})
    assert r.status_code == 302 and MeetingSeries.objects.count() == 1
    r = c.post("/desk/collect/meetings/new", {"community": cailing.pk, "kind": "group_meeting", "date": "",
                                              "time": "19:00"})
    assert r.status_code == 422 and "日期" in r.content.decode()


def test_grid_worker_and_other_community_cannot_schedule(user_client, cailing):
    assert user_client("demo-cailing-grid").get("/desk/collect/meetings/new").status_code == 403
    r = user_client("demo-sanqin").post("/desk/collect/meetings/new", {
        "community": cailing.pk, "kind": "group_meeting", "date": "2026-11-20", "time": "19:00"})
    assert r.status_code == 422 and not Meeting.objects.exists()
    assert user_client("demo-resident").get("/desk/collect/meetings/").status_code == 403
    assert user_client("demo-handler").get("/desk/collect/").status_code == 403


# --- minutes → demands --------------------------------------------------------------------------


def register_all(client, m):
    ids = list(m.items.filter(state="proposed").values_list("pk", flat=True))
    return client.post(f"/desk/collect/meetings/{m.pk}/register", {"pick": ids})


def test_minutes_become_demands_with_their_lines_and_confirming_twice_creates_nothing(user_client, cailing, users):
    c = user_client("demo-cailing")
    m = make_meeting(cailing, users["demo-cailing"])
    r = c.post(f"/desk/collect/meetings/{m.pk}/minutes", {"minutes": MINUTES, "then": "extract"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.state == "held"
    items = list(m.items.order_by("line", "part"))
    assert [(i.line, i.part) for i in items] == [(7, 1), (8, 1), (9, 1), (10, 1), (10, 2)]
    assert items[0].category == "drainage"  # proposed by triage
    assert items[1].place_text == "采菱家园一期" and items[1].grid.name == "采菱第一网格"
    page = c.get(f"/desk/collect/meetings/{m.pk}/").content.decode()
    assert "采菱家园二期12幢下水道堵塞" in page and 'data-testid="proposed"' in page

    # Staff edit one before confirming.
    ids = [i.pk for i in items]
    r = c.post(f"/desk/collect/meetings/{m.pk}/register", {
        "pick": ids, f"text-{ids[2]}": "二期晾衣架不够用，希望增加不锈钢晾衣架", f"category-{ids[2]}": "housing",
        f"grid-{ids[2]}": "采菱第五网格", f"place-{ids[2]}": "采菱家园二期", f"urgent-{ids[0]}": "1",
        **{f"text-{i}": items[n].text for n, i in enumerate(ids) if n != 2},
    })
    assert r.status_code == 302
    demands = Demand.objects.filter(source_ref=f"meeting:{m.pk}").order_by("source_line", "id")
    assert [d.source_line for d in demands] == [7, 8, 9, 10, 10]
    assert {d.channel for d in demands} == {"group_meeting"}
    assert all(d.community == cailing for d in demands)
    edited = demands.get(source_line=9)
    assert edited.text == "二期晾衣架不够用，希望增加不锈钢晾衣架" and edited.category == "housing"
    assert edited.grid.name == "采菱第五网格"
    assert demands.get(source_line=7).urgent
    assert demands[0].received_at == m.starts_at
    assert demands[0].events.first().data["source_ref"] == f"meeting:{m.pk}"

    # Confirming again (a double click, a stale page) creates nothing.
    r = c.post(f"/desk/collect/meetings/{m.pk}/register", {"pick": ids}, follow=True)
    assert Demand.objects.count() == 5
    assert "未重复创建" in r.content.decode()
    # Extracting again keeps the registered ones and proposes nothing twice.
    assert c.post(f"/desk/collect/meetings/{m.pk}/extract").status_code == 302
    assert m.items.count() == 5 and not m.items.filter(state="proposed").exists()


def test_forum_minutes_register_with_the_forum_channel(cailing, users):
    staff = users["demo-cailing"]
    m = make_meeting(cailing, staff, kind="forum")
    meetings.save_minutes(m, staff, "夏雷社区居民代表：新城长岛北门闲置地块乱倒垃圾，建议改造成停车场。")
    items = meetings.extract_items(m, staff)
    new, already = meetings.register_items(m, staff, {items[0].pk: meetings.ItemEdit()})
    assert len(new) == 1 and not already
    d = new[0].demand
    assert d.channel == "forum" and d.source_ref == f"meeting:{m.pk}" and d.source_line == 1
    assert d.text == "新城长岛北门闲置地块乱倒垃圾，建议改造成停车场。"


def test_empty_minutes_and_minutes_without_issues_are_refused(user_client, cailing, users):
    c = user_client("demo-cailing")
    m = make_meeting(cailing, users["demo-cailing"])
    r = c.post(f"/desk/collect/meetings/{m.pk}/extract")
    assert r.status_code == 422 and "纪要为空" in r.content.decode()
    c.post(f"/desk/collect/meetings/{m.pk}/minutes", {"minutes": "会议时间：10月8日\n主持人：宣布开会"})
    r = c.post(f"/desk/collect/meetings/{m.pk}/extract")
    assert r.status_code == 422 and "没有找到" in r.content.decode()
    r = c.post(f"/desk/collect/meetings/{m.pk}/register", {})
    assert r.status_code == 422
    assert not MeetingItem.objects.exists() and not Demand.objects.exists()


def test_a_bad_edit_registers_nothing(cailing, users):
    staff = users["demo-cailing"]
    m = make_meeting(cailing, staff)
    meetings.save_minutes(m, staff, MINUTES)
    items = meetings.extract_items(m, staff)
    edits = {items[0].pk: meetings.ItemEdit(), items[1].pk: meetings.ItemEdit(grid="三勤第一网格")}
    with pytest.raises(InvalidInput, match="没有“三勤第一网格”"):
        meetings.register_items(m, staff, edits)
    assert not Demand.objects.exists()


def test_dismissed_items_are_kept_aside_and_can_still_be_registered(user_client, cailing, users):
    c = user_client("demo-cailing")
    m = make_meeting(cailing, users["demo-cailing"])
    meetings.save_minutes(m, users["demo-cailing"], MINUTES)
    items = meetings.extract_items(m, users["demo-cailing"])
    assert c.post(f"/desk/collect/meetings/{m.pk}/items/{items[0].pk}/dismiss").status_code == 302
    items[0].refresh_from_db()
    assert items[0].state == "dismissed"
    c.post(f"/desk/collect/meetings/{m.pk}/register", {"pick": [items[0].pk]})
    items[0].refresh_from_db()
    assert items[0].state == "registered" and items[0].demand.source_line == 7


def test_cancelled_meetings(user_client, cailing, users):
    c = user_client("demo-cailing")
    m = make_meeting(cailing, users["demo-cailing"], when=timezone.now() + timedelta(hours=3))
    assert c.post(f"/desk/collect/meetings/{m.pk}/cancel").status_code == 302
    m.refresh_from_db()
    assert m.state == "cancelled" and meetings.remind_due() == 0
    assert c.post(f"/desk/collect/meetings/{m.pk}/minutes", {"minutes": MINUTES}).status_code == 409


# --- scope --------------------------------------------------------------------------------------


def test_staff_of_another_community_cannot_see_or_act_on_a_meeting(user_client, cailing, users):
    m = make_meeting(cailing, users["demo-cailing"])
    meetings.save_minutes(m, users["demo-cailing"], MINUTES)
    items = meetings.extract_items(m, users["demo-cailing"])
    other = user_client("demo-sanqin")
    assert other.get(f"/desk/collect/meetings/{m.pk}/").status_code == 404
    assert other.post(f"/desk/collect/meetings/{m.pk}/register", {"pick": [items[0].pk]}).status_code == 404
    assert f'data-meeting="{m.pk}"' not in other.get("/desk/collect/meetings/").content.decode()
    with pytest.raises(NotAllowed):
        meetings.register_items(m, users["demo-sanqin"], {items[0].pk: meetings.ItemEdit()})
    # The community's grid worker sees the meeting but cannot manage it.
    grid = user_client("demo-cailing-grid")
    assert grid.get(f"/desk/collect/meetings/{m.pk}/").status_code == 200
    assert grid.post(f"/desk/collect/meetings/{m.pk}/register", {"pick": [items[0].pk]}).status_code == 403
    # The town sees it.
    assert user_client("demo-town").get(f"/desk/collect/meetings/{m.pk}/").status_code == 200
    assert not Demand.objects.exists()


def test_meeting_list_query_count_does_not_grow(user_client, cailing, users, django_assert_max_num_queries):
    c = user_client("demo-cailing")
    c.get("/desk/collect/meetings/")  # warm caches (session, memberships)
    for i in range(3):
        make_meeting(cailing, users["demo-cailing"], when=datetime(2026, 10, 1 + i, 19, 0, tzinfo=TZ))
    with django_assert_max_num_queries(12) as few:
        assert c.get("/desk/collect/meetings/").status_code == 200
    for i in range(25):
        make_meeting(cailing, users["demo-cailing"], when=datetime(2026, 9, 1 + i, 19, 0, tzinfo=TZ))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get("/desk/collect/meetings/").status_code == 200


def test_named_attendees_from_the_page(user_client, cailing, users):
    c = user_client("demo-cailing")
    assert "采菱社区承办人（演示）" in c.get("/desk/collect/meetings/new").content.decode()
    r = c.post("/desk/collect/meetings/new", {"community": cailing.pk, "kind": "committee", "date": "2026-12-02",
                                              "time": "09:00", "users": [users["demo-handler"].pk]})
    assert r.status_code == 302
    m = Meeting.objects.get()
    assert [u.username for u in meetings.attendees(m)] == ["demo-handler"]
    r = c.post("/desk/collect/meetings/new", {"community": cailing.pk, "kind": "committee", "date": "2026-12-02",
                                              "time": "09:00", "users": [users["demo-sanqin"].pk]})
    assert r.status_code == 422 and Meeting.objects.count() == 1
