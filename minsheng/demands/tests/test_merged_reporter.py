"""A report merged into another does not strand its resident (#18 point 2): they are told when the
surviving demand has its result, see that result on their own /track/ page, and rate it; the rating is
their report's callback and counts in the 三率."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client, TestCase

from minsheng.demands import services
from minsheng.demands.models import Demand
from minsheng.kpis.models import KpiCounter
from minsheng.notifications.models import Notification

from .pages_helpers import make_demand, text

RESULT = "已更换7幢楼道灯泡和声控开关"


def _user(name: str):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def merged(demo_territory):
    """A (kept) and B (merged into A), from two residents."""
    staff = _user("demo-cailing")
    a, _ta = make_demand("采菱家园二期7幢楼道灯坏了", phone="13812345678")
    b, tb = make_demand("二期7幢楼道里晚上一片黑，灯不亮", phone="13900001111")
    services.accept(a, staff)
    services.merge(b, staff, into=a.code)
    return Demand.objects.get(pk=a.pk), Demand.objects.get(pk=b.pk), tb, staff


def _finish(a: Demand, staff) -> None:
    services.assign(a, staff, handler="demo-handler", complexity="ordinary")
    handler = _user("demo-handler")
    services.contact(a, handler)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.reply(a, handler, reply=RESULT)


def _satisfied_answers() -> int:
    rows = KpiCounter.objects.filter(level="town", granularity="m", category="")
    return rows.aggregate(n=Sum("satisfied"))["n"] or 0


def test_before_the_result_the_page_says_what_will_happen(merged):
    _a, b, token, _staff = merged
    page = text(Client().get("/track/", {"code": b.code, "token": token}))
    assert 'data-testid="merge-wait"' in page and 'id="rate"' not in page
    r = Client().post(f"/track/{b.code}/rate", {"token": token, "resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 409 and Demand.objects.get(pk=b.pk).callback_at is None


def test_the_merged_reporter_is_told_sees_the_result_and_rates_it(merged):
    a, b, token, staff = merged
    _finish(a, staff)
    told = Notification.objects.filter(demand_code=b.code, address="13900001111").values_list("body", flat=True)
    assert any(RESULT in body and a.code in body for body in told), list(told)

    page = text(Client().get("/track/", {"code": b.code, "token": token}))
    assert 'data-testid="merge-result"' in page and RESULT in page and 'id="rate"' in page

    before = _satisfied_answers()
    r = Client().post(f"/track/{b.code}/rate", {"token": token, "resolution": "resolved", "satisfaction": "satisfied",
                                                 "note": "很快就修好了"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert (b.status, b.resolution, b.satisfaction) == ("merged", "resolved", "satisfied") and b.callback_at
    assert _satisfied_answers() == before + 1  # counted in the 三率 like any callback
    rated = a.events.get(action="merged_rating")
    assert not rated.public and b.code in rated.note and "解决" in rated.note
    assert Demand.objects.get(pk=a.pk).status == "replied"  # the kept demand waits for its own callback

    again = Client().post(f"/track/{b.code}/rate", {"token": token, "resolution": "unresolved",
                                                     "satisfaction": "dissatisfied"})
    assert again.status_code == 409 and Demand.objects.get(pk=b.pk).satisfaction == "satisfied"


def test_the_api_offers_and_takes_the_rating(merged, api):
    a, b, token, staff = merged
    anon = api()
    assert anon.get(f"/api/v1/demands/{b.code}", token=token).json()["can_rate"] is False
    _finish(a, staff)
    assert anon.get(f"/api/v1/demands/{b.code}", token=token).json()["can_rate"] is True
    r = anon.post(f"/api/v1/demands/{b.code}/rate?token={token}", {"resolution": "partly", "satisfaction": "basically"})
    assert r.status_code == 200, r.content
    assert r.json()["can_rate"] is False and Demand.objects.get(pk=b.pk).resolution == "partly"


def test_staff_are_never_offered_the_merged_rating(merged):
    _a, b, _token, staff = merged
    from minsheng.demands.transitions import allowed_actions

    assert "rate_merged" not in allowed_actions(b, staff)
