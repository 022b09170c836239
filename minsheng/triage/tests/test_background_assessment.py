"""The second look after intake: meaning vector, full heads, duplicates by meaning; raising to urgent
with the urgent notices; the 可能紧急 queue; staff's judgement wins."""

import pytest
from django.test import Client

from minsheng.demands import services as demand_services
from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification
from minsheng.triage.models import MeaningVector
from minsheng.triage.services import assess_demand


def post(text, headers=None, **extra):
    # A hotline call is filed by staff (the call-taker): anonymous callers file online only.
    r = Client().post("/api/v1/demands", {"text": text, **extra}, content_type="application/json", **(headers or {}))
    assert r.status_code == 201, r.content
    return r.json()


def test_assessment_stores_vector_and_verdict(demo_territory):
    code = post("采菱家园二期12幢下水道堵了，厨房水下不去")["code"]
    verdict = assess_demand(code)
    d = Demand.objects.get(code=code)
    assert verdict["assessed_by"] == "full"
    assert d.triage["background"]["category"] == "drainage"
    assert MeaningVector.objects.filter(demand=d).count() == 1
    assert not d.urgent and not d.possibly_urgent
    assert not d.events.filter(action="assess").exists()  # nothing changed: no event


def test_duplicates_are_left_to_the_background_look(demo_territory, bearer, user_client):
    """With the meaning model on, intake does not search duplicates (the background look does it again
    seconds later): the answer says so, the demand page says so and refreshes its card until they come."""
    first = post("采菱家园二期12幢下水道堵了，污水返到厨房里")
    second = post("二期12幢厨房下水道返水，麻烦尽快疏通", channel="hotline", headers=bearer("demo-cailing"))
    assert second["duplicate_of"] is None and second["duplicates_pending"] is True
    d = Demand.objects.get(code=second["code"])
    assert d.triage["duplicates"] is None
    page = user_client("demo-cailing").get(f"/desk/demands/{d.code}/").content.decode()
    assert 'data-testid="duplicates-pending"' in page and 'hx-trigger="every 3s"' in page
    assess_demand(first["code"])
    assess_demand(second["code"])
    d.refresh_from_db()
    assert d.triage["duplicate_of"] == first["code"]
    page = user_client("demo-cailing").get(f"/desk/demands/{d.code}/").content.decode()
    assert 'data-testid="duplicates"' in page and "every 3s" not in page
    assert "duplicates-pending" not in page


def test_raising_to_urgent_alerts_the_community_and_grid(demo_territory):
    code = post("采菱一期3幢楼道灯坏了，晚上黑漆漆的")["code"]
    assert Demand.objects.get(code=code).urgent is False
    before = Notification.objects.count()
    d = demand_services.record_assessment(code, assessment={"urgency": 0.9, "situation": "起火/冒烟"},
                                          urgent=True, possibly_urgent=False, situation="起火/冒烟")
    assert d.urgent is True
    ev = d.events.get(action="assess")
    assert ev.data["changes"]["urgent"] == [False, True] and ev.public is False
    alerts = Notification.objects.filter(subject__startswith="紧急诉求", demand_code=code)
    assert Notification.objects.count() > before
    recipients = {n.recipient.username for n in alerts if n.recipient}
    assert "demo-cailing" in recipients
    # never lowered, and a second verdict changes nothing
    d = demand_services.record_assessment(code, assessment={}, urgent=False, possibly_urgent=False)
    assert d.urgent is True


def test_urgent_at_intake_alerts_at_once(demo_territory):
    r = post("华家新村3幢电梯停在两层之间，里面有人被困，按警铃没人应")
    assert r["urgent"] is True
    assert Notification.objects.filter(subject=f"紧急诉求 {r['code']}").exists()


def test_possibly_urgent_queue_until_staff_decide(demo_territory, user_client, bearer):
    code = post("采菱二期8幢门口地上有一根电线")["code"]
    demand_services.record_assessment(code, assessment={"urgency": 0.3}, urgent=False, possibly_urgent=True)
    d = Demand.objects.get(code=code)
    assert d.possibly_urgent and not d.urgent
    page = user_client("demo-cailing").get("/desk/?queue=maybe_urgent").content.decode()
    assert code in page and "可能紧急" in page
    api = Client().get("/api/v1/demands", {"queue": "maybe_urgent"}, **bearer("demo-cailing")).json()
    assert [x["code"] for x in api["items"]] == [code]
    # staff judge it: out of the queue, and the engine does not overrule them
    r = Client().post(f"/api/v1/demands/{code}/actions/classify", {"urgent": False},
                      content_type="application/json", **bearer("demo-cailing"))
    assert r.status_code == 200, r.content
    d = Demand.objects.get(code=code)
    assert not d.possibly_urgent
    demand_services.record_assessment(code, assessment={}, urgent=True, possibly_urgent=False)
    assert Demand.objects.get(code=code).urgent is False


def test_duplicates_by_meaning_after_intake(demo_territory, bearer):
    first = post("采菱家园二期12幢下水道堵了，污水返到厨房里")["code"]
    assess_demand(first)
    second = post("二期12幢厨房的下水管不通，水往上冒，麻烦派人疏通", channel="hotline", headers=bearer("demo-cailing"))["code"]
    verdict = assess_demand(second)
    assert verdict["duplicates"] and verdict["duplicates"][0]["code"] == first
    assert Demand.objects.get(code=second).triage["duplicate_of"] == first


def test_immediate_backend_runs_the_second_look_at_intake(demo_territory, settings,
                                                         django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        code = post("三勤新苑5幢楼下有个窨井盖碎了")["code"]
    d = Demand.objects.get(code=code)
    assert d.triage.get("background", {}).get("assessed_by") == "full"


@pytest.mark.parametrize("text", ["", "   "])
def test_bad_input_is_rejected_before_any_assessment(demo_territory, text):
    r = Client().post("/api/v1/demands", {"text": text}, content_type="application/json")
    assert r.status_code in (400, 422) and "text" in r.json()["detail"].__str__()
    assert not MeaningVector.objects.exists() and not Demand.objects.exists()
