"""Two texts on a step: the internal note stays with staff; only what is written for the reporter
(告知诉求人, a reply, a refusal's reason) reaches /track/, the public API and the reporter's messages."""

from django.apps import apps as django_apps
from django.test import Client, TestCase

from minsheng.demands import services
from minsheng.demands.models import Demand, DemandEvent
from minsheng.notifications.models import Notification

from .pages_helpers import act, make_demand, text

INTERNAL = "内部：物业王经理推诿，先找住建办"
TOLD = "明天上午九点前上门查看"


def _staff(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _reporter_messages(d: Demand) -> str:
    return "\n".join(Notification.objects.filter(demand_code=d.code, address=d.reporter_phone)
                     .values_list("body", flat=True))


def test_dispatch_note_stays_internal_and_the_told_text_reaches_the_reporter(demo_territory):
    d, token = make_demand()
    staff = Client()
    staff.force_login(_staff("demo-cailing"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = act(staff, d, "accept")
        assert r.status_code in (200, 302)
        handler = services.handler_choices(Demand.objects.get(code=d.code))[0]
        r = act(staff, d, "assign", {"handler": handler.username, "note": INTERNAL, "tell_reporter": TOLD})
    assert r.status_code in (200, 302), text(r)
    event = DemandEvent.objects.get(demand__code=d.code, action="assign")
    assert (event.note, event.public_note) == (INTERNAL, TOLD)

    tracked = text(Client().get("/track/", {"code": d.code, "token": token}))
    assert TOLD in tracked and INTERNAL not in tracked

    public = Client().get(f"/api/v1/demands/{d.code}", {"token": token}).json()
    notes = [e["note"] for e in public["events"]]
    assert TOLD in notes and INTERNAL not in str(public)

    messages = _reporter_messages(d)
    assert TOLD in messages and INTERNAL not in messages

    desk = text(staff.get(f"/desk/demands/{d.code}/"))
    assert TOLD in desk and INTERNAL in desk and "告知诉求人" in desk


def test_internal_note_alone_tells_the_reporter_nothing_more(demo_territory):
    d, token = make_demand()
    caiting = _staff("demo-cailing")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.accept(d, caiting, note=INTERNAL)
    tracked = text(Client().get("/track/", {"code": d.code, "token": token}))
    assert "已受理" in tracked and INTERNAL not in tracked
    assert INTERNAL not in _reporter_messages(d)


def test_reply_reaches_the_reporter_and_its_internal_note_does_not(api, submit):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    a, handler = api("demo-cailing"), api("demo-handler")
    assert a.act(code, "accept").status_code == 200
    assert a.act(code, "assign", handler="demo-handler", complexity="ordinary").status_code == 200
    assert handler.act(code, "contact").status_code == 200
    assert handler.act(code, "reply", reply="垃圾清运时间为每天早七点", note=INTERNAL).status_code == 200
    public = api().get(f"/api/v1/demands/{code}", token=token).json()
    assert "垃圾清运时间为每天早七点" in str(public) and INTERNAL not in str(public)
    staff_view = a.get(f"/api/v1/demands/{code}").json()
    answer = [e for e in staff_view["events"] if e["action"] == "reply"][0]
    assert (answer["note"], answer["public_note"]) == (INTERNAL, "垃圾清运时间为每天早七点")


def test_too_long_a_text_for_the_reporter_is_refused_naming_the_field(api, submit):
    code = submit()["code"]
    r = api("demo-cailing").act(code, "accept", tell_reporter="长" * 501)
    assert r.status_code == 422 and "tell_reporter" in r.content.decode()
    assert Demand.objects.get(code=code).status == "received"


def test_the_migration_moves_texts_written_for_the_reporter(demo_territory):
    from importlib import import_module

    split_notes = import_module("minsheng.demands.migrations.0010_event_public_note").split_notes
    d, _token = make_demand()
    caiting = _staff("demo-cailing")
    services.reject(d, caiting, reason="不属于本社区事务")
    DemandEvent.objects.filter(demand=d).update(public_note="")  # as it was before the field existed
    DemandEvent.objects.filter(demand=d, action="reject").update(note="不属于本社区事务")
    split_notes(django_apps, None)
    reject = DemandEvent.objects.get(demand=d, action="reject")
    assert (reject.note, reject.public_note) == ("", "不属于本社区事务")
