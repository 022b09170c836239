"""Progress is the weighted roll-up of the phases; spending gives the budget execution rate."""

from datetime import date, timedelta

import pytest

from minsheng.projects.models import Phase, Project


def test_progress_rolls_up_by_weight(api, create, advance):
    pid = create(phases=[{"phase": "survey", "weight": 10}, {"phase": "design", "weight": 20},
                         {"phase": "construction", "weight": 70, "planned_start": "2026-10-01",
                          "planned_end": "2026-10-31"}])["id"]
    advance(pid, "implementing")
    staff = api("demo-cailing")
    assert staff.act(pid, "progress", phase="survey", percent=100).json()["progress"] == 10.0
    assert staff.act(pid, "progress", phase="design", percent=50).json()["progress"] == 20.0
    body = staff.act(pid, "progress", phase="construction", percent=30, note="10 月进展：基层铺设").json()
    assert body["progress"] == 41.0  # (10×100 + 20×50 + 70×30) / 100
    phases = {ph["phase"]: ph for ph in body["phases"]}
    assert phases["survey"]["actual_end"] is not None and phases["design"]["actual_end"] is None
    assert phases["construction"]["planned_end"] == "2026-10-31"
    assert body["progress_notes"][-1]["note"] == "10 月进展：基层铺设"


def test_uneven_weights(api, create, advance):
    pid = create(phases=[{"phase": "survey", "weight": 1}, {"phase": "design", "weight": 1},
                         {"phase": "construction", "weight": 1}])["id"]
    advance(pid, "implementing")
    body = api("demo-cailing").act(pid, "progress", phase="design", percent=50).json()
    assert body["progress"] == pytest.approx(16.7)


def test_progress_input_is_checked(api, create, advance):
    pid = create()["id"]
    advance(pid, "implementing")
    staff = api("demo-cailing")
    assert staff.act(pid, "progress", phase="painting", percent=10).json()["field"] == "phase"
    assert staff.act(pid, "progress", phase="survey", percent=101).json()["field"] == "percent"
    assert staff.act(pid, "progress", phase="survey").json()["field"] == "percent"
    assert not Phase.objects.filter(project_id=pid, percent__gt=0).exists()


def test_complete_needs_every_phase_finished(api, create, advance):
    pid = create()["id"]
    advance(pid, "implementing")
    staff = api("demo-cailing")
    staff.act(pid, "progress", phase="survey", percent=100)
    staff.act(pid, "progress", phase="design", percent=100)
    staff.act(pid, "progress", phase="construction", percent=90)
    r = staff.act(pid, "complete")
    assert r.status_code == 409 and "施工" in r.json()["detail"]


def test_spending_and_execution_rate(api, create, advance):
    pid = create(budget=40000)["id"]
    advance(pid, "implementing")
    staff = api("demo-cailing")
    staff.act(pid, "spend", amount=10000, note="预付款")
    body = staff.act(pid, "spend", amount="5000.50", note="进度款", date=str(date.today())).json()
    assert body["spent"] == 15000.5
    assert body["execution_rate"] == pytest.approx(0.3750, abs=1e-4)
    assert [s["amount"] for s in body["spendings"]] == [10000.0, 5000.5]
    public = api().get(f"/api/v1/projects/{pid}").json()
    assert public["spent"] == 15000.5 and "spendings" not in public


def test_spending_cannot_exceed_the_budget_or_be_in_the_future(api, create, advance):
    pid = create(budget=40000)["id"]
    advance(pid, "implementing")
    staff = api("demo-cailing")
    staff.act(pid, "spend", amount=39000)
    r = staff.act(pid, "spend", amount=1000.01)
    assert r.status_code == 422 and r.json()["field"] == "amount"
    assert staff.act(pid, "spend", amount=-5).status_code == 422
    tomorrow = str(date.today() + timedelta(days=2))
    assert staff.act(pid, "spend", amount=10, date=tomorrow).json()["field"] == "date"
    assert Project.objects.get(pk=pid).spent == 39000


def test_spending_allowed_after_service(api, create, advance):
    pid = create(budget=40000)["id"]
    advance(pid, "in_service")
    assert api("demo-cailing").act(pid, "spend", amount=2000, note="质保金").json()["spent"] == 2000.0
