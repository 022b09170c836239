"""The public form (API and board) carries no personal data; titles are escaped; lists do not grow in queries."""

import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.attachments.models import Attachment
from minsheng.projects.models import Project

from .conftest import end_notice

SECRETS = ["张三", "13812345678", "138****5678", "王五", "两委会议纪要", "赵六", "13900001111",
           "采菱社区工作人员（演示）", "采菱社区居民（演示）", "镇验收组（测试）", "demo-cailing", "demo-resident"]


@pytest.fixture
def busy_project(api, create, advance, demand):
    code = demand("采菱家园一期晾衣架不够用", phone="13812345678", name="张三")
    pid = create(demands=[code], plan="由王五负责协调", task_team="王五 组长")["id"]
    api("demo-resident").act(pid, "support")
    advance(pid, "noticed")
    api().act(pid, "object", text="我是赵六，电话13900001111，反对安装在我家楼下")
    staff = api("demo-cailing")
    from minsheng.projects.models import Objection

    r = staff.act(pid, "answer_objection", objection=Objection.objects.get(project_id=pid).pk, answer="已调整安装位置")
    assert r.status_code == 200, r.content
    end_notice(pid)
    staff.act(pid, "approve")
    staff.act(pid, "implement")
    for phase in ("survey", "design", "construction"):
        staff.act(pid, "progress", phase=phase, percent=100)
    staff.act(pid, "complete")
    api("test-inspector").act(pid, "inspect", passed=True, note="王五到场验收")
    return pid


def test_public_api_shows_no_personal_data(api, busy_project):
    for path in ("/api/v1/projects", f"/api/v1/projects/{busy_project}"):
        for who in (None, "demo-resident", "demo-sanqin"):
            text = json.dumps(api(who).get(path).json(), ensure_ascii=False)
            for secret in SECRETS:
                assert secret not in text, (path, who, secret)
    body = api().get(f"/api/v1/projects/{busy_project}").json()
    assert body["demands"] and body["supports"] == 1 and body["objections_count"] == 1
    assert "plan" not in body and "objections" not in body and "minutes" not in body["votes"][0]
    assert {e["actor"] for e in body["events"]} <= {"社区", "镇", "验收人", "居民"}
    assert "验收通过，投入使用" in [e["note"] for e in body["events"]]


def test_staff_in_scope_see_the_full_form(api, busy_project):
    body = api("demo-cailing").get(f"/api/v1/projects/{busy_project}").json()
    assert body["plan"] == "由王五负责协调" and body["votes"][0]["minutes"] == "两委会议纪要"
    assert body["objections"][0]["answer"] == "已调整安装位置"
    assert any(e["actor"] == "采菱社区工作人员（演示）" for e in body["events"])
    # Residents stay anonymous even there.
    assert not any("采菱社区居民（演示）" in e["actor"] for e in body["events"])


def test_public_pages_show_no_personal_data(busy_project, api):
    for path in ("/projects/", f"/projects/{busy_project}/"):
        html = Client().get(path).content.decode()
        for secret in SECRETS:
            assert secret not in html, (path, secret)


def test_a_script_in_a_title_is_escaped(api, create):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    pid = create(title=payload)["id"]
    for path in ("/projects/", f"/projects/{pid}/"):
        html = Client().get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    html = Client().get("/projects/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # strict CSP: only script files, none inline
    assert "script-src 'self'" in Client().get("/projects/")["Content-Security-Policy"]


def _seed(create, advance, n, start=0):
    for i in range(start, start + n):
        pid = create(title=f"项目{i}号试点工程", items=[{"name": f"器材{i}", "quantity": 1, "unit": "件"},
                                                       {"name": f"地面{i}", "quantity": 10, "unit": "㎡"}])["id"]
        Attachment.objects.create(owner_type=ContentType.objects.get_for_model(Project), owner_id=pid, kind="before",
                                  stored_name=f"{i}.jpg", content_type="image/jpeg", size=1,
                                  created_at="2026-01-01T00:00:00Z", file=f"projects/{pid}/{i}.jpg")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_list_endpoint_query_count_is_bounded(api, create, advance, demand, django_assert_max_num_queries):
    _seed(create, advance, 3)
    anon = Client()
    few = _queries(lambda: anon.get("/api/v1/projects"))
    _seed(create, advance, 8, start=3)
    many = _queries(lambda: anon.get("/api/v1/projects"))
    assert many == few
    with django_assert_max_num_queries(8):
        r = anon.get("/api/v1/projects")
    assert r.json()["count"] == 11


def test_board_query_count_is_bounded(api, create, advance, django_assert_max_num_queries):
    _seed(create, advance, 3)
    anon = Client()
    few = _queries(lambda: anon.get("/projects/"))
    _seed(create, advance, 8, start=3)
    many = _queries(lambda: anon.get("/projects/"))
    assert many == few
    with django_assert_max_num_queries(10):
        assert anon.get("/projects/").status_code == 200


def test_staff_list_is_bounded_too(api, create, advance):
    _seed(create, advance, 3)
    staff = api("demo-cailing")
    staff.get("/api/v1/projects")  # the token's last use is written at most once a minute
    few = _queries(lambda: staff.get("/api/v1/projects"))
    _seed(create, advance, 5, start=3)
    assert _queries(lambda: staff.get("/api/v1/projects")) == few


def test_filters(api, create):
    create(title="采菱晾衣架")
    create(who="demo-sanqin", community="三勤社区", title="三勤健身路径", kind="works")
    anon = api()
    assert [p["title"] for p in anon.get("/api/v1/projects", community="三勤社区").json()["items"]] == ["三勤健身路径"]
    assert [p["title"] for p in anon.get("/api/v1/projects", kind="goods").json()["items"]] == ["采菱晾衣架"]
    assert anon.get("/api/v1/projects", status="approved").json()["count"] == 0
    html = Client().get("/projects/?community=三勤社区").content.decode()
    assert "三勤健身路径" in html and "采菱晾衣架" not in html
