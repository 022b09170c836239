"""The callback desk (/desk/callbacks/), the phone-callback form and the 未评价 (no answer) job."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.accounts.models import PersonalDataRead
from minsheng.core.periodic import JOBS
from minsheng.demands import services
from minsheng.demands.models import Demand, DemandEvent
from minsheng.kpis import periods
from minsheng.kpis.callbacks import record_no_answers
from minsheng.kpis.selectors import kpis, kpis_from_rows
from minsheng.kpis.tasks import callback_no_answer
from minsheng.territory.selectors import find_node

from .conftest import answered, new, project_done, replied, user, waited


def codes_on_page(response) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', response.content.decode())


@pytest.fixture
def waiting(demo_territory):
    """A..F as in the docstring of each; D waited longest, then A, then C, then B."""
    a = waited(replied("采菱一期3幢楼道灯不亮", grid="采菱第一网格"), 3)
    b = waited(answered("采菱二期物业电话多少", grid="采菱第二网格"), 1)
    c = waited(answered("三勤新苑公交怎么坐", community="三勤社区", staff="demo-sanqin"), 2)
    d = waited(project_done("采菱一期晾衣架不够", grid="采菱第一网格"), 5)
    e = replied("采菱一期路灯坏了", grid="采菱第一网格")
    e = services.callback(e, user("demo-cailing"), resolution="resolved", satisfaction="satisfied")  # done
    f = new("采菱一期下水道堵了", grid="采菱第一网格")
    services.accept(f, user("demo-cailing"))
    services.assign(f, user("demo-cailing"), handler="demo-handler")
    f = services.contact(f, user("demo-handler"))  # still in work
    return {k: v.code for k, v in zip("abcdef", (a, b, c, d, e, f), strict=True)}


# ---------------------------------------------------------------------------------------------
# The queue


@pytest.mark.parametrize("username, expected", [
    ("demo-cailing", "dab"),        # the community: oldest first
    ("demo-cailing-grid", "da"),    # the grid worker: their grid only
    ("demo-sanqin", "c"),           # another community
    ("demo-town", "dacb"),          # the town: everything
    ("demo-handler", "a"),          # a handler: what was assigned to them
])
def test_queue_per_scope_oldest_first(waiting, user_client, username, expected):
    r = user_client(username).get("/desk/callbacks/")
    assert r.status_code == 200
    assert codes_on_page(r) == [waiting[k] for k in expected]


def test_days_waiting_and_who_may_call(waiting, user_client):
    html = user_client("demo-cailing").get("/desk/callbacks/").content.decode()
    days = dict(re.findall(r'<tr data-code="([^"]+)".*?data-testid="days">(\d+) 天', html, re.S))
    assert days == {waiting["d"]: "5", waiting["a"]: "3", waiting["b"]: "1"}
    assert html.count('data-action="callback"') == 3
    handler = user_client("demo-handler").get("/desk/callbacks/").content.decode()
    assert 'data-action="callback"' not in handler  # handlers do not call back their own work


def test_residents_and_the_public_are_kept_out(waiting, user_client):
    assert user_client("demo-resident").get("/desk/callbacks/").status_code == 403
    r = Client().get("/desk/callbacks/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_phones_masked_until_revealed_and_each_reveal_logged(waiting, user_client):
    client = user_client("demo-cailing")
    html = client.get("/desk/callbacks/").content.decode()
    assert "13812345678" not in html and "138****5678" in html
    assert PersonalDataRead.objects.count() == 0
    html = client.get("/desk/callbacks/", {"reveal": waiting["a"]}).content.decode()
    assert html.count("13812345678") == 1
    assert list(PersonalDataRead.objects.values_list("subject", flat=True)) == [f"demand:{waiting['a']}"]
    # The grid worker is not entitled to the unmasked number.
    html = user_client("demo-cailing-grid").get("/desk/callbacks/", {"reveal": waiting["a"]}).content.decode()
    assert "13812345678" not in html


def test_queue_page_queries_do_not_grow_with_rows(demo_territory, user_client):
    client = user_client("demo-town")
    for i in range(3):
        replied(f"采菱一期{i}幢楼道灯不亮")
    client.get("/desk/callbacks/")  # warm up (session, memberships)
    with CaptureQueriesContext(connection) as few:
        assert len(codes_on_page(client.get("/desk/callbacks/"))) == 3
    for i in range(12):
        answered(f"采菱二期{i}幢物业电话多少")
    with CaptureQueriesContext(connection) as many:
        assert len(codes_on_page(client.get("/desk/callbacks/"))) == 15
    assert len(many) == len(few) <= 8


# ---------------------------------------------------------------------------------------------
# The phone-callback form


def post_callback(client, code, *, version=True, **data):
    body = {"resolution": "resolved", "satisfaction": "satisfied", **data}
    if version is True:
        body["version"] = Demand.objects.get(code=code).version
    elif version is not None:
        body["version"] = version
    return client.post(f"/desk/callbacks/{code}/", body)


def test_dissatisfied_for_the_handler_reopens(waiting, user_client):
    r = post_callback(user_client("demo-cailing"), waiting["a"], resolution="unresolved",
                      satisfaction="dissatisfied", handler_fault="1", note="电话回访：灯还是不亮")
    assert r.status_code == 302 and r["Location"] == "/desk/callbacks/"
    d = Demand.objects.get(code=waiting["a"])
    assert (d.status, d.reopen_count, d.resolution, d.satisfaction) == ("reopened", 1, "unresolved", "dissatisfied")
    event = d.events.get(action="callback")
    assert event.actor.username == "demo-cailing" and event.note == "电话回访：灯还是不亮"
    assert event.data["handler_fault"] is True


def test_dissatisfied_not_for_the_handler_stays_in_callback(waiting, user_client):
    client = user_client("demo-cailing")
    r = post_callback(client, waiting["b"], resolution="partly", satisfaction="dissatisfied")  # box unticked
    assert r.status_code == 302
    d = Demand.objects.get(code=waiting["b"])
    assert (d.status, d.reopen_count, d.satisfaction) == ("callback", 0, "dissatisfied")
    assert d.callback_at is not None
    assert waiting["b"] not in codes_on_page(client.get("/desk/callbacks/"))  # now waits to be closed


def test_stale_version_is_refused_and_changes_nothing(waiting, user_client):
    client = user_client("demo-cailing")
    shown = Demand.objects.get(code=waiting["a"]).version
    services.callback(waiting["a"], None, resolution="resolved", satisfaction="satisfied", by_reporter=True)
    r = post_callback(client, waiting["a"], version=shown, resolution="unresolved", satisfaction="dissatisfied",
                      handler_fault="1")
    assert r.status_code == 409 and "已被他人更新" in r.content.decode()
    d = Demand.objects.get(code=waiting["a"])
    assert (d.status, d.satisfaction, d.reopen_count) == ("closed", "satisfied", 0)


def test_version_is_required(waiting, user_client):
    r = post_callback(user_client("demo-cailing"), waiting["a"], version=None)
    assert r.status_code == 422
    assert Demand.objects.get(code=waiting["a"]).status == "replied"


def test_bad_choices_are_named(waiting, user_client):
    r = post_callback(user_client("demo-cailing"), waiting["a"], satisfaction="")
    assert r.status_code == 422 and "满意度" in r.content.decode()


def test_grid_worker_may_not_record_and_other_communities_do_not_see(waiting, user_client):
    assert post_callback(user_client("demo-cailing-grid"), waiting["a"]).status_code == 403
    assert post_callback(user_client("demo-sanqin"), waiting["a"]).status_code == 404
    assert Demand.objects.get(code=waiting["a"]).status == "replied"


def test_project_done_demand_can_be_called_back(waiting, user_client):
    r = post_callback(user_client("demo-town"), waiting["d"], resolution="resolved", satisfaction="basically")
    assert r.status_code == 302
    d = Demand.objects.get(code=waiting["d"])
    assert d.status == "callback" and d.callback_at is not None and d.satisfaction == "basically"


# ---------------------------------------------------------------------------------------------
# 未评价 after N days


def test_no_answer_after_the_configured_days(waiting, settings):
    settings.MINSHENG_CALLBACK_NO_ANSWER_DAYS = 3
    before = DemandEvent.objects.count()
    assert record_no_answers() == 2  # D (5 days) and A (3 days); C (2) and B (1) still wait
    for key in "ad":
        d = Demand.objects.get(code=waiting[key])
        assert (d.status, d.satisfaction, d.resolution, d.reopen_count) == ("callback", "no_answer", "", 0)
        assert d.callback_at is not None
        e = d.events.order_by("-id").first()
        assert (e.action, e.actor_id, e.actor_label) == ("callback", None, "系统")
    for key in "bc":
        assert Demand.objects.get(code=waiting[key]).status == "answered"
    # Run twice = once.
    assert record_no_answers() == 0
    assert DemandEvent.objects.count() == before + 2


def test_default_is_seven_days(waiting):
    assert record_no_answers() == 0
    waited(Demand.objects.get(code=waiting["b"]), 7)
    assert callback_no_answer.call() == 1
    assert Demand.objects.get(code=waiting["b"]).satisfaction == "no_answer"


def test_no_answer_is_left_out_of_both_denominators(demo_territory):
    rated = replied("采菱一期3幢楼道灯不亮")
    services.callback(rated, user("demo-cailing"), resolution="partly", satisfaction="basically")
    silent = waited(replied("采菱一期5幢楼道灯不亮"), 8)
    # A demand that was rated, reopened and replied again keeps no stale answer when nobody rates it.
    again = replied("采菱一期7幢楼道灯不亮")
    services.callback(again, user("demo-cailing"), resolution="unresolved", satisfaction="dissatisfied")
    services.assign(again.code, user("demo-cailing"), handler="demo-handler")
    services.contact(again.code, user("demo-handler"))
    services.reply(again.code, user("demo-handler"), reply="换了灯泡")
    waited(Demand.objects.get(code=again.code), 8)
    assert record_no_answers() == 2
    assert Demand.objects.get(pk=silent.pk).resolution == ""
    assert Demand.objects.get(pk=again.pk).resolution == ""
    from django.utils import timezone

    month = timezone.localtime().strftime("%Y-%m")
    k = kpis("采菱社区", month)
    assert k["satisfaction_rate"] == pytest.approx(0.8)  # 基本满意 alone: 0.8 ÷ 1
    assert k["resolution_rate"] == pytest.approx(0.5)  # 部分解决 alone: 0.5 ÷ 1
    assert k == kpis_from_rows(find_node("采菱社区"), periods.parse(month))


def test_no_answer_never_reopens_and_skips_rated_demands(waiting, settings):
    settings.MINSHENG_CALLBACK_NO_ANSWER_DAYS = 0
    services.callback(waiting["a"], None, resolution="unresolved", satisfaction="dissatisfied", by_reporter=True)
    assert Demand.objects.get(code=waiting["a"]).status == "reopened"
    assert record_no_answers() == 3  # b, c, d
    assert Demand.objects.get(code=waiting["a"]).status == "reopened"
    assert set(Demand.objects.filter(satisfaction="no_answer").values_list("code", flat=True)) == {
        waiting[k] for k in "bcd"}


def test_the_reporter_can_no_longer_rate_after_no_answer(waiting, settings):
    settings.MINSHENG_CALLBACK_NO_ANSWER_DAYS = 3
    record_no_answers()
    r = Client().post(f"/track/{waiting['a']}/rate", {"phone4": "5678", "resolution": "resolved",
                                                      "satisfaction": "satisfied"})
    assert r.status_code == 409
    assert Demand.objects.get(code=waiting["a"]).satisfaction == "no_answer"


def test_jobs_are_registered():
    names = {j.name: j for j in JOBS}
    assert names["kpis.callback_no_answer"].task == "minsheng.kpis.tasks.callback_no_answer"
    assert names["kpis.monthly_ranking"].task == "minsheng.kpis.tasks.publish_monthly_ranking"


def test_reporter_is_invited_to_rate_with_code_not_token(demo_territory):
    """Only a digest of the tracking token is stored, so the invitation cannot carry it: the link is
    /track/?code=… and the reporter adds the last four digits of their phone (or their tracking code)."""
    from django.test import TestCase

    from minsheng.notifications.models import Notification

    with TestCase.captureOnCommitCallbacks(execute=True):
        d = replied("采菱一期3幢楼道灯不亮")
    sms = Notification.objects.filter(channel="sms", demand_code=d.code).order_by("-id").first()
    assert "手机号后四位" in sms.body and "评价" in sms.body
    assert sms.link == f"/track/?code={d.code}" and "token" not in sms.link
