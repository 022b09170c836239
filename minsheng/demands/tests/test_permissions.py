"""Every transition allowed and denied per role (403), illegal states (409); nothing changes on refusal."""

import pytest

from minsheng.demands.models import Demand

ALL_USERS = ["demo-town", "demo-cailing", "demo-cailing-grid", "demo-sanqin", "demo-handler", "demo-resident"]


def state_of(code):
    d = Demand.objects.get(code=code)
    return (d.status, d.version, d.events.count())


def advance(api, code, to):
    """Bring a demand to a given state using allowed actors."""
    staff, handler = api("demo-cailing"), api("demo-handler")
    steps = {
        "accepted": [(staff, "accept", {})],
        "assigned": [(staff, "accept", {}), (staff, "assign", {"handler": "demo-handler"})],
        "in_progress": [(staff, "accept", {}), (staff, "assign", {"handler": "demo-handler"}),
                        (handler, "contact", {})],
        "replied": [(staff, "accept", {}), (staff, "assign", {"handler": "demo-handler"}), (handler, "contact", {}),
                    (handler, "reply", {"reply": "已处理"})],
    }[to]
    for who, action, body in steps:
        assert who.act(code, action, **body).status_code == 200


# action, state it needs, body, users allowed (all others → 403)
TABLE = [
    ("accept", "received", {}, {"demo-town", "demo-cailing"}),
    ("reject", "received", {"reason": "不属于社区职责"}, {"demo-town", "demo-cailing"}),
    ("answer", "accepted", {"reply": "答复"}, {"demo-town", "demo-cailing"}),
    ("assign", "accepted", {"handler": "demo-handler"}, {"demo-town", "demo-cailing"}),
    ("contact", "assigned", {"note": "联系了"}, {"demo-town", "demo-cailing", "demo-handler"}),
    ("reply", "in_progress", {"reply": "办结"}, {"demo-town", "demo-cailing", "demo-handler"}),
    ("extend", "assigned", {"days": 2, "reason": "等配件"}, {"demo-town", "demo-cailing"}),
    ("callback", "replied", {"resolution": "resolved", "satisfaction": "satisfied"}, {"demo-town", "demo-cailing"}),
    ("escalate", "assigned", {"note": "吹哨"}, {"demo-town", "demo-cailing", "demo-cailing-grid", "demo-handler"}),
    ("supervise", "assigned", {"note": "督办"}, {"demo-town"}),
    ("classify", "received", {"category": "drainage"}, {"demo-town", "demo-cailing", "demo-cailing-grid"}),
]


@pytest.mark.parametrize("action,state,body,allowed", TABLE, ids=[t[0] for t in TABLE])
def test_role_table(api, submit, action, state, body, allowed):
    # The demand lies in 采菱家园一期 (采菱第一网格, the demo grid worker's grid).
    for username in ALL_USERS:
        code = submit(text="采菱家园一期5幢楼道灯坏了")["code"]
        if state != "received":
            advance(api, code, state)
        before = state_of(code)
        r = api(username).act(code, action, **body)
        if username in allowed:
            assert r.status_code == 200, (username, r.content)
            assert "status" in r.json() and "events" in r.json()
        else:
            assert r.status_code in (403, 404), (username, r.status_code)
            assert state_of(code) == before


ILLEGAL = [
    ("reply", "received", {"reply": "x"}),
    ("close", "received", {}),
    ("assign", "received", {"handler": "demo-handler"}),
    ("accept", "accepted", {}),
    ("contact", "accepted", {}),
    ("callback", "assigned", {"resolution": "resolved", "satisfaction": "satisfied"}),
    ("reopen", "in_progress", {}),
    ("reject", "assigned", {"reason": "x"}),
]


@pytest.mark.parametrize("action,state,body", ILLEGAL, ids=[f"{a}-from-{s}" for a, s, _ in ILLEGAL])
def test_illegal_transitions_are_409_and_change_nothing(api, submit, action, state, body):
    code = submit()["code"]
    if state != "received":
        advance(api, code, state)
    before = state_of(code)
    r = api("demo-cailing").act(code, action, **body)
    assert r.status_code == 409 and r.json()["detail"]
    assert state_of(code) == before


def test_out_of_scope_staff_cannot_see_or_act(api, submit):
    code = submit()["code"]
    sanqin = api("demo-sanqin")
    assert sanqin.get(f"/api/v1/demands/{code}").status_code == 404
    assert sanqin.act(code, "accept").status_code == 404
    assert Demand.objects.get(code=code).status == "received"


def test_anonymous_cannot_act(api, submit):
    code = submit()["code"]
    assert api().act(code, "accept").status_code == 401


def test_unknown_action_is_404(api, submit):
    code = submit()["code"]
    assert api("demo-cailing").act(code, "explode").status_code == 404


def test_stale_version_is_409(api, submit):
    code = submit()["code"]
    staff = api("demo-cailing")
    v = Demand.objects.get(code=code).version
    assert staff.act(code, "accept", version=v).status_code == 200
    r = api("demo-town").act(code, "assign", handler="demo-handler", version=v)
    assert r.status_code == 409 and "已被他人更新" in r.json()["detail"]


def test_handler_must_belong_to_the_community(api, submit):
    from django.contrib.auth import get_user_model

    from minsheng.accounts.models import Role
    from minsheng.accounts.services import grant_role
    from minsheng.territory.models import Community

    other = get_user_model().objects.create_user("sq-handler", password="x-long-password")
    grant_role(user=other, role=Role.HANDLER, node=Community.objects.get(name="三勤社区"))
    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    r = staff.act(code, "assign", handler="sq-handler")
    assert r.status_code == 422 and r.json()["field"] == "handler"
    assert staff.act(code, "assign", handler="nobody").status_code == 422
