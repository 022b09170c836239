"""The collection pages that list rows — the start page, one meeting (its issues), the new-meeting page
(people to invite), one visit (its photos and demands), one opinion form (its questions: staff page, paper
entry, printed form, public answer page), the ledger page (recent imports) and the ledger export — cost
the same number of queries with 2 rows as with 6 (issue #10: no N+1). The lists of meetings, visits and
forms and a form's results are checked in test_meetings.py, test_visits.py and test_forms.py."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from minsheng.collection.models import MeetingItem
from minsheng.collection.services import ledger_web, meetings, opinion, visits
from minsheng.collection.tests.ledgers import row, write
from minsheng.core.tests.query_counts import assert_flat
from minsheng.territory.models import Building, ResidentGroup

TZ = ZoneInfo("Asia/Shanghai")
FEW, MORE = 2, 4  # 2 rows, then 6
KINDS = [("single", "停车难\n环境卫生\n健身设施"), ("multi", "晾衣架\n休闲椅\n充电棚"), ("rating", ""), ("text", "")]


def _photo(name):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 30, 160)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_start_page(user_client, cailing, users, django_assert_max_num_queries):
    staff = users["demo-cailing"]
    soon = timezone.now() + timedelta(days=3)

    def add(n, start):
        for i in range(start, start + n):
            meetings.create_meeting(staff, community=cailing, kind="group_meeting", starts_at=soon + timedelta(hours=i),
                                    title=f"组长会议{i}号")
            f = opinion.create_form(staff, community=cailing, title=f"意见表{i}号")
            opinion.add_question(f, staff, kind="text", text="您的意见")
            opinion.set_state(f, staff, "open")

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/collect/"), lambda: add(MORE, FEW), 12, django_assert_max_num_queries)


def test_meeting_page_lists_its_issues(user_client, cailing, users, django_assert_max_num_queries):
    staff = users["demo-cailing"]
    groups = list(ResidentGroup.objects.filter(community=cailing).order_by("number"))
    invitees = meetings.clean_invitees(cailing, roles=["grid_worker"], group_ids=[g.pk for g in groups[:2]])
    m = meetings.create_meeting(staff, community=cailing, kind="group_meeting",
                                starts_at=datetime(2026, 10, 8, 19, 0, tzinfo=TZ), invitees=invitees)
    lines = []

    def add(n, start):
        lines.extend(f"{i + 1}. 采菱家园一期{i + 1}幢楼道灯不亮，晚上老人上下楼不方便。" for i in range(start, start + n))
        meetings.save_minutes(m, staff, "居民组长会议纪要\n" + "\n".join(lines))
        proposed = [i for i in meetings.extract_items(m, staff) if i.state == MeetingItem.State.PROPOSED]
        # Half of the new issues registered as demands, half left proposed.
        meetings.register_items(m, staff, {i.pk: meetings.ItemEdit(grid="采菱第一网格") for i in proposed[::2]})

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/collect/meetings/{m.pk}/"), lambda: add(MORE, FEW), 14,
                django_assert_max_num_queries, check=lambda r: f"采菱家园一期{FEW + MORE}幢" in r.content.decode())


def test_visit_page_lists_its_photos_and_demands(user_client, users, django_assert_max_num_queries):
    worker = users["demo-cailing-grid"]
    building = Building.objects.get(name="采菱家园一期3幢")

    def record(n):
        return visits.record_visit(
            worker, building_id=building.pk, household="2单元301", notes="走访独居老人",
            demands_text="\n".join(f"{i + 1}号楼道灯不亮" for i in range(n)),
            photos=[_photo(f"{i}.jpg") for i in range(n)]).visit

    shown = [record(FEW)]
    client = user_client("demo-cailing")

    def grow():
        shown[0] = record(FEW + MORE)

    assert_flat(lambda: client.get(f"/desk/collect/visits/{shown[0].pk}/"), grow, 11, django_assert_max_num_queries,
                check=lambda r: f"{FEW + MORE}号楼道灯不亮" in r.content.decode())


def _form(staff, community, n):
    f = opinion.create_form(staff, community=community, title=f"{n}题征求意见表")
    for i in range(n):
        kind, options = KINDS[i % len(KINDS)]
        opinion.add_question(f, staff, kind=kind, text=f"第{i + 1}题", options_text=options, required=i == 0)
    opinion.set_state(f, staff, "open")
    return f


def _form_pages(path, client, cailing, users, django_assert_max_num_queries, ceiling, html=True):
    """A form with 2 questions, then another with 6: the same page for each costs the same."""
    shown = [_form(users["demo-cailing"], cailing, FEW)]

    def grow():
        shown[0] = _form(users["demo-cailing"], cailing, FEW + MORE)

    assert_flat(lambda: client.get(path(shown[0])), grow, ceiling, django_assert_max_num_queries,
                check=(lambda r: f"第{FEW + MORE}题" in r.content.decode()) if html else None)


def test_form_page_lists_its_questions(user_client, cailing, users, django_assert_max_num_queries):
    _form_pages(lambda f: f"/desk/collect/forms/{f.pk}/", user_client("demo-cailing"), cailing, users,
                django_assert_max_num_queries, 12)


def test_paper_entry_lists_the_questions(user_client, cailing, users, django_assert_max_num_queries):
    _form_pages(lambda f: f"/desk/collect/forms/{f.pk}/paper", user_client("demo-cailing"), cailing, users,
                django_assert_max_num_queries, 12)


def test_printed_form_lists_the_questions(user_client, cailing, users, django_assert_max_num_queries):
    _form_pages(lambda f: f"/desk/collect/forms/{f.pk}/print.pdf", user_client("demo-cailing"), cailing, users,
                django_assert_max_num_queries, 10, html=False)


def test_public_answer_page_lists_the_questions(cailing, users, django_assert_max_num_queries):
    _form_pages(lambda f: f"/collect/forms/{f.token}/", Client(), cailing, users, django_assert_max_num_queries, 5)


def test_ledger_page_lists_recent_imports(user_client, users, tmp_path, django_assert_max_num_queries):
    staff = users["demo-cailing"]

    def add(n, start):
        for i in range(start, start + n):
            path = write(tmp_path / f"{i}.xlsx", [row(f"CL-2025-{i:05d}", "2025-10-01 09:00", community="采菱社区")])
            with open(path, "rb") as fh:
                ledger_web.upload(staff, SimpleUploadedFile(f"台账{i}号.xlsx", fh.read()))

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/collect/ledger/"), lambda: add(MORE, FEW), 10,
                django_assert_max_num_queries, check=lambda r: f"台账{FEW + MORE - 1}号" in r.content.decode())


def test_ledger_export(user_client, cailing, users, django_assert_max_num_queries):
    from minsheng.demands import services

    def add(n, start):
        for i in range(start, start + n):
            d, _ = services.register(text=f"采菱家园一期{i}幢楼道灯不亮", channel="online", community=cailing,
                                     reporter_name="李四", reporter_phone="13812345678", run_triage=False,
                                     category="housing")
            services.accept(d, users["demo-cailing"])

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/collect/ledger/export.xlsx"), lambda: add(MORE, FEW), 15,
                django_assert_max_num_queries, check=lambda r: r["X-Minsheng-Rows"] == str(FEW + MORE))


def test_new_meeting_page_of_the_town_over_more_communities(user_client, users, django_assert_max_num_queries):
    """The town's staff may invite the people of every community: the choices come in a fixed number of
    queries however many communities (and people) there are."""
    from minsheng.accounts.models import Role
    from minsheng.accounts.services import ensure_user, grant_role
    from minsheng.territory import services as territory

    town = users["demo-town"].memberships.get().town

    def add(n, start):
        for i in range(start, start + n):
            c = territory.upsert_community(town=town, name=f"测试{i}社区", code=f"TC{i}", population=3000)
            territory.upsert_resident_group(community=c, number=1)
            staff, _ = ensure_user(username=f"staff-{i}", password="x" * 12)
            grant_role(user=staff, role=Role.COMMUNITY_STAFF, node=c)

    add(FEW, 0)
    client = user_client("demo-town")
    assert_flat(lambda: client.get("/desk/collect/meetings/new"), lambda: add(MORE, FEW), 12,
                django_assert_max_num_queries, check=lambda r: f"测试{FEW + MORE - 1}社区" in r.content.decode())


def test_people_of_several_communities_equal_each_communitys_people(users):
    from minsheng.territory.models import Community

    communities = list(Community.objects.order_by("id"))
    assert meetings.people_of(communities) == [(c, list(meetings.community_people(c))) for c in communities]
    assert any(people for _c, people in meetings.people_of(communities))
