"""Inspection (验收): rectify and inspect again; passing moves every linked demand to callback, tells the
reporters and sends the `project_in_service` signal after commit."""

from django.contrib.auth import get_user_model

from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification
from minsheng.projects.models import Inspection, Project
from minsheng.projects.signals import project_in_service


def test_rectify_then_pass(api, create, advance):
    pid = create()["id"]
    advance(pid, "inspection")
    insp, staff = api("test-inspector"), api("demo-cailing")
    r = insp.act(pid, "inspect", passed=False)
    assert r.status_code == 422 and r.json()["field"] == "note"  # 整改 needs the inspector's opinion
    body = insp.act(pid, "inspect", passed=False, note="3 处晾衣架底座未固定",
                    checklist=[{"item": "数量 100 个", "passed": True}, {"item": "底座固定", "passed": False}]).json()
    assert body["status"] == "implementing"
    assert body["inspections"][0]["result"] == "rectify"
    assert insp.act(pid, "inspect", passed=True, note="x").status_code == 409  # not back in inspection yet
    assert staff.act(pid, "progress", phase="construction", percent=100, note="整改完成：底座重新固定").status_code == 200
    assert staff.act(pid, "complete").json()["status"] == "inspection"
    r = insp.act(pid, "inspect", passed=True, checklist=[{"item": "底座固定", "passed": False}])
    assert r.status_code == 422 and r.json()["field"] == "checklist"
    body = insp.act(pid, "inspect", passed=True, note="整改到位",
                    checklist=[{"item": "数量 100 个", "passed": True}, {"item": "底座固定", "passed": True}]).json()
    assert body["status"] == "in_service"
    rounds = list(Inspection.objects.filter(project_id=pid).values_list("round", "result"))
    assert rounds == [(1, "rectify"), (2, "pass")]
    assert Inspection.objects.get(project_id=pid, round=2).inspector.username == "test-inspector"


def test_passing_moves_every_linked_demand_to_callback_and_tells_reporters(api, create, advance, demand):
    from minsheng.accounts.models import Role
    from minsheng.accounts.services import grant_role
    from minsheng.territory.models import Community

    staff = api("demo-cailing")
    first = demand("采菱家园一期晾衣架太少", phone="13811112222")
    second = demand("采菱家园二期希望增设不锈钢晾衣架", phone="13833334444")
    # A third reporter has an account: told in-app as well.
    resident = get_user_model().objects.create_user("res-wang", password="x-long-password")
    grant_role(user=resident, role=Role.RESIDENT, node=Community.objects.get(name="采菱社区"))
    r = api("demo-resident").post("/api/v1/demands", {"text": "一期楼下没有地方晒被子", "channel": "online",
                                                      "community": "采菱社区"})
    third = r.json()["code"]
    # Assign and work on one of them: it waits for the project too.
    staff.act_demand = lambda code, action, **b: staff.post(f"/api/v1/demands/{code}/actions/{action}", b)
    pid = create(demands=[first, second, third])["id"]
    assert staff.act_demand(second, "assign", handler="demo-handler").status_code == 200
    advance(pid, "inspection")
    Notification.objects.all().delete()
    body = api("test-inspector").act(pid, "inspect", passed=True, note="合格").json()
    assert body["status"] == "in_service"
    for code in (first, second, third):
        d = Demand.objects.get(code=code)
        assert d.status == "callback", code
        assert d.events.filter(action="project_done").exists()
    sms = set(Notification.objects.filter(channel="sms").values_list("address", flat=True))
    assert {"13811112222", "13833334444"} <= sms
    in_app = Notification.objects.filter(channel="in_app", recipient__username="demo-resident", demand_code=third)
    assert in_app.exists() and "微实事项目" in in_app.first().body
    event = Project.objects.get(pk=pid).events.get(action="inspect")
    assert sorted(event.data["demands_moved"]) == sorted([first, second, third])


def test_the_signal_is_sent_after_commit_with_the_contract(api, create, advance, django_capture_on_commit_callbacks):
    from minsheng.territory.models import Place

    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    project_in_service.connect(receiver, dispatch_uid="test-receiver")
    try:
        pid = create(place="采菱家园一期")["id"]
        advance(pid, "inspection")
        received.clear()
        from minsheng.projects import services

        user = get_user_model().objects.get(username="test-inspector")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.inspect(pid, user, passed=True, note="合格")
        assert received == []  # not before commit
        for cb in callbacks:
            cb()
    finally:
        project_in_service.disconnect(dispatch_uid="test-receiver")
    assert len(received) == 1
    kw = received[0]
    p = Project.objects.get(pk=pid)
    assert kw["signal"] is project_in_service
    assert {k: kw[k] for k in ("project_id", "title", "town_id", "community_id", "place_id", "kind")} == {
        "project_id": p.pk, "title": p.title, "town_id": p.town_id, "community_id": p.community_id,
        "place_id": Place.objects.get(name="采菱家园一期").pk, "kind": "goods",
    }
    assert kw["items"] == [{"name": "不锈钢晾衣架", "quantity": 100.0, "unit": "个"}]
    assert kw["facility_kind"] == "drying_racks"


def test_a_failing_receiver_does_not_undo_the_project(api, create, advance):
    def broken(sender, **kwargs):
        raise RuntimeError("facility registry down")

    project_in_service.connect(broken, dispatch_uid="test-broken")
    try:
        pid = create()["id"]
        advance(pid, "inspection")
        r = api("test-inspector").act(pid, "inspect", passed=True, note="合格")
    finally:
        project_in_service.disconnect(dispatch_uid="test-broken")
    assert r.status_code == 200 and Project.objects.get(pk=pid).status == "in_service"


def test_a_failed_inspection_sends_no_signal_and_moves_no_demand(api, create, advance, demand):
    received = []
    project_in_service.connect(lambda sender, **kw: received.append(kw), dispatch_uid="test-none", weak=False)
    try:
        code = demand()
        pid = create(demands=[code])["id"]
        advance(pid, "inspection")
        api("test-inspector").act(pid, "inspect", passed=False, note="地面不平")
    finally:
        project_in_service.disconnect(dispatch_uid="test-none")
    assert received == []
    assert Demand.objects.get(code=code).status == "accepted"
