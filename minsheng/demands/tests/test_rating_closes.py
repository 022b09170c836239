"""A reporter who rates "resolved" and "satisfied" closes the demand by that rating; every other
outcome (and every staff callback) still waits for staff to close or reopen it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, TestCase

from minsheng.demands import services
from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification

from .pages_helpers import make_demand, text


@pytest.fixture
def answered(demo_territory):
    d, token = make_demand()
    staff = get_user_model().objects.get(username="demo-cailing")
    services.accept(d, staff)
    services.answer(d, staff, reply="已联系物业，本周五前疏通")
    return Demand.objects.get(pk=d.pk), token, staff


def test_resolved_and_satisfied_closes_by_itself(answered):
    d, token, _staff = answered
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = Client().post(f"/track/{d.code}/rate", {"token": token, "resolution": "resolved",
                                                     "satisfaction": "satisfied"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.satisfaction) == ("closed", "satisfied") and d.closed_at is not None
    close = d.events.get(action="close")
    assert close.actor_id is None and close.actor_label == "系统"
    assert "已结案" in "".join(Notification.objects.filter(demand_code=d.code).values_list("body", flat=True))
    page = text(Client().get("/track/", {"code": d.code, "token": token}))
    assert "结案" in page


@pytest.mark.parametrize(("resolution", "satisfaction"), [("resolved", "basically"),
                                                          ("partly", "satisfied")])
def test_other_ratings_wait_for_staff(answered, resolution, satisfaction):
    d, token, _staff = answered
    Client().post(f"/track/{d.code}/rate", {"token": token, "resolution": resolution, "satisfaction": satisfaction})
    d.refresh_from_db()
    assert d.status == "callback" and d.closed_at is None


def test_a_staff_callback_does_not_close(answered):
    d, _token, staff = answered
    services.callback(d, staff, resolution="resolved", satisfaction="satisfied")
    assert Demand.objects.get(pk=d.pk).status == "callback"
