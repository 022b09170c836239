"""The demand page: every action form calls its service; refusals come back as messages, never a 5xx."""

import pytest
from django.contrib.auth import get_user_model

from minsheng.demands import services
from minsheng.demands.models import Demand

from .pages_helpers import act, make_demand, status_of, text


def _user(name):
    return get_user_model().objects.get(username=name)


def test_demand_page_shows_fields_timeline_triage_and_sensible_buttons(user_client):
    d, _ = make_demand()
    html = text(user_client("demo-cailing").get(f"/desk/demands/{d.code}/"))
    assert d.code in html and d.text in html and "采菱社区" in html and "采菱第五网格" in html
    assert "智能分拣依据" in html and "minsheng-triage" in html and "采菱家园二期" in html and "建议分类" in html
    assert "办理记录" in html and "登记" in html
    assert 'data-action="accept"' in html and 'data-action="reject"' in html and 'data-action="merge"' in html
    assert 'data-action="classify"' in html and 'data-action="escalate"' in html
    for absent in ("assign", "contact", "reply", "callback", "close", "reopen", "extend", "answer"):
        assert f'data-action="{absent}"' not in html
    assert f'name="version" value="{d.version}"' in html
    assert 'hx-post="/desk/demands/' in html and 'hx-target="#demand-panel"' in html


@pytest.mark.parametrize("htmx", [False, True])
def test_whole_life_through_the_forms(user_client, htmx):
    staff, handler = user_client("demo-cailing"), user_client("demo-handler")
    d, _ = make_demand()
    code = d.code

    def ok(client, action, data=None, expect=None):
        r = act(client, code, action, data, htmx=htmx)
        if htmx:
            assert r.status_code == 200, text(r)
            assert text(r).lstrip().startswith('<div id="demand-panel"') and "<html" not in text(r)
        else:
            assert r.status_code == 302 and r["Location"] == f"/desk/demands/{code}/", text(r)
        if expect:
            assert status_of(code) == expect
        return r

    ok(staff, "classify", {"category": "drainage", "urgent": "1", "kind": "complaint"})
    d = Demand.objects.get(code=code)
    assert d.category == "drainage" and d.urgent and d.kind == "complaint" and not d.needs_classification
    ok(staff, "accept", expect="accepted")
    r = ok(staff, "assign", {"handler": "demo-handler", "complexity": "complex"}, expect="assigned")
    if htmx:
        assert "已派单" in text(r) and 'data-testid="notice"' in text(r)
    ok(staff, "extend", {"days": "2", "reason": "等配件"})
    assert Demand.objects.get(code=code).extensions.count() == 1
    ok(handler, "contact", {"note": "已电话联系"}, expect="in_progress")
    ok(handler, "reply", {"reply": "已疏通"}, expect="replied")
    ok(staff, "callback", {"resolution": "resolved", "satisfaction": "satisfied", "handler_fault": "1"},
       expect="callback")
    ok(staff, "close", expect="closed")
    ok(staff, "reopen", {"note": "居民反映又堵了"}, expect="reopened")
    ok(staff, "escalate", {"note": "需要镇里协调"})
    assert Demand.objects.get(code=code).escalated
    actions = list(Demand.objects.get(code=code).events.values_list("action", flat=True))
    assert actions == ["register", "classify", "accept", "assign", "extend", "contact", "reply", "callback",
                       "close", "reopen", "escalate"]


def test_reject_merge_and_answer_forms(user_client):
    staff = user_client("demo-cailing")
    a, _ = make_demand()
    b, _ = make_demand("采菱二期12幢下水道又堵了")
    c, _ = make_demand("请问社区卫生服务站周末开门吗")
    e, _ = make_demand("采菱家园一期广场舞太吵")
    assert act(staff, b, "merge", {"into": a.code.lower()}).status_code == 302
    assert status_of(b.code) == "merged" and Demand.objects.get(code=b.code).merged_into.code == a.code
    assert act(staff, c, "accept").status_code == 302
    assert act(staff, c, "answer", {"reply": "周末上午开放"}).status_code == 302
    assert status_of(c.code) == "answered"
    assert act(staff, e, "reject", {"reason": "不属于社区职责"}).status_code == 302
    assert status_of(e.code) == "rejected"
    # The page shows where a merged demand went, and what was merged into the target.
    assert a.code in text(staff.get(f"/desk/demands/{b.code}/"))
    assert b.code in text(staff.get(f"/desk/demands/{a.code}/"))


def test_dissatisfied_callback_without_handler_fault_does_not_reopen(user_client):
    staff, handler = user_client("demo-cailing"), user_client("demo-handler")
    d, _ = make_demand()
    for action, data, who in [("accept", {}, staff), ("assign", {"handler": "demo-handler"}, staff),
                              ("contact", {}, handler), ("reply", {"reply": "已处理"}, handler)]:
        assert act(who, d, action, data).status_code == 302
    # The checkbox is unchecked: the cause is not on the handler's side.
    act(staff, d, "callback", {"resolution": "unresolved", "satisfaction": "dissatisfied"})
    d.refresh_from_db()
    assert d.status == "callback" and d.reopen_count == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_second_staff_acting_on_a_stale_page_gets_409(user_client, htmx):
    d, _ = make_demand()
    seen = d.version
    first, second = user_client("demo-cailing"), user_client("demo-town")
    assert act(first, d, "accept", version=seen, htmx=htmx).status_code in (200, 302)
    r = act(second, d, "reject", {"reason": "重复"}, version=seen, htmx=htmx)
    assert r.status_code == 409 and "已被他人更新" in text(r)
    assert status_of(d.code) == "accepted"
    # The answer is the refreshed panel (new version), so the next try works.
    assert f'name="version" value="{seen + 1}"' in text(r)
    r = act(second, d, "callback", {"resolution": "resolved", "satisfaction": "satisfied"}, version=seen, htmx=htmx)
    assert r.status_code == 409 and "已被他人更新" in text(r)


def test_refusals_are_messages_with_their_status(user_client):
    staff = user_client("demo-cailing")
    d, _ = make_demand()
    r = act(staff, d, "reject", {"reason": ""})
    assert r.status_code == 422 and "理由：不能为空" in text(r)
    r = act(staff, d, "assign", {"handler": "demo-handler"})
    assert r.status_code == 409 and "不能执行" in text(r)
    r = act(staff, d, "merge", {"into": "CL-1999-00001"}, htmx=True)
    assert r.status_code == 422 and "没有编号为 CL-1999-00001" in text(r) and "<html" not in text(r)
    r = act(staff, d, "accept", {"version": "abc"}, version=None)
    assert r.status_code == 422
    # A handler does not even see a demand not assigned to them; an unknown action is 404.
    r = act(user_client("demo-handler"), d, "accept")
    assert r.status_code == 404
    assert act(staff, d, "destroy").status_code == 404
    assert staff.get(f"/desk/demands/{d.code}/act/accept").status_code == 405
    assert status_of(d.code) == "received"


def test_grid_worker_gets_403_for_staff_actions(user_client):
    staff = _user("demo-cailing")
    d, _ = make_demand("采菱家园一期3幢路灯不亮")  # 采菱第一网格: the grid worker's grid
    services.accept(d, staff)
    grid = user_client("demo-cailing-grid")
    html = text(grid.get(f"/desk/demands/{d.code}/"))
    assert 'data-action="assign"' not in html and 'data-action="classify"' in html
    r = act(grid, d, "assign", {"handler": "demo-handler"}, htmx=True)
    assert r.status_code == 403 and "无权" in text(r)
    assert status_of(d.code) == "accepted"


def test_extend_needs_a_whole_number_of_days(user_client):
    staff = _user("demo-cailing")
    d, _ = make_demand()
    services.accept(d, staff)
    services.assign(d, staff, handler="demo-handler")
    client = user_client("demo-cailing")
    r = act(client, d, "extend", {"days": "三", "reason": "等配件"})
    assert r.status_code == 422 and "延期天数" in text(r)
    r = act(client, d, "extend", {"days": "99", "reason": "等配件"})
    assert r.status_code == 422
    assert Demand.objects.get(pk=d.pk).extensions.count() == 0


def test_classifying_out_of_the_territory_goes_back_to_the_desk(user_client):
    d, _ = make_demand()
    client = user_client("demo-cailing")
    r = act(client, d, "classify", {"category": "drainage", "community": "三勤社区"}, htmx=True)
    assert r.status_code == 200 and r["HX-Redirect"] == "/desk/"
    assert Demand.objects.get(pk=d.pk).community.name == "三勤社区"
