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
