"""Acting as the reporter (issue #17, item 2).

The last four digits of the phone are shown in every mask, so they can only ever show progress. Rating
(which counts in the 三率 and may reopen the demand) needs the tracking token or a one-time code sent to
the reporter's phone by SMS: six digits, valid ten minutes, single use, only a digest stored, requests
throttled per demand and per client.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from minsheng.accounts.models import Membership, Role
from minsheng.demands import services
from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification

PHONE = "13812345678"


def _user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def answered(demo_territory):
    """A demand in the grid worker's grid, answered and waiting for the reporter's rating."""
    grid = Membership.objects.get(user__username="demo-cailing-grid", role=Role.GRID_WORKER).grid
    d, token = services.register(text="采菱家园二期12幢下水道堵塞，污水返到厨房", channel="online",
                                 community=grid.community, grid=grid, reporter_name="张三", reporter_phone=PHONE,
                                 run_triage=False, category="sanitation")
    staff = _user("demo-cailing")
    services.accept(d, staff)
    services.answer(d, staff, reply="已答复：本周五前处理")
    return Demand.objects.get(pk=d.pk), token


def _codes():
    from minsheng.demands.models import ReporterCode  # new with this fix: imported here so the rest runs

    return ReporterCode.objects


def _sms_code(caplog) -> str:
    """The code as the development SMS adapter logged it (what the reporter's phone would show)."""
    found = [re.search(r"验证码[:：]?\s*(\d{6})", r.getMessage()) for r in caplog.records
             if r.name == "minsheng.notifications"]
    found = [m.group(1) for m in found if m]
    assert found, "no code was sent"
    return found[-1]


def test_grid_worker_cannot_rate_with_the_digits_the_mask_shows(answered, bearer):
    d, _token = answered
    grid_worker = bearer("demo-cailing-grid")
    # The grid worker sees the demand, with the phone masked, and may not record a callback…
    shown = Client().get(f"/api/v1/demands/{d.code}", **grid_worker).json()
    assert shown["reporter_phone"] == "138****5678"
    refused = Client().post(f"/api/v1/demands/{d.code}/actions/callback", {"resolution": "resolved",
                            "satisfaction": "satisfied"}, content_type="application/json", **grid_worker)
    assert refused.status_code == 403
    # …nor rate as the reporter with the last four digits the mask shows.
    last4 = shown["reporter_phone"][-4:]
    r = Client().post(f"/track/{d.code}/rate", {"phone4": last4, "resolution": "resolved",
                                                "satisfaction": "satisfied"})
    assert r.status_code == 403
    d.refresh_from_db()
    assert d.status == "answered" and d.satisfaction == "" and not d.events.filter(action="callback").exists()
    # The digits still show progress, read-only, and say how to rate.
    page = Client().get("/track/", {"code": d.code, "phone4": last4})
    html = page.content.decode()
    assert page.status_code == 200 and "已答复：本周五前处理" in html
    assert "获取短信验证码" in html and 'name="otp"' in html


def test_no_mask_shows_more_than_the_last_four_digits(answered, user_client):
    from minsheng.accounts.services import mask_phone

    for phone in ("13812345678", "0519-86661234", "051986661234", "86661234"):
        masked = mask_phone(phone)
        digits = re.sub(r"\D", "", masked)
        assert masked.endswith(phone[-4:]) and "****" in masked
        assert len(digits) <= len(re.sub(r"\D", "", phone)) - 4, (phone, masked)
    # The desk of a grid worker (not entitled) shows the mask only.
    html = user_client("demo-cailing-grid").get(f"/desk/demands/{answered[0].code}/").content.decode()
    assert PHONE not in html and "138****5678" in html


def test_code_by_sms_lets_the_reporter_rate_once(answered, caplog):
    d, _token = answered
    client = Client()
    caplog.set_level(logging.INFO, logger="minsheng.notifications")
    r = client.post(f"/track/{d.code}/code", {"phone4": "5678"})
    assert r.status_code == 302 and "phone4=5678" in r["Location"]
    page = client.get(r["Location"]).content.decode()
    assert "验证码已发送" in page and "5678" in page
    code = _sms_code(caplog)
    # Only a digest is stored; the notification row does not hold the code either.
    row = _codes().get(demand=d)
    assert code not in row.digest and len(row.digest) == 64
    sms = Notification.objects.filter(demand_code=d.code, channel="sms").order_by("-id").first()
    assert sms.state == "sent" and code not in sms.body and code not in sms.link
    # A wrong code changes nothing.
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": wrong, "resolution": "resolved",
                                              "satisfaction": "satisfied"})
    assert r.status_code == 403 and Demand.objects.get(pk=d.pk).status == "answered"
    assert 'value="resolved" required checked' in r.content.decode()  # what they chose stays chosen
    # The right one rates, once.
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "unresolved",
                                              "satisfaction": "dissatisfied"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "reopened" and d.events.filter(action="callback", actor_label="诉求人").exists()
    services.assign(d, _user("demo-cailing"), handler="demo-handler")
    services.contact(Demand.objects.get(pk=d.pk), _user("demo-handler"), note="已电话联系")
    services.reply(Demand.objects.get(pk=d.pk), _user("demo-handler"), reply="已重新疏通")
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "resolved",
                                              "satisfaction": "satisfied"})
    assert r.status_code == 403 and Demand.objects.get(pk=d.pk).satisfaction == "dissatisfied"


def test_a_code_expires_and_a_refused_rating_does_not_spend_it(answered, caplog):
    d, _token = answered
    client = Client()
    caplog.set_level(logging.INFO, logger="minsheng.notifications")
    client.post(f"/track/{d.code}/code", {"phone4": "5678"})
    code = _sms_code(caplog)
    # A form error (no satisfaction chosen) keeps the code usable.
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "resolved"})
    assert r.status_code == 422
    _codes().filter(demand=d).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "resolved",
                                              "satisfaction": "satisfied"})
    assert r.status_code == 403 and "过期" in r.content.decode()
    assert Demand.objects.get(pk=d.pk).status == "answered"


def test_guessing_burns_the_code(answered, caplog):
    d, _token = answered
    client = Client()
    caplog.set_level(logging.INFO, logger="minsheng.notifications")
    client.post(f"/track/{d.code}/code", {"phone4": "5678"})
    code = _sms_code(caplog)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(5):
        client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": wrong, "resolution": "resolved",
                                              "satisfaction": "satisfied"})
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "resolved",
                                              "satisfaction": "satisfied"})
    assert r.status_code == 403 and Demand.objects.get(pk=d.pk).status == "answered"


@override_settings(MINSHENG_REPORTER_CODE_PER_DEMAND=2, MINSHENG_REPORTER_CODE_PER_CLIENT=3)
def test_code_requests_are_throttled_per_demand_and_per_client(answered, demo_territory):
    d, _token = answered
    a, b = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    assert a.post(f"/track/{d.code}/code", {"phone4": "5678"}).status_code == 302
    assert b.post(f"/track/{d.code}/code", {"phone4": "5678"}).status_code == 302
    r = b.post(f"/track/{d.code}/code", {"phone4": "5678"})  # a third for this demand, whoever asks
    assert r.status_code == 429 and "验证码" in r.content.decode()
    assert Notification.objects.filter(demand_code=d.code, channel="sms", subject__contains="验证码").count() == 2
    # One client asking for many demands is stopped too.
    staff = _user("demo-cailing")
    others = [services.register(text=f"采菱家园{i}幢路灯不亮", channel="online", community=d.community,
                                reporter_phone=PHONE, run_triage=False)[0] for i in range(3)]
    for o in others:
        services.accept(o, staff)
        services.answer(Demand.objects.get(pk=o.pk), staff, reply="已答复")
    answers = [a.post(f"/track/{o.code}/code", {"phone4": "5678"}).status_code for o in others]
    assert answers == [302, 302, 429]


def test_asking_for_a_code_needs_the_digits_and_says_nothing_otherwise(answered):
    d, _token = answered
    r = Client().post(f"/track/{d.code}/code", {"phone4": "0000"})
    assert r.status_code == 404 and not _codes().exists()


def test_the_tracking_token_still_rates_without_a_code(answered):
    d, token = answered
    r = Client().post(f"/track/{d.code}/rate", {"token": token, "resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 302 and Demand.objects.get(pk=d.pk).status == "closed"  # resolved + satisfied closes
