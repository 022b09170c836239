"""A demand lives its whole life through the API (domain.md §3)."""

from minsheng.demands.models import Demand


def test_whole_life_through_the_api(api, submit):
    created = submit()
    code = created["code"]
    assert code.startswith("CL-") and created["status"] == "received"
    assert created["community"] == "采菱社区" and created["grid"] == "采菱第五网格"
    staff = api("demo-cailing")
    r = staff.act(code, "accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = staff.act(code, "assign", handler="demo-handler", complexity="ordinary")
    body = r.json()
    assert body["status"] == "assigned" and body["handler"] == "demo-handler" and body["due_at"]
    handler = api("demo-handler")
    assert handler.act(code, "contact", note="已电话联系").json()["status"] == "in_progress"
    r = handler.act(code, "reply", reply="已疏通管道")
    assert r.json()["status"] == "replied"
    r = staff.act(code, "callback", resolution="resolved", satisfaction="satisfied")
    assert r.json()["status"] == "callback"
    r = staff.act(code, "close")
    assert r.json()["status"] == "closed"
    actions = [e["action"] for e in r.json()["events"]]
    assert actions == ["register", "accept", "assign", "contact", "reply", "callback", "close"]
    for e in r.json()["events"][1:]:
        assert e["actor"] and e["at"] and e["to_status"]


def test_tracking_with_token_and_phone_digits(api, submit):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    anon = api()
    r = anon.get(f"/api/v1/demands/{code}", token=token)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "received" and "reporter_phone" not in body
    assert anon.get(f"/api/v1/demands/{code}", phone4="5678").status_code == 200
    assert anon.get(f"/api/v1/demands/{code}", phone4="0000").status_code == 404
    assert anon.get(f"/api/v1/demands/{code}", token="wrong").status_code == 404
    assert anon.get(f"/api/v1/demands/{code}").status_code == 404


def test_reporter_rates_through_the_tracking_link(api, submit):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "answer", reply="已答复：本周五前处理")
    r = api().post(f"/api/v1/demands/{code}/rate?token={token}", {"resolution": "partly", "satisfaction": "basically"})
    assert r.status_code == 200, r.content
    d = Demand.objects.get(code=code)
    assert d.status == "callback" and d.resolution == "partly" and d.satisfaction == "basically"
    # A second rating is refused.
    r = api().post(f"/api/v1/demands/{code}/rate?token={token}", {"resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 409


def test_dissatisfied_callback_reopens_twice_then_alerts_the_town(api, submit):
    from minsheng.notifications.models import Notification

    code = submit()["code"]
    staff, handler = api("demo-cailing"), api("demo-handler")
    staff.act(code, "accept")
    for round_ in range(3):
        staff.act(code, "assign", handler="demo-handler")
        handler.act(code, "contact")
        handler.act(code, "reply", reply="处理了")
        r = staff.act(code, "callback", resolution="unresolved", satisfaction="dissatisfied")
        assert r.status_code == 200
        if round_ < 2:
            assert r.json()["status"] == "reopened"
    d = Demand.objects.get(code=code)
    assert d.status == "callback" and d.reopen_count == 2 and d.escalated
    assert Notification.objects.filter(recipient__username="demo-town", demand_code=code).exists()


def test_extension_needs_reason_and_is_shown_to_reporter(api, submit):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    due = staff.act(code, "assign", handler="demo-handler").json()["due_at"]
    assert staff.act(code, "extend", days=3).status_code == 422
    r = staff.act(code, "extend", days=3, reason="需等待配件")
    assert r.status_code == 200 and r.json()["due_at"] > due
    public = api().get(f"/api/v1/demands/{code}", token=token).json()
    assert public["extensions"][0]["reason"] == "需等待配件"
    # The handler cannot approve their own extension.
    assert api("demo-handler").act(code, "extend", days=2, reason="再等等").status_code == 403


def test_merge_into_open_duplicate(api, submit):
    a = submit()["code"]
    b = submit(text="采菱二期12幢下水道又堵了")["code"]
    staff = api("demo-cailing")
    r = staff.act(b, "merge", into=a)
    assert r.status_code == 200 and r.json()["status"] == "merged" and r.json()["merged_into"] == a
    assert staff.act(b, "merge", into=a).status_code == 409  # already merged: state refuses
    assert staff.act(a, "merge", into="CL-1999-00001").status_code == 422
    c = submit(text="采菱一期路灯不亮")["code"]
    assert staff.act(c, "merge", into=c).status_code == 422


def test_urgent_deadlines(api, submit):
    from datetime import timedelta

    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "classify", urgent=True, category="drainage")
    staff.act(code, "accept")
    body = staff.act(code, "assign", handler="demo-handler").json()
    d = Demand.objects.get(code=code)
    assert d.contact_deadline - d.assigned_at == timedelta(hours=2)
    assert d.due_at - d.assigned_at == timedelta(hours=24)
    assert body["urgent"] is True and body["needs_classification"] is False


def test_complex_deadline_is_15_days(api, submit):
    from datetime import timedelta

    code = submit(text="采菱家园一期外墙脱落需要整体维修")["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler", complexity="complex")
    d = Demand.objects.get(code=code)
    assert d.due_at - d.assigned_at == timedelta(days=15)
    assert d.contact_deadline - d.assigned_at == timedelta(hours=24)


def test_third_reopen_is_refused_but_the_town_alert_stays(api, submit):
    from minsheng.notifications.models import Notification

    code = submit()["code"]
    staff, handler = api("demo-cailing"), api("demo-handler")
    staff.act(code, "accept")
    for _ in range(2):
        staff.act(code, "assign", handler="demo-handler")
        handler.act(code, "contact")
        handler.act(code, "reply", reply="处理了")
        staff.act(code, "callback", resolution="resolved", satisfaction="satisfied")
        assert staff.act(code, "reopen", note="居民再次反映").json()["status"] == "reopened"
    staff.act(code, "assign", handler="demo-handler")
    handler.act(code, "contact")
    handler.act(code, "reply", reply="处理了")
    staff.act(code, "callback", resolution="resolved", satisfaction="satisfied")
    r = staff.act(code, "reopen")
    assert r.status_code == 409
    d = Demand.objects.get(code=code)
    assert d.status == "callback" and d.escalated
    assert Notification.objects.filter(recipient__username="demo-town", demand_code=code).exists()


def test_callback_honours_expected_version(api, submit):
    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    v = staff.act(code, "answer", reply="答复").json()["version"]
    assert staff.act(code, "callback", resolution="resolved", satisfaction="satisfied", version=v - 1).status_code == 409
    assert staff.act(code, "callback", resolution="resolved", satisfaction="satisfied", version=v).status_code == 200
