"""The authorisation table (see test_authorization.py) for the apps merged after it: projects, facilities and
maintenance, activities and the roster, callbacks/rankings/surveys, the collection channels, WeChat import,
the dashboard, open data and Open311.

Every object a case needs is made through its app's services, in 采菱社区 (第一网格, 采菱家园一期5幢 where a
place matters), so that demo-sanqin (三勤社区) is out of scope. A case names in `world` only the objects it
needs; the demand D of the base world is always there.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from minsheng.demands.models import Demand
from minsheng.reliability.tests.test_authorization import (  # noqa: F401 (the two fixtures)
    Case,
    World,
    _territory_once,
    build_world,
    by_role,
    check,
    demo_territory,
    everyone,
    jpeg,
    user,
)
from minsheng.territory.models import Building, Community, Grid, Place

# Personal data of the base world (D's reporter, the rated demand's reporter) and of the roster member.
D_PHONE, D_NAME, D_TEXT = "13811112222", "赵六", "采菱一期5幢楼道灯不亮"
RATED_PHONE = "13933334444"
MEMBER_NAME, MEMBER_PHONE, MEMBER_ADDRESS = "欧阳秀英", "13955556666", "采菱家园一期5幢101"
PRIVATE = [D_PHONE, D_NAME, RATED_PHONE, MEMBER_NAME, MEMBER_PHONE]

FACILITY = "采菱一期测试健身点"
PLAN = "测试健身点每日巡查"
ACTIVITY = "法律明白人讲座（测试）"
MEETING = "采菱社区居民组长会议（测试）"
VISIT_HOUSEHOLD = "101室测试户"
FORM = "民情征求意见表（测试）"
SURVEY = "采菱社区群众感受调查（测试）"
MINUTES = """采菱社区居民组长会议纪要
二、居民反映的问题：
1. 采菱家园一期3幢楼道灯不亮，晚上老人上下楼不方便，希望尽快维修。
2. 采菱家园二期12幢下水道堵塞，污水返到厨房。
"""
CHAT = """微信群“采菱家园一期5幢楼道群”的聊天记录
2026-05-03 07:50 网格员小王: 大家早上好
2026-05-03 08:15 5-302王阿姨: @网格员小王 5幢楼道灯又坏了，晚上上楼黑乎乎的
2026-05-03 10:02 李师傅: 5幢楼下有人飞线充电，电线从三楼窗户拉下来，太危险了，谁来管管
"""
OPEN311_KEY = "demo-open311-key"  # the demo integration (minsheng.publishing.demo)


def private(w) -> list[str]:
    return PRIVATE


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def roster_xlsx(name: str = MEMBER_NAME, phone: str = MEMBER_PHONE) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["社区", "网格", "楼幢", "房号", "姓名", "出生日期", "联系电话", "独居"])
    ws.append(["采菱社区", "采菱第一网格", "采菱家园一期5幢", "101", name, "1931-03-12", phone, "是"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- the world ------------------------------------------------------------------------------------------


@dataclass
class AppWorld(World):
    project: Any = None
    project_photo: Any = None
    facility: Any = None
    facility_photo: Any = None
    plan: Any = None
    task: Any = None
    activity: Any = None
    activity_photo: Any = None
    member: Any = None
    meeting: Any = None
    item: Any = None
    visit: Any = None
    visit_photo: Any = None
    form: Any = None
    question: Any = None  # the form's free-text question (the first question is a required rating)
    rating: Any = None
    answer: Any = None
    ledger: Any = None
    chat: Any = None
    survey: Any = None


def _project(w: AppWorld, state: str, photo_too: bool) -> None:
    from minsheng.projects import services as ps

    staff = user("demo-cailing")
    p = ps.create(staff, title="采菱家园一期增设不锈钢晾衣架", community="采菱社区", kind="goods", budget=38000,
                  items=[{"name": "不锈钢晾衣架", "quantity": 100, "unit": "个", "unit_price": 380}],
                  task_team="攻坚小队（测试）", plan="整治方案（测试）")
    if state == "noticed":
        ps.screen(p, staff, passed=True, reason="符合民生微实事范围")
        ps.deliberate(p, staff)
        ps.vote(p, staff, votes_for=6, votes_against=1, minutes="两委会议纪要")
        ps.notice(p, staff, days=5)
    if photo_too:
        ps.add_photo(p, staff, photo(), stage="before")
        w.project_photo = p.photos.get()
    w.project = type(p).objects.get(pk=p.pk)


def _facility(w: AppWorld, plan: bool, photo_too: bool) -> None:
    from minsheng.facilities import services as fs
    from minsheng.facilities.models import MaintenancePlan, MaintenanceTask

    staff, cailing = user("demo-cailing"), Community.objects.get(name="采菱社区")
    w.facility = fs.register_facility(actor=staff, community=cailing, name=FACILITY, kind="fitness_point",
                                      place=Place.objects.get(name="采菱家园一期"))
    if photo_too:
        w.facility_photo = fs.add_photo(w.facility, staff, photo())
    if plan:
        w.plan = fs.create_plan(actor=staff, community=cailing, title=PLAN, facilities=[w.facility], frequency="daily",
                                due_time=time(18, 0), lead_days=2, assignee="demo-handler")
        fs.generate_tasks(plans=MaintenancePlan.objects.filter(pk=w.plan.pk))
        w.task = MaintenanceTask.objects.filter(plan=w.plan).order_by("due_at").first()


def _member(w: AppWorld) -> None:
    import tempfile

    from minsheng.services_activities import importer
    from minsheng.services_activities.models import Member

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        tmp.write(roster_xlsx())
        tmp.flush()
        report = importer.import_file(tmp.name)
    assert not report.errors, report.errors
    w.member = Member.objects.get(name=MEMBER_NAME)


def _activity(w: AppWorld, kind: str, photo_too: bool) -> None:
    """upcoming: sign-up open in a week; signed_up: the same with demo-resident signed up; held: yesterday,
    for the aged 80 and over (the roster member)."""
    from minsheng.services_activities import services as sa
    from minsheng.services_activities.roster import today

    staff, cailing = user("demo-cailing"), Community.objects.get(name="采菱社区")
    held = kind == "held"
    w.activity = sa.create_activity(
        actor=staff, community=cailing, kind="lecture", title=ACTIVITY,
        date_=today(cailing.town) + timedelta(days=-1 if held else 7), signup_open=not held,
        criteria={"min_age": 80} if held else {})
    if kind == "signed_up":
        sa.sign_up(w.activity, user("demo-resident"))
    if photo_too:
        w.activity_photo = sa.add_photo(w.activity, staff, photo())


def _meeting(w: AppWorld, state: str) -> None:
    from minsheng.collection.services import meetings

    staff = user("demo-cailing")
    w.meeting = meetings.create_meeting(staff, community=Community.objects.get(name="采菱社区"), kind="group_meeting",
                                        starts_at=timezone.now() + timedelta(days=2), title=MEETING)
    if state in ("held", "items"):
        w.meeting = meetings.save_minutes(w.meeting, staff, MINUTES)
    if state == "items":
        w.item = meetings.extract_items(w.meeting, staff)[0]


def _visit(w: AppWorld) -> None:
    from minsheng.collection.services import visits

    building = Building.objects.get(name="采菱家园一期5幢")
    w.visit = visits.record_visit(user("demo-cailing-grid"), building_id=building.pk, household=VISIT_HOUSEHOLD,
                                  notes="走访了解情况", photos=[photo()]).visit
    w.visit_photo = w.visit.photos.get()


def _form(w: AppWorld, state: str) -> None:
    from minsheng.collection.services import opinion

    staff = user("demo-cailing")
    w.form = opinion.create_form(staff, community=Community.objects.get(name="采菱社区"), title=FORM)
    w.rating = opinion.add_question(w.form, staff, kind="rating", text="对社区工作的满意程度", required=True)
    w.question = opinion.add_question(w.form, staff, kind="text", text="其他意见和建议")
    if state == "open":
        w.form = opinion.set_state(w.form, staff, "open")
        data = MultiValueDict({f"q{w.rating.pk}": ["4"], f"q{w.question.pk}": ["采菱家园一期北门路灯不亮"]})
        response = opinion.submit_paper(w.form, staff, data)
        w.answer = response.answers.get(question=w.question)


def _ledger(w: AppWorld) -> None:
    from minsheng.collection.services import ledger_web

    w.ledger = ledger_web.upload(user("demo-cailing"), SimpleUploadedFile("ledger.xlsx", ledger_xlsx(w)))
    assert w.ledger.state == "ready", (w.ledger.state, w.ledger.errors)


def ledger_xlsx(w: World) -> bytes:
    from minsheng.collection.services.ledger import export

    out = io.BytesIO()
    export(Demand.objects.filter(pk=w.d.pk), out, unmasked=True)
    return out.getvalue()


def build_app_world(*, rated: bool = False, project: str = "", project_photo: bool = False, facility: bool = False,
                    plan: bool = False, facility_photo: bool = False, member: bool = False, activity: str = "",
                    activity_photo: bool = False, meeting: str = "", visit: bool = False, form: str = "",
                    ledger: bool = False, chat: bool = False, survey: bool = False, ranking: bool = False) -> AppWorld:
    w = AppWorld(**vars(build_world(rated=rated)))
    if project:
        _project(w, project, project_photo)
    if facility or plan:
        _facility(w, plan, facility_photo)
    if member:
        _member(w)
    if activity:
        _activity(w, activity, activity_photo)
    if meeting:
        _meeting(w, meeting)
    if visit:
        _visit(w)
    if form:
        _form(w, form)
    if ledger:
        _ledger(w)
    if chat:
        from minsheng.collection.services import chat as chat_services

        w.chat = chat_services.create_export(community=Community.objects.get(name="采菱社区"),
                                             user=user("demo-cailing"), text=CHAT, group_name="采菱家园一期5幢楼道群")
    if survey:
        from minsheng.kpis import services as kpi_services

        w.survey = kpi_services.create_survey(user("demo-cailing"), community=Community.objects.get(name="采菱社区"),
                                  period=str(timezone.localdate().year), title=SURVEY)
    if ranking:
        from minsheng.kpis import rankings
        from minsheng.kpis import services as kpi_services

        kpi_services.publish_ranking(rankings.previous_month(timezone.localdate()))
    return w


def case(method: str, url, expect: dict[str, str], **kw) -> Case:
    return Case(method, url, expect, build=build_app_world, **kw)


def body(w: World) -> str:
    return w.extra["body"]


def read_logged(subject: str, role: str) -> bool:
    from minsheng.accounts.models import PersonalDataRead

    return role != "anonymous" and PersonalDataRead.objects.filter(subject=subject, user=user(role)).exists()


# Expectations used by many rows.
PUBLIC = everyone("200")
# A change on a desk page that only staff of the object's community or its town may make.
MANAGE = by_role("302>login", "403", "403", "403", "302*", "404", "302*")
# The desk of the collection channels: territorial staff only (not handlers), another community's object 404.
COLLECT = by_role("302>login", "403", "403", "200", "200", "200", "200")
COLLECT_SEES = by_role("302>login", "403", "403", "200", "200", "404", "200")
# A dashboard of 采菱第一网格: the staff whose territory holds the grid (handlers included); not another
# community's staff.
NODE = by_role("302>login", "403", "200", "200", "200", "403", "200")

# -- pages -----------------------------------------------------------------------------------------------


def _project_url(w, tail=""):
    return f"/projects/{w.project.pk}/{tail}"


def _desk_project(w, tail=""):
    return f"/desk/projects/{w.project.pk}/{tail}"


PAGES: dict[str, Case] = {
    # projects: public board and page, objections during the notice, support by residents of the community
    "projects/": case("GET", lambda w: "/projects/?community=采菱社区", PUBLIC, world={"project": "proposed"},
                      never=lambda w: ["攻坚小队（测试）"]),
    "projects/<int:pk>/": case("GET", _project_url, PUBLIC, world={"project": "proposed"},
                               never=lambda w: ["攻坚小队（测试）", "整治方案（测试）"]),
    "projects/<int:pk>/object/": case(
        "POST", lambda w: _project_url(w, "object/"), everyone("302*"), world={"project": "noticed"},
        data=lambda w, r: {"text": "担心噪音扰民"}, effect=lambda w, r: w.project.objections.exists()),
    "projects/<int:pk>/support/": case(
        "POST", lambda w: _project_url(w, "support/"), by_role("302>login", "302*", "403", "403", "403", "403", "403"),
        world={"project": "proposed"}, effect=lambda w, r: w.project.supports.exists()),
    # The project desk answers 404 (not 403) to users who are not staff: the app's choice, kept.
    "desk/projects/": case("GET", lambda w: "/desk/projects/",
                           by_role("302>login", "404", "404", "404", "200*", "200", "200*"),
                           world={"project": "proposed"}, effect=lambda w, r: "采菱家园一期增设不锈钢晾衣架" in body(w)),
    "desk/projects/new/": case(
        "POST", lambda w: "/desk/projects/new/", by_role("302>login", "404", "404", "404", "302*", "403", "302*"),
        data=lambda w, r: {"title": "采菱家园二期增设休闲椅", "community": "采菱社区", "kind": "goods", "budget": "9000",
                           "items": "休闲椅, 10, 张, 900"},
        effect=lambda w, r: _projects().filter(title="采菱家园二期增设休闲椅").exists()),
    "desk/projects/<int:pk>/": case("GET", _desk_project, by_role("302>login", "404", "404", "404", "200", "404", "200"),
                                    world={"project": "proposed"}),
    "desk/projects/<int:pk>/act/<slug:action>/": case(
        "POST", lambda w: _desk_project(w, "act/screen/"), by_role("302>login", "404", "404", "404", "302*", "404", "302*"),
        world={"project": "proposed"}, data=lambda w, r: {"passed": "yes", "reason": "符合", "version": w.project.version},
        effect=lambda w, r: _projects().get(pk=w.project.pk).status == "screened"),
    "desk/projects/<int:pk>/photos/": case(
        "POST", lambda w: _desk_project(w, "photos/"), by_role("302>login", "404", "404", "404", "302*", "404", "302*"),
        world={"project": "proposed"}, multipart=True, data=lambda w, r: {"file": photo(), "stage": "before"},
        effect=lambda w, r: w.project.photos.exists()),
    # facilities: the public register and reports; the staff register, plans and tasks
    "facilities/": case("GET", lambda w: "/facilities/", PUBLIC, world={"facility": True}),
    "facilities/<int:pk>/report/": case(
        "POST", lambda w: f"/facilities/{w.facility.pk}/report/", everyone("201*"), world={"facility": True},
        data=lambda w, r: {"note": "单杠松动", "reporter_name": "孙八", "reporter_phone": "13700002222"},
        effect=lambda w, r: Demand.objects.filter(source_ref=f"facility:{w.facility.pk}").exists()),
    "desk/facilities/": case("GET", lambda w: "/desk/facilities/",
                             by_role("302>login", "403", "200*", "200*", "200*", "200", "200*"),
                             world={"facility": True}, effect=lambda w, r: FACILITY in body(w)),
    # Adding a facility: the form offers only the communities one manages (another one is invalid input).
    "desk/facilities/new/": case(
        "POST", lambda w: "/desk/facilities/new/", by_role("302>login", "403", "422", "422", "302*", "422", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "name": "采菱二期休闲椅（测试）", "kind": "benches",
                           "quantity": "4", "condition": "good"},
        effect=lambda w, r: _facilities().filter(name="采菱二期休闲椅（测试）").exists()),
    "desk/facilities/<int:pk>/": case("GET", lambda w: f"/desk/facilities/{w.facility.pk}/",
                                      by_role("302>login", "403", "200", "200", "200", "404", "200"),
                                      world={"facility": True}),
    "desk/facilities/<int:pk>/condition/": case(
        "POST", lambda w: f"/desk/facilities/{w.facility.pk}/condition/", MANAGE, world={"facility": True},
        data=lambda w, r: {"condition": "poor", "note": "漆面脱落"},
        effect=lambda w, r: _facilities().get(pk=w.facility.pk).condition == "poor"),
    "desk/facilities/<int:pk>/photos/": case(
        "POST", lambda w: f"/desk/facilities/{w.facility.pk}/photos/", MANAGE, world={"facility": True}, multipart=True,
        data=lambda w, r: {"file": photo(), "caption": "现状"}, effect=lambda w, r: w.facility.photos.exists()),
    "desk/facilities/photos/<int:pk>/": case(
        "GET", lambda w: f"/desk/facilities/photos/{w.facility_photo.pk}/",
        by_role("302>login", "403", "200", "200", "200", "404", "200"),
        world={"facility": True, "facility_photo": True}),
    "desk/facilities/plans/": case(
        "POST", lambda w: "/desk/facilities/plans/", by_role("302>login", "403", "422", "422", "302*", "422", "302*"),
        world={"facility": True},
        data=lambda w, r: {"community": _cailing().pk, "title": "健身点每周检查（新）", "facilities": [w.facility.pk],
                           "frequency": "weekly", "weekday": "0", "due_time": "18:00", "grace_hours": "12"},
        effect=lambda w, r: w.facility.plans.filter(title="健身点每周检查（新）").exists()),
    # The maintenance task lists: in one's territory, and what one is assigned (demo-handler here).
    "desk/facilities/tasks/": case("GET", lambda w: "/desk/facilities/tasks/",
                                   by_role("302>login", "403", "200*", "200*", "200*", "200", "200*"),
                                   world={"plan": True}, effect=lambda w, r: PLAN in body(w)),
    # Completing a task: its assignee, the grid's grid worker, staff of the community or town.
    "desk/facilities/tasks/<int:pk>/": case(
        "POST", lambda w: f"/desk/facilities/tasks/{w.task.pk}/",
        by_role("302>login", "403", "302*", "302*", "302*", "404", "302*"), world={"plan": True},
        data=lambda w, r: {"notes": "已巡查", "condition": ""}, effect=lambda w, r: _task(w).status == "done"),
    "desk/facilities/tasks/<int:pk>/assign/": case(
        "POST", lambda w: f"/desk/facilities/tasks/{w.task.pk}/assign/",
        MANAGE, world={"plan": True},
        data=lambda w, r: {"assignee": "demo-cailing-grid"},
        effect=lambda w, r: _task(w).assignee.username == "demo-cailing-grid"),
    # activities: the residents' page and sign-up; the staff pages (the roster part only for roster roles)
    "activities/": case("GET", lambda w: "/activities/", PUBLIC, world={"activity": "upcoming"}, never=private),
    "activities/<int:pk>/signup/": case(
        "POST", lambda w: f"/activities/{w.activity.pk}/signup/",
        by_role("302>login", "302*", "403", "403", "403", "403", "403"), world={"activity": "upcoming"},
        effect=lambda w, r: w.activity.signups.exists()),
    "activities/photos/<int:pk>/": case("GET", lambda w: f"/activities/photos/{w.activity_photo.pk}/", PUBLIC,
                                        world={"activity": "upcoming", "activity_photo": True}),
    # Adding an activity: the form offers only the communities one manages.
    "desk/activities/": case(
        "POST", lambda w: "/desk/activities/", by_role("302>login", "403", "422", "422", "302*", "422", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "kind": "clinic", "title": "义诊（新）",
                           "date": f"{timezone.localdate() + timedelta(days=10)}", "signup_open": "on"},
        effect=lambda w, r: _activities().filter(title="义诊（新）").exists()),
    # Activities are the work of the territorial staff: a handler does not see them on the desk.
    "desk/activities/<int:pk>/": case(
        "GET", lambda w: f"/desk/activities/{w.activity.pk}/", by_role("302>login", "403", "404", "200", "200", "404", "200"),
        world={"activity": "held", "member": True}, never=private),
    "desk/activities/<int:pk>/export/": case(
        "GET", lambda w: f"/desk/activities/{w.activity.pk}/export/",
        by_role("302>login", "403", "403", "200*", "200*", "404", "403"), world={"activity": "held", "member": True},
        effect=lambda w, r: xlsx_people(w) > 0),
    "desk/activities/<int:pk>/photos/": case(
        "POST", lambda w: f"/desk/activities/{w.activity.pk}/photos/",
        by_role("302>login", "403", "404", "403", "302*", "404", "302*"), world={"activity": "upcoming"},
        multipart=True, data=lambda w, r: {"file": photo()}, effect=lambda w, r: w.activity.photos.exists()),
    # Recording who was served takes the roster: the town does not see it (roster.py), so it is refused.
    "desk/activities/<int:pk>/served/": case(
        "POST", lambda w: f"/desk/activities/{w.activity.pk}/served/",
        by_role("302>login", "403", "404", "302*", "302*", "404", "403"), world={"activity": "held", "member": True},
        data=lambda w, r: {"members": [w.member.pk], "note": "上门慰问"}, effect=lambda w, r: w.activity.served.exists()),
    "desk/activities/<int:pk>/update/": case(
        "POST", lambda w: f"/desk/activities/{w.activity.pk}/update/",
        by_role("302>login", "403", "404", "403", "302*", "404", "302*"), world={"activity": "upcoming"},
        data=lambda w, r: {"extra_headcount": "25", "signup_open": "on"},
        effect=lambda w, r: _activities().get(pk=w.activity.pk).extra_headcount == 25),
    # the roster: masked lists for community staff and the grid's grid worker; reveals audit-logged
    "desk/roster/": case("GET", lambda w: "/desk/roster/", by_role("302>login", "403", "403", "200*", "200*", "200", "403"),
                         world={"member": True}, effect=lambda w, r: MEMBER_ADDRESS in body(w), never=private),
    "desk/roster/members/<int:pk>/": case(
        "POST", lambda w: f"/desk/roster/members/{w.member.pk}/",
        by_role("302>login", "403", "403", "200*", "200*", "404", "403"), world={"member": True},
        effect=lambda w, r: read_logged(f"member:{w.member.pk}", r)),
    # Importing takes a community staff member of the rows' community (a grid worker's rows are refused).
    "desk/roster/import/": case(
        "POST", lambda w: "/desk/roster/import/", by_role("302>login", "403", "403", "422", "200*", "422", "403"),
        multipart=True, data=lambda w, r: {"file": SimpleUploadedFile("roster.xlsx", roster_xlsx("欧阳桂英"))},
        effect=lambda w, r: _members().filter(name="欧阳桂英").exists()),
    "desk/roster/lists/": case(
        "GET", lambda w: "/desk/roster/lists/?community=采菱社区&min_age=80",
        by_role("302>login", "403", "403", "200*", "200*", "422", "403"), world={"member": True},
        effect=lambda w, r: MEMBER_ADDRESS in body(w), never=private),
    # Another community's list is refused as bad criteria: back to the lists page, nothing exported.
    "desk/roster/lists/export/": case(
        "GET", lambda w: "/desk/roster/lists/export/?community=采菱社区&min_age=80",
        by_role("302>login", "403", "403", "200*", "200*", "302", "403"), world={"member": True},
        effect=lambda w, r: xlsx_people(w) > 0),
    "desk/roster/grids/<int:pk>/flood/": case(
        "POST", lambda w: f"/desk/roster/grids/{_grid().pk}/flood/",
        by_role("302>login", "403", "403", "403", "302*", "404", "403"), data=lambda w, r: {"flood_prone": "1"},
        effect=lambda w, r: _flood_prone()),
    # callbacks (回访), the ranking, the community sense surveys
    "desk/callbacks/": case("GET", lambda w: "/desk/callbacks/", by_role("302>login", "403", "200*", "200*", "200*", "200", "200*"),
                            world={"rated": True}, effect=lambda w, r: w.rated.code in body(w), never=private),
    # Recording a callback is for the community's (or town's) staff: not the handler whose work it judges.
    "desk/callbacks/<str:code>/": case(
        "POST", lambda w: f"/desk/callbacks/{w.rated.code}/", MANAGE,
        world={"rated": True},
        data=lambda w, r: {"resolution": "resolved", "satisfaction": "satisfied", "version": _fresh(w.rated).version},
        effect=lambda w, r: _fresh(w.rated).callback_at is not None),
    "rankings/": case("GET", lambda w: "/rankings/", PUBLIC, world={"ranking": True}),
    "surveys/<int:pk>/": case(
        "POST", lambda w: f"/surveys/{w.survey.pk}/", everyone("302*"), world={"survey": True},
        data=lambda w, r: {"gain": "4", "happiness": "5", "security": "4", "belonging": "4", "identity": "5"},
        effect=lambda w, r: w.survey.responses.exists()),
    "desk/surveys/": case("GET", lambda w: "/desk/surveys/", by_role("302>login", "403", "200", "200*", "200*", "200", "200*"),
                          world={"survey": True}, effect=lambda w, r: SURVEY in body(w)),
    # Only the communities one manages are offered: another is bad input (422), nothing created.
    "desk/surveys/new": case(
        "POST", lambda w: "/desk/surveys/new", by_role("302>login", "403", "422", "422", "302*", "422", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "period": "2025", "title": "2025年调查（新）"},
        effect=lambda w, r: _surveys().filter(title="2025年调查（新）").exists()),
    "desk/surveys/<int:pk>/": case("GET", lambda w: f"/desk/surveys/{w.survey.pk}/",
                                   by_role("302>login", "403", "404", "200", "200", "404", "200"), world={"survey": True}),
    "desk/surveys/<int:pk>/paper": case(
        "POST", lambda w: f"/desk/surveys/{w.survey.pk}/paper", by_role("302>login", "403", "404", "302*", "302*", "404", "302*"),
        world={"survey": True}, data=lambda w, r: {"gain": "3", "happiness": "4"},
        effect=lambda w, r: w.survey.responses.exists()),
    "desk/surveys/<int:pk>/status": case(
        "POST", lambda w: f"/desk/surveys/{w.survey.pk}/status", by_role("302>login", "403", "404", "403", "302*", "404", "302*"),
        world={"survey": True}, data=lambda w, r: {"status": "closed"},
        effect=lambda w, r: _surveys().get(pk=w.survey.pk).status == "closed"),
    # the collection channels (民情收集): for territorial staff; changes for staff of the community or town
    "desk/collect/": case("GET", lambda w: "/desk/collect/", COLLECT),
    "desk/collect/meetings/": case("GET", lambda w: "/desk/collect/meetings/",
                                   by_role("302>login", "403", "403", "200*", "200*", "200", "200*"),
                                   world={"meeting": "scheduled"}, effect=lambda w, r: MEETING in body(w)),
    # Meetings are arranged by staff of the community (a grid worker: 403); another community: bad input.
    "desk/collect/meetings/new": case(
        "POST", lambda w: "/desk/collect/meetings/new", by_role("302>login", "403", "403", "403", "302*", "422", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "kind": "group_meeting", "title": "十月居民组长会议（新）",
                           "date": f"{timezone.localdate() + timedelta(days=3)}", "time": "19:00"},
        effect=lambda w, r: _meetings().filter(title="十月居民组长会议（新）").exists()),
    "desk/collect/meetings/<int:pk>/": case("GET", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/", COLLECT_SEES,
                                            world={"meeting": "items"}),
    "desk/collect/meetings/<int:pk>/cancel": case(
        "POST", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/cancel", MANAGE, world={"meeting": "scheduled"},
        effect=lambda w, r: _meetings().get(pk=w.meeting.pk).state == "cancelled"),
    "desk/collect/meetings/<int:pk>/extract": case(
        "POST", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/extract", MANAGE, world={"meeting": "held"},
        effect=lambda w, r: w.meeting.items.exists()),
    "desk/collect/meetings/<int:pk>/items/<int:item>/dismiss": case(
        "POST", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/items/{w.item.pk}/dismiss", MANAGE,
        world={"meeting": "items"}, effect=lambda w, r: type(w.item).objects.get(pk=w.item.pk).state == "dismissed"),
    "desk/collect/meetings/<int:pk>/minutes": case(
        "POST", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/minutes", MANAGE,
        world={"meeting": "scheduled"}, data=lambda w, r: {"minutes": MINUTES},
        effect=lambda w, r: bool(_meetings().get(pk=w.meeting.pk).minutes)),
    "desk/collect/meetings/<int:pk>/register": case(
        "POST", lambda w: f"/desk/collect/meetings/{w.meeting.pk}/register", MANAGE, world={"meeting": "items"},
        data=lambda w, r: {"pick": [w.item.pk]}, effect=lambda w, r: type(w.item).objects.get(pk=w.item.pk).demand_id),
    "desk/collect/visits/": case("GET", lambda w: "/desk/collect/visits/",
                                 by_role("302>login", "403", "403", "200*", "200*", "200", "200*"), world={"visit": True},
                                 effect=lambda w, r: f"/desk/collect/visits/{w.visit.pk}/" in body(w)),
    # A visit is recorded in a grid one covers: the grid worker, the community's staff, the town.
    "desk/collect/visits/new": case(
        "POST", lambda w: "/desk/collect/visits/new", by_role("302>login", "403", "403", "302*", "302*", "403", "302*"),
        data=lambda w, r: {"building": Building.objects.get(name="采菱家园一期5幢").pk, "household": "202室（新）",
                           "notes": "走访"},
        effect=lambda w, r: _visits().filter(household="202室（新）").exists()),
    # The visit app's service worker and manifest hold no personal data and must not redirect (a browser
    # refuses a service worker script that answers with a redirect), so everyone gets them.
    "desk/collect/visits/sw.js": case("GET", lambda w: "/desk/collect/visits/sw.js", everyone("200")),
    "desk/collect/visits/manifest.webmanifest": case("GET", lambda w: "/desk/collect/visits/manifest.webmanifest",
                                                     everyone("200")),
    "desk/collect/visits/<int:pk>/": case("GET", lambda w: f"/desk/collect/visits/{w.visit.pk}/", COLLECT_SEES,
                                          world={"visit": True}),
    "desk/collect/visits/photos/<int:pk>": case("GET", lambda w: f"/desk/collect/visits/photos/{w.visit_photo.pk}",
                                                COLLECT_SEES, world={"visit": True}),
    # A form for a community one is not staff of is refused as bad input (422), nothing created.
    "desk/collect/forms/": case(
        "POST", lambda w: "/desk/collect/forms/", by_role("302>login", "403", "403", "422", "302*", "422", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "title": "征求意见（新）"},
        effect=lambda w, r: _forms().filter(title="征求意见（新）").exists()),
    "desk/collect/forms/<int:pk>/": case("GET", lambda w: f"/desk/collect/forms/{w.form.pk}/", COLLECT_SEES,
                                         world={"form": "draft"}),
    "desk/collect/forms/<int:pk>/edit": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/edit", MANAGE, world={"form": "draft"},
        data=lambda w, r: {"title": "征求意见（改）", "intro": ""},
        effect=lambda w, r: _forms().get(pk=w.form.pk).title == "征求意见（改）"),
    "desk/collect/forms/<int:pk>/state": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/state", MANAGE, world={"form": "open"},
        data=lambda w, r: {"state": "closed"}, effect=lambda w, r: _forms().get(pk=w.form.pk).state == "closed"),
    "desk/collect/forms/<int:pk>/questions": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/questions", MANAGE, world={"form": "draft"},
        data=lambda w, r: {"kind": "text", "text": "新题（测试）"},
        effect=lambda w, r: w.form.questions.filter(text="新题（测试）").exists()),
    "desk/collect/forms/<int:pk>/questions/<int:qid>/edit": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/questions/{w.question.pk}/edit", MANAGE,
        world={"form": "draft"}, data=lambda w, r: {"text": "改过的题（测试）"},
        effect=lambda w, r: w.form.questions.filter(text="改过的题（测试）").exists()),
    "desk/collect/forms/<int:pk>/questions/<int:qid>/delete": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/questions/{w.question.pk}/delete", MANAGE,
        world={"form": "draft"}, effect=lambda w, r: not w.form.questions.filter(pk=w.question.pk).exists()),
    "desk/collect/forms/<int:pk>/questions/<int:qid>/move": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/questions/{w.question.pk}/move", MANAGE,
        world={"form": "draft"}, data=lambda w, r: {"direction": "up"},
        effect=lambda w, r: w.form.questions.get(pk=w.question.pk).order == 1),
    "desk/collect/forms/<int:pk>/qr.png": case("GET", lambda w: f"/desk/collect/forms/{w.form.pk}/qr.png", COLLECT_SEES,
                                               world={"form": "draft"}),
    "desk/collect/forms/<int:pk>/print.pdf": case("GET", lambda w: f"/desk/collect/forms/{w.form.pk}/print.pdf",
                                                  COLLECT_SEES, world={"form": "draft"}),
    "desk/collect/forms/<int:pk>/paper": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/paper", MANAGE, world={"form": "open"},
        data=lambda w, r: {f"q{w.rating.pk}": "3", f"q{w.question.pk}": "北门停车难"}, effect=lambda w, r: w.form.responses.count() == 2),
    "desk/collect/forms/<int:pk>/results": case("GET", lambda w: f"/desk/collect/forms/{w.form.pk}/results",
                                                COLLECT_SEES, world={"form": "open"}),
    "desk/collect/forms/<int:pk>/answers/<int:answer>/demand": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/answers/{w.answer.pk}/demand", MANAGE,
        world={"form": "open"}, effect=lambda w, r: type(w.answer).objects.get(pk=w.answer.pk).demand_id),
    "desk/collect/forms/<int:pk>/answers/demands": case(
        "POST", lambda w: f"/desk/collect/forms/{w.form.pk}/answers/demands", MANAGE, world={"form": "open"},
        effect=lambda w, r: type(w.answer).objects.get(pk=w.answer.pk).demand_id),
    # The public answer page of an opinion form, by its token (anonymous answers allowed on this form).
    "collect/forms/<str:token>/": case(
        "POST", lambda w: f"/collect/forms/{w.form.token}/", everyone("302*"), world={"form": "open"},
        data=lambda w, r: {f"q{w.rating.pk}": "5", f"q{w.question.pk}": "希望增加休闲椅"},
        effect=lambda w, r: w.form.responses.filter(source="online").exists()),
    "collect/forms/<str:token>/done": case("GET", lambda w: f"/collect/forms/{w.form.token}/done", PUBLIC,
                                           world={"form": "open"}),
    # The 民情台账: importing takes community or town staff; an upload is its uploader's own (it holds
    # unmasked personal data); the export is unmasked only for the community's own staff (domain.md §7).
    # demo-sanqin's upload of 采菱社区's rows is stored but refused row by row (not ready to import).
    "desk/collect/ledger/": case(
        "POST", lambda w: "/desk/collect/ledger/", by_role("302>login", "403", "403", "403", "302*", "302", "302*"),
        multipart=True, data=lambda w, r: {"file": SimpleUploadedFile("ledger.xlsx", ledger_xlsx(w))},
        effect=lambda w, r: _imports().filter(uploaded_by__username=r, state="ready").exists()),
    "desk/collect/ledger/<int:pk>/": case("GET", lambda w: f"/desk/collect/ledger/{w.ledger.pk}/",
                                          by_role("302>login", "403", "403", "404", "200", "404", "404"),
                                          world={"ledger": True}, never=lambda w: [D_PHONE]),
    "desk/collect/ledger/<int:pk>/confirm": case(
        "POST", lambda w: f"/desk/collect/ledger/{w.ledger.pk}/confirm",
        by_role("302>login", "403", "403", "404", "302*", "404", "404"), world={"ledger": True},
        effect=lambda w, r: _imports().get(pk=w.ledger.pk).state == "done"),
    "desk/collect/ledger/<int:pk>/status": case("GET", lambda w: f"/desk/collect/ledger/{w.ledger.pk}/status",
                                                by_role("302>login", "403", "403", "404", "200", "404", "404"),
                                                world={"ledger": True}),
    "desk/collect/ledger/export.xlsx": case(
        "GET", lambda w: "/desk/collect/ledger/export.xlsx?community=采菱社区",
        by_role("302>login", "403", "403", "200", "200*", "200", "200"),
        effect=lambda w, r: w.extra["response"].get("X-Minsheng-Masked") == "0"),
    # WeChat group exports: community and town staff, and the community's grid workers. Another community is
    # not offered to demo-sanqin: refused as a bad choice (400), nothing stored.
    "desk/intake/chat/": case(
        "POST", lambda w: "/desk/intake/chat/", by_role("302>login", "403", "403", "302*", "302*", "400", "302*"),
        data=lambda w, r: {"community": _cailing().pk, "group_name": "采菱家园一期5幢楼道群", "text": CHAT},
        effect=lambda w, r: _chats().exists()),
    "desk/intake/chat/<int:pk>/": case("GET", lambda w: f"/desk/intake/chat/{w.chat.pk}/",
                                       by_role("302>login", "403", "403", "200", "200", "404", "200"), world={"chat": True}),
    "desk/intake/chat/<int:pk>/reading": case("GET", lambda w: f"/desk/intake/chat/{w.chat.pk}/reading",
                                              by_role("302>login", "403", "403", "200", "200", "404", "200"),
                                              world={"chat": True}),
    "desk/intake/chat/<int:pk>/register": case(
        "POST", lambda w: f"/desk/intake/chat/{w.chat.pk}/register",
        by_role("302>login", "403", "403", "302*", "302*", "404", "302*"), world={"chat": True},
        data=lambda w, r: {"lines": list(w.chat.messages.values_list("line", flat=True))},
        effect=lambda w, r: _chats().get(pk=w.chat.pk).registered_at is not None),
    # the dashboard of one territory node (here the grid of D): staff whose territory holds it
    "dashboard/": case("GET", lambda w: "/dashboard/?scope=采菱第一网格", NODE),
    "dashboard/data.json": case("GET", lambda w: "/dashboard/data.json?scope=采菱第一网格", NODE, never=private),
    "dashboard/report": case("GET", lambda w: "/dashboard/report?scope=采菱第一网格&format=md", NODE, never=private),
    # open data and Open311: public, never a person's data or words
    "open-data/": case("GET", lambda w: "/open-data/", PUBLIC),
    # "*": D is in the extract (so the check that no personal data is in it means something).
    "open-data/<slug:dataset>/<str:period>.csv": case(
        "GET", lambda w: f"/open-data/demands/{timezone.localdate().year}.csv", everyone("200*"),
        effect=lambda w, r: w.d.code in body(w), never=lambda w: [*PRIVATE, D_TEXT]),
    "open311/v2/": case("GET", lambda w: "/open311/v2/", everyone("302")),
    "^open311/v2/discovery\\.(?P<fmt>json|xml)$": case("GET", lambda w: "/open311/v2/discovery.json", PUBLIC),
    "^open311/v2/services\\.(?P<fmt>json|xml)$": case("GET", lambda w: "/open311/v2/services.xml", PUBLIC),
    "^open311/v2/services/(?P<code>[\\w-]+)\\.(?P<fmt>json|xml)$": case(
        "GET", lambda w: "/open311/v2/services/sanitation.json", PUBLIC),
    # Filing takes the api_key of an integration, whoever is signed in (and anonymous callers with it may).
    "^open311/v2/requests\\.(?P<fmt>json|xml)$": case(
        "POST", lambda w: "/open311/v2/requests.json", everyone("200*"),
        data=lambda w, r: {"api_key": OPEN311_KEY, "service_code": "sanitation", "address_string": "采菱公园",
                           "description": "采菱公园路灯不亮（Open311）"},
        effect=lambda w, r: Demand.objects.filter(text__contains="（Open311）").exists()),
    "^open311/v2/requests/(?P<code>[\\w-]+)\\.(?P<fmt>json|xml)$": case(
        "GET", lambda w: f"/open311/v2/requests/{w.d.code}.json", everyone("200*"),
        effect=lambda w, r: w.d.code in body(w), never=lambda w: [*PRIVATE, D_TEXT]),
}


def _projects():
    from minsheng.projects.models import Project

    return Project.objects.all()


def _facilities():
    from minsheng.facilities.models import Facility

    return Facility.objects.all()


def _task(w):
    return type(w.task).objects.select_related("assignee").get(pk=w.task.pk)


def _cailing():
    return Community.objects.get(name="采菱社区")


def _grid():
    return Grid.objects.get(name="采菱第一网格")


def _activities():
    from minsheng.services_activities.models import Activity

    return Activity.objects.all()


def _members():
    from minsheng.services_activities.models import Member

    return Member.objects.all()


def _surveys():
    from minsheng.kpis.models import SenseSurvey

    return SenseSurvey.objects.all()


def _flood_prone() -> bool:
    from minsheng.services_activities.models import GridProfile

    return GridProfile.objects.filter(grid=_grid(), flood_prone=True).exists()


def _meetings():
    from minsheng.collection.models import Meeting

    return Meeting.objects.all()


def _visits():
    from minsheng.collection.models import Visit

    return Visit.objects.all()


def _forms():
    from minsheng.collection.models import OpinionForm

    return OpinionForm.objects.all()


def _imports():
    from minsheng.collection.models import LedgerImport

    return LedgerImport.objects.all()


def _chats():
    from minsheng.collection.models import ChatExport

    return ChatExport.objects.all()


def _fresh(d: Demand) -> Demand:
    return Demand.objects.get(pk=d.pk)


# -- API operations ----------------------------------------------------------------------------------------

# Creating (or adding a photo) as staff of the community or the town; anyone else 403 (the object is public
# or the community is named in the request).
MANAGERS_201 = by_role("401", "403", "403", "403", "201*", "403", "201*")

API: dict[str, Case] = {
    # projects: public reads (the staff of the project's community or town get the full form: "*")
    "GET /api/v1/projects": case("GET", lambda w: "/api/v1/projects?community=采菱社区",
                                 by_role("200", "200", "200", "200", "200*", "200", "200*"), world={"project": "proposed"},
                                 effect=lambda w, r: '"version"' in body(w), never=lambda w: ["攻坚小队（测试）"]),
    "GET /api/v1/projects/{project_id}": case(
        "GET", lambda w: f"/api/v1/projects/{w.project.pk}", by_role("200", "200", "200", "200", "200*", "200", "200*"),
        world={"project": "proposed"}, effect=lambda w, r: "攻坚小队（测试）" in body(w)),
    "GET /api/v1/projects/{project_id}/photos/{photo_id}": case(
        "GET", lambda w: f"/api/v1/projects/{w.project.pk}/photos/{w.project_photo.pk}", PUBLIC,
        world={"project": "proposed", "project_photo": True}),
    "POST /api/v1/projects": case(
        "POST", lambda w: "/api/v1/projects", MANAGERS_201,
        data=lambda w, r: {"title": "采菱家园二期增设休闲椅", "community": "采菱社区", "kind": "goods", "budget": 9000,
                           "items": [{"name": "休闲椅", "quantity": 10, "unit": "张", "unit_price": 900}]},
        effect=lambda w, r: _projects().filter(title="采菱家园二期增设休闲椅").exists()),
    # A project is public: another community's staff is refused (403), not kept in the dark.
    "POST /api/v1/projects/{project_id}/actions/{action}": case(
        "POST", lambda w: f"/api/v1/projects/{w.project.pk}/actions/screen",
        by_role("401", "403", "403", "403", "200*", "403", "200*"), world={"project": "proposed"},
        data=lambda w, r: {"passed": True, "reason": "符合民生微实事范围"},
        effect=lambda w, r: _projects().get(pk=w.project.pk).status == "screened"),
    "POST /api/v1/projects/{project_id}/photos": case(
        "POST", lambda w: f"/api/v1/projects/{w.project.pk}/photos", MANAGERS_201, world={"project": "proposed"},
        multipart=True, data=lambda w, r: {"file": photo(), "stage": "before"},
        effect=lambda w, r: w.project.photos.exists()),
    # facilities: the public register and reports; staff work in scope
    "GET /api/v1/facilities": case("GET", lambda w: "/api/v1/facilities?community=采菱社区", PUBLIC,
                                   world={"facility": True}),
    "GET /api/v1/facilities/{facility_id}": case("GET", lambda w: f"/api/v1/facilities/{w.facility.pk}", PUBLIC,
                                                 world={"facility": True}),
    "POST /api/v1/facilities/{facility_id}/report": case(
        "POST", lambda w: f"/api/v1/facilities/{w.facility.pk}/report", everyone("201*"), world={"facility": True},
        data=lambda w, r: {"note": "单杠松动"},
        effect=lambda w, r: Demand.objects.filter(source_ref=f"facility:{w.facility.pk}").exists()),
    # Lists answer what the caller may see (nothing for a resident): "*" = 采菱社区's plan is listed.
    "GET /api/v1/facilities/plans": case("GET", lambda w: "/api/v1/facilities/plans",
                                         by_role("401", "200", "200", "200*", "200*", "200", "200*"), world={"plan": True},
                                         effect=lambda w, r: PLAN in body(w)),
    "GET /api/v1/facilities/tasks": case("GET", lambda w: "/api/v1/facilities/tasks",
                                         by_role("401", "200", "200*", "200*", "200*", "200", "200*"), world={"plan": True},
                                         effect=lambda w, r: PLAN in body(w)),
    "POST /api/v1/facilities": case(
        "POST", lambda w: "/api/v1/facilities", MANAGERS_201,
        data=lambda w, r: {"community": "采菱社区", "name": "采菱二期休闲椅（测试）", "kind": "benches", "quantity": 4},
        effect=lambda w, r: _facilities().filter(name="采菱二期休闲椅（测试）").exists()),
    "POST /api/v1/facilities/plans": case(
        "POST", lambda w: "/api/v1/facilities/plans", MANAGERS_201, world={"facility": True},
        data=lambda w, r: {"community": "采菱社区", "title": "健身点每周检查（新）", "facilities": [w.facility.pk],
                           "frequency": "weekly", "weekday": 0},
        effect=lambda w, r: w.facility.plans.filter(title="健身点每周检查（新）").exists()),
    "POST /api/v1/facilities/{facility_id}/condition": case(
        "POST", lambda w: f"/api/v1/facilities/{w.facility.pk}/condition",
        by_role("401", "404", "403", "403", "200*", "404", "200*"), world={"facility": True},
        data=lambda w, r: {"condition": "poor", "note": "漆面脱落"},
        effect=lambda w, r: _facilities().get(pk=w.facility.pk).condition == "poor"),
    "POST /api/v1/facilities/{facility_id}/photos": case(
        "POST", lambda w: f"/api/v1/facilities/{w.facility.pk}/photos",
        by_role("401", "404", "403", "403", "201*", "404", "201*"), world={"facility": True}, multipart=True,
        data=lambda w, r: {"file": photo()}, effect=lambda w, r: w.facility.photos.exists()),
    "POST /api/v1/facilities/tasks/{task_id}/assign": case(
        "POST", lambda w: f"/api/v1/facilities/tasks/{w.task.pk}/assign",
        by_role("401", "404", "403", "403", "200*", "404", "200*"), world={"plan": True},
        data=lambda w, r: {"assignee": "demo-cailing-grid"},
        effect=lambda w, r: _task(w).assignee.username == "demo-cailing-grid"),
    # A task is done by its assignee (demo-handler), the grid's grid worker, or staff of the community/town.
    "POST /api/v1/facilities/tasks/{task_id}/done": case(
        "POST", lambda w: f"/api/v1/facilities/tasks/{w.task.pk}/done",
        by_role("401", "404", "200*", "200*", "200*", "404", "200*"), world={"plan": True},
        data=lambda w, r: {"notes": "已巡查"}, effect=lambda w, r: _task(w).status == "done"),
    "POST /api/v1/facilities/tasks/{task_id}/photos": case(
        "POST", lambda w: f"/api/v1/facilities/tasks/{w.task.pk}/photos",
        by_role("401", "404", "201*", "201*", "201*", "404", "201*"), world={"plan": True}, multipart=True,
        data=lambda w, r: {"file": photo()}, effect=lambda w, r: _task(w).photos.exists()),
    # activities: public reads; sign-up by residents; staff work in scope; the roster side for roster roles
    "GET /api/v1/activities": case("GET", lambda w: "/api/v1/activities", PUBLIC, world={"activity": "upcoming"},
                                   never=private),
    "GET /api/v1/activities/counts": case("GET", lambda w: "/api/v1/activities/counts", PUBLIC,
                                          world={"activity": "held", "member": True}),
    "GET /api/v1/activities/{activity_id}": case("GET", lambda w: f"/api/v1/activities/{w.activity.pk}", PUBLIC,
                                                 world={"activity": "held", "member": True}, never=private),
    "GET /api/v1/activities/{activity_id}/targets": case(
        "GET", lambda w: f"/api/v1/activities/{w.activity.pk}/targets",
        by_role("401", "403", "403", "200*", "200*", "404", "403"), world={"activity": "held", "member": True},
        effect=lambda w, r: MEMBER_ADDRESS in body(w), never=private),
    "POST /api/v1/activities": case(
        "POST", lambda w: "/api/v1/activities", MANAGERS_201,
        data=lambda w, r: {"community": "采菱社区", "kind": "clinic", "title": "义诊（新）",
                           "date": f"{timezone.localdate() + timedelta(days=10)}"},
        effect=lambda w, r: _activities().filter(title="义诊（新）").exists()),
    "POST /api/v1/activities/{activity_id}/signup": case(
        "POST", lambda w: f"/api/v1/activities/{w.activity.pk}/signup",
        by_role("401", "201*", "403", "403", "403", "403", "403"), world={"activity": "upcoming"},
        effect=lambda w, r: w.activity.signups.exists()),
    # Cancelling one's own sign-up (demo-resident signed up; anyone else has none to cancel).
    "POST /api/v1/activities/{activity_id}/cancel-signup": case(
        "POST", lambda w: f"/api/v1/activities/{w.activity.pk}/cancel-signup",
        by_role("401", "200*", "200", "200", "200", "200", "200"), world={"activity": "signed_up"},
        effect=lambda w, r: not w.activity.signups.exists()),
    "POST /api/v1/activities/{activity_id}/photos": case(
        "POST", lambda w: f"/api/v1/activities/{w.activity.pk}/photos",
        by_role("401", "404", "404", "403", "201*", "404", "201*"), world={"activity": "upcoming"}, multipart=True,
        data=lambda w, r: {"file": photo()}, effect=lambda w, r: w.activity.photos.exists()),
    "POST /api/v1/activities/{activity_id}/served": case(
        "POST", lambda w: f"/api/v1/activities/{w.activity.pk}/served",
        by_role("401", "404", "404", "200*", "200*", "404", "403"), world={"activity": "held", "member": True},
        data=lambda w, r: {"members": [w.member.pk], "note": "上门慰问"}, effect=lambda w, r: w.activity.served.exists()),
    # the roster: masked for community staff and the grid's grid worker; reveals and exports audit-logged
    "GET /api/v1/roster/members": case(
        "GET", lambda w: "/api/v1/roster/members", by_role("401", "403", "403", "200*", "200*", "200", "403"),
        world={"member": True}, effect=lambda w, r: MEMBER_ADDRESS in body(w), never=private),
    "GET /api/v1/roster/members/{member_id}": case(
        "GET", lambda w: f"/api/v1/roster/members/{w.member.pk}?reveal=true",
        by_role("401", "403", "403", "200*", "200*", "404", "403"), world={"member": True},
        effect=lambda w, r: read_logged(f"member:{w.member.pk}", r)),
    "GET /api/v1/roster/targeted": case(
        "GET", lambda w: "/api/v1/roster/targeted?community=采菱社区&min_age=80",
        by_role("401", "403", "403", "200*", "200*", "200", "403"), world={"member": True},
        effect=lambda w, r: MEMBER_ADDRESS in body(w), never=private),
    "GET /api/v1/roster/targeted/export": case(
        "GET", lambda w: "/api/v1/roster/targeted/export?community=采菱社区&min_age=80",
        by_role("401", "403", "403", "200*", "200*", "200", "403"), world={"member": True},
        effect=lambda w, r: xlsx_people(w) > 0),
    "POST /api/v1/roster/import": case(
        "POST", lambda w: "/api/v1/roster/import", by_role("401", "403", "403", "422", "200*", "422", "403"),
        multipart=True, data=lambda w, r: {"file": SimpleUploadedFile("roster.xlsx", roster_xlsx("欧阳桂英"))},
        effect=lambda w, r: _members().filter(name="欧阳桂英").exists()),
    "POST /api/v1/roster/grids/{grid_id}/flood-prone": case(
        "POST", lambda w: f"/api/v1/roster/grids/{_grid().pk}/flood-prone",
        by_role("401", "403", "403", "403", "200*", "403", "200*"), data=lambda w, r: {"flood_prone": True},
        effect=lambda w, r: _flood_prone()),
    # rankings and the sense indices: published aggregates, public
    "GET /api/v1/rankings": case("GET", lambda w: "/api/v1/rankings", PUBLIC, world={"ranking": True}),
    "GET /api/v1/surveys/indices": case("GET", lambda w: "/api/v1/surveys/indices?community=采菱社区", PUBLIC,
                                        world={"survey": True}),
}
for _case in API.values():
    _case.api = True


def xlsx_people(w: World) -> int:
    """Rows of people in an exported visit list (after its title and header rows)."""
    from openpyxl import load_workbook

    r = w.extra["response"]
    if r.status_code != 200 or "spreadsheetml" not in r.get("Content-Type", ""):
        return 0
    rows = sum(1 for _row in load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows())
    return max(0, rows - 2)


# -- running -------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("demo_territory")
@pytest.mark.parametrize("key", sorted(PAGES))
def test_app_page_authorisation(key):
    check("PAGES", key, PAGES[key])


@pytest.mark.usefixtures("demo_territory")
@pytest.mark.parametrize("key", sorted(API))
def test_app_api_authorisation(key):
    check("API", key, API[key])


# -- admin: one object of each scoped model, seen from inside and outside its community --------------------


@pytest.mark.usefixtures("demo_territory")
def test_admin_objects_are_scoped():
    """The admin lists and change pages of 采菱社区's objects: its staff and the town see them, demo-sanqin gets
    neither (an unknown object sends the admin back to its index)."""
    from django.test import Client

    w = build_app_world(project="proposed", plan=True, activity="upcoming")
    objects = {"projects/project": w.project, "facilities/facility": w.facility,
               "facilities/maintenanceplan": w.plan, "facilities/maintenancetask": w.task,
               "services_activities/activity": w.activity}
    expect = {"demo-cailing": True, "demo-town": True, "demo-sanqin": False}
    mismatches = []
    for username, sees in expect.items():
        client = Client()
        client.force_login(user(username))
        for path, obj in objects.items():
            listed = f"/admin/{path}/{obj.pk}/change/" in client.get(f"/admin/{path}/").content.decode()
            page = client.get(f"/admin/{path}/{obj.pk}/change/")
            got = (listed, page.status_code)
            if got != ((True, 200) if sees else (False, 302)):
                mismatches.append(f"{username} {path}: listed={listed}, change page {page.status_code}")
    assert not mismatches, mismatches
