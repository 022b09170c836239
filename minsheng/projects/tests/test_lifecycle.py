"""The whole life of a project through the API, every answer the project JSON with its events."""

from minsheng.projects.models import Project, ProjectEvent

FIELDS = {"id", "title", "community", "kind", "status", "budget", "spent", "progress", "items", "demands", "phases",
          "events"}


def test_full_life(api, create, advance, demand):
    code = demand()
    created = create(demands=[code])
    assert FIELDS <= set(created)
    assert created["status"] == "proposed" and created["demands"] == [code]
    assert created["items"][0] == {"name": "不锈钢晾衣架", "quantity": 100.0, "unit": "个", "unit_price": 380.0,
                                   "amount": 38000.0}
    assert [ph["phase"] for ph in created["phases"]] == ["survey", "design", "construction"]
    pid = created["id"]
    advance(pid, "archived")
    body = api("demo-cailing").get(f"/api/v1/projects/{pid}").json()
    assert body["status"] == "archived" and body["progress"] == 100.0
    actions = [e["action"] for e in body["events"]]
    assert actions == ["create", "screen", "deliberate", "vote", "notice", "approve", "implement", "progress",
                       "progress", "progress", "complete", "inspect", "evaluate", "archive"]
    statuses = [(e["from_status"], e["to_status"]) for e in body["events"] if e["from_status"] != e["to_status"]]
    assert statuses == [("", "proposed"), ("proposed", "screened"), ("screened", "deliberating"),
                        ("deliberating", "noticed"), ("noticed", "approved"), ("approved", "implementing"),
                        ("implementing", "inspection"), ("inspection", "in_service"), ("in_service", "evaluated"),
                        ("evaluated", "archived")]
    p = Project.objects.get(pk=pid)
    assert p.version == len(actions) - 1
    assert ProjectEvent.objects.filter(project=p).count() == len(actions)
    assert body["evaluation"]["score"] == 92.0


def test_every_action_answers_the_project_json(api, create):
    pid = create()["id"]
    r = api("demo-cailing").act(pid, "screen", passed=True)
    assert r.status_code == 200 and FIELDS <= set(r.json())
    assert r.json()["events"][-1]["action"] == "screen"


def test_cancel_needs_a_reason_and_only_before_implementing(api, create, advance):
    staff = api("demo-cailing")
    pid = create()["id"]
    r = staff.act(pid, "cancel")
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert staff.act(pid, "cancel", reason="居民意见分歧较大，暂缓").json()["status"] == "cancelled"
    other = create(title="采菱公园增设休闲椅")["id"]
    advance(other, "implementing")
    assert staff.act(other, "cancel", reason="x").status_code == 409


def test_screen_not_passed_is_rejected(api, create):
    pid = create()["id"]
    staff = api("demo-cailing")
    assert staff.act(pid, "screen", passed=False).status_code == 422
    body = staff.act(pid, "screen", passed=False, reason="属于物业职责").json()
    assert body["status"] == "rejected"
    assert api().get(f"/api/v1/projects/{pid}").json()["close_reason"] == "属于物业职责"


def test_unknown_action_and_project(api, create):
    pid = create()["id"]
    assert api("demo-cailing").act(pid, "explode").status_code == 404
    assert api("demo-cailing").act(999999, "screen", passed=True).status_code == 404
    assert api().get("/api/v1/projects/999999").status_code == 404


def test_update_before_and_after_approval(api, create, advance, demand):
    staff = api("demo-cailing")
    pid = create()["id"]
    code = demand()
    body = staff.act(pid, "update", title="采菱家园一期、二期增设不锈钢晾衣架", budget=45000, demands=[code],
                     plan="楼间空地安装", items=[{"name": "不锈钢晾衣架", "quantity": 110, "unit": "个"}],
                     phases=[{"phase": "construction", "planned_start": "2026-07-01", "planned_end": "2026-10-20"}]).json()
    assert body["title"] == "采菱家园一期、二期增设不锈钢晾衣架" and body["budget"] == 45000.0
    assert body["demands"] == [code] and body["items"][0]["quantity"] == 110.0 and body["plan"] == "楼间空地安装"
    assert body["phases"][2]["planned_end"] == "2026-10-20"
    assert body["events"][-1]["action"] == "update"
    advance(pid, "approved")
    assert staff.act(pid, "update", budget=46000).status_code == 409
    assert staff.act(pid, "update", contractor="某某公司（示例）").json()["contractor"] == "某某公司（示例）"
    assert api("demo-sanqin").act(pid, "update", plan="x").status_code == 403
