"""Every action allowed and refused per role (403/401), illegal states (409); a refusal changes nothing."""

import pytest

from minsheng.projects.models import Objection, Project

USERS = ["demo-town", "demo-cailing", "demo-cailing-grid", "demo-sanqin", "demo-handler", "demo-resident",
         "test-inspector", None]
STAFF = {"demo-town", "demo-cailing"}


def snapshot(pid):
    p = Project.objects.get(pk=pid)
    return (p.status, p.version, p.events.count(), p.spent, p.progress, p.objections.count(), p.supports.count(),
            p.votes.count(), p.inspections.count())


def prepare(pid, state, advance, api):
    from .conftest import end_notice

    if state == "noticed_over":
        advance(pid, "noticed")
        end_notice(pid)
    elif state == "objected":
        advance(pid, "noticed")
        assert api().act(pid, "object", text="建议换个位置").status_code == 200
    elif state != "proposed":
        advance(pid, state)


def body_for(action, pid, body):
    if action == "answer_objection":
        return {"objection": Objection.objects.filter(project_id=pid).first().pk, "answer": "已调整方案"}
    return body


# action, state it needs, body, who may do it (everyone else: 403, or 401 when anonymous)
TABLE = [
    ("screen", "proposed", {"passed": True, "reason": "经核实不重复"}, STAFF),
    ("deliberate", "screened", {}, STAFF),
    ("vote", "deliberating", {"for": 5, "against": 1, "abstain": 1}, STAFF),
    ("notice", "voted", {"days": 5}, STAFF),
    ("object", "noticed", {"text": "担心噪音扰民"}, set(USERS)),
    ("answer_objection", "objected", {}, STAFF),
    ("approve", "noticed_over", {}, STAFF),
    ("implement", "approved", {}, STAFF),
    ("progress", "implementing", {"phase": "survey", "percent": 50}, STAFF),
    ("spend", "implementing", {"amount": 1000, "note": "首付款"}, STAFF),
    ("complete", "built", {}, STAFF),
    ("inspect", "inspection", {"passed": True, "note": "合格"}, {"test-inspector"}),
    ("evaluate", "in_service", {"score": 90}, STAFF),
    ("archive", "evaluated", {}, STAFF),
    ("cancel", "proposed", {"reason": "居民意见分歧"}, STAFF),
    ("support", "proposed", {}, {"demo-resident"}),
]


@pytest.mark.parametrize("action,state,body,allowed", TABLE, ids=[t[0] for t in TABLE])
def test_role_table(api, create, advance, action, state, body, allowed):
    pid = create()["id"]
    prepare(pid, state, advance, api)
    before = snapshot(pid)
    for username in [u for u in USERS if u not in allowed]:
        r = api(username).act(pid, action, **body_for(action, pid, body))
        assert r.status_code == (401 if username is None else 403), (username, r.content)
        assert r.json()["detail"]
        assert snapshot(pid) == before, username
    for i, username in enumerate(sorted(allowed, key=str)):
        if i:
            pid = create()["id"]
            prepare(pid, state, advance, api)
        r = api(username).act(pid, action, **body_for(action, pid, body))
        assert r.status_code == 200, (username, r.content)
        assert {"status", "events"} <= set(r.json())


ILLEGAL = [
    ("screen", "screened", {"passed": True}, "demo-cailing"),
    ("deliberate", "proposed", {}, "demo-cailing"),
    ("vote", "proposed", {"for": 5, "against": 0}, "demo-cailing"),
    ("notice", "screened", {}, "demo-cailing"),
    ("notice", "deliberating", {}, "demo-cailing"),  # no passing vote yet
    ("object", "proposed", {"text": "x"}, None),
    ("object", "noticed_over", {"text": "x"}, None),
    ("approve", "deliberating", {}, "demo-cailing"),
    ("implement", "noticed_over", {}, "demo-cailing"),
    ("progress", "approved", {"phase": "survey", "percent": 10}, "demo-cailing"),
    ("spend", "noticed", {"amount": 10}, "demo-cailing"),
    ("complete", "approved", {}, "demo-cailing"),
    ("complete", "implementing", {}, "demo-cailing"),  # phases not finished
    ("inspect", "implementing", {"passed": True}, "test-inspector"),
    ("evaluate", "inspection", {"score": 80}, "demo-cailing"),
    ("archive", "in_service", {}, "demo-cailing"),
    ("cancel", "implementing", {"reason": "x"}, "demo-cailing"),
    ("cancel", "in_service", {"reason": "x"}, "demo-town"),
    ("support", "implementing", {}, "demo-resident"),
]


@pytest.mark.parametrize("action,state,body,who", ILLEGAL, ids=[f"{a}-from-{s}" for a, s, _b, _w in ILLEGAL])
def test_illegal_states_are_409_and_change_nothing(api, create, advance, action, state, body, who):
    pid = create()["id"]
    prepare(pid, state, advance, api)
    before = snapshot(pid)
    r = api(who).act(pid, action, **body)
    assert r.status_code == 409, r.content
    assert r.json()["detail"]
    assert snapshot(pid) == before


def test_support_once_per_resident(api, create):
    pid = create()["id"]
    resident = api("demo-resident")
    assert resident.act(pid, "support").status_code == 200
    r = resident.act(pid, "support")
    assert r.status_code == 409 and "已经支持" in r.json()["detail"]
    assert Project.objects.get(pk=pid).supports.count() == 1
    assert api().get(f"/api/v1/projects/{pid}").json()["supports"] == 1


def test_create_is_for_staff_of_the_community(api):
    body = {"title": "采菱公园增设休闲椅", "community": "采菱社区", "kind": "goods", "budget": 5000, "items": []}
    assert api().post("/api/v1/projects", body).status_code == 401
    for username in ["demo-sanqin", "demo-resident", "demo-handler", "demo-cailing-grid", "test-inspector"]:
        r = api(username).post("/api/v1/projects", body)
        assert r.status_code == 403, (username, r.content)
    assert not Project.objects.exists()
    assert api("demo-town").post("/api/v1/projects", body).status_code == 201


def test_demands_must_be_visible_to_the_creator(api, demand):
    from minsheng.demands.models import Demand

    code = demand()
    body = {"title": "三勤新苑健身路径改造", "community": "三勤社区", "kind": "works", "budget": 100000,
            "items": [], "demands": [code]}
    r = api("demo-sanqin").post("/api/v1/projects", body)  # a 采菱 demand: not theirs
    assert r.status_code == 422 and r.json()["field"] == "demands"
    r = api("demo-town").post("/api/v1/projects", body)  # visible, but of another community
    assert r.status_code == 422 and r.json()["field"] == "demands"
    assert not Project.objects.exists()
    assert Demand.objects.get(code=code).status == "received"


def test_linking_a_received_demand_accepts_it(create, demand):
    from minsheng.demands.models import Demand

    code = demand()
    create(demands=[code])
    d = Demand.objects.get(code=code)
    assert d.status == "accepted"
    assert d.events.filter(action="accept").exists()


def test_stale_version_is_409(api, create):
    pid = create()["id"]
    v = Project.objects.get(pk=pid).version
    staff = api("demo-cailing")
    assert staff.act(pid, "screen", passed=True, version=v).status_code == 200
    r = api("demo-town").act(pid, "deliberate", version=v)
    assert r.status_code == 409 and "已被他人更新" in r.json()["detail"]
