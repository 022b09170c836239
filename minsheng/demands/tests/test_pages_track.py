"""/track/: the reporter follows a demand with the code and token (or phone digits) and rates the result."""

import re

from django.test import Client, override_settings

from minsheng.demands import services
from minsheng.demands.models import Demand

from .pages_helpers import make_demand, text, visible_text


def test_track_by_token(demo_territory):
    d, token = make_demand()
    r = Client().get("/track/", {"code": d.code, "token": token})
    html = text(r)
    assert r.status_code == 200
    assert d.code in html and "已登记" in html and 'aria-current="step"' in html
    assert "13812345678" not in html and "张三" not in html  # no personal data on the public page


def test_track_by_last_four_phone_digits(demo_territory):
    d, _token = make_demand()
    r = Client().get("/track/", {"code": d.code.lower(), "phone4": "5678"})
    assert r.status_code == 200 and d.code in text(r)


def test_wrong_credentials_and_unknown_code_look_the_same(demo_territory):
    d, _token = make_demand()
    client = Client()
    answers = [
        client.get("/track/", {"code": d.code, "token": "wrong"}),
        client.get("/track/", {"code": d.code, "phone4": "0000"}),
        client.get("/track/", {"code": "CL-1999-00001", "token": "wrong"}),
    ]
    assert {r.status_code for r in answers} == {404}
    messages = {visible_text(r).split("查询其他诉求")[0].split("查询办理进度")[-1] for r in answers}
    assert len(messages) == 1
    assert all("没有找到该诉求，或查询凭据不正确" in text(r) and d.text not in text(r) for r in answers)


def test_code_alone_prefills_the_form(demo_territory):
    d, _token = make_demand()
    r = Client().get("/track/", {"code": d.code})
    assert r.status_code == 200 and f'value="{d.code}"' in text(r) and d.text not in text(r)


@override_settings(MINSHENG_TRACK_LIMIT=2)
def test_tracking_is_rate_limited(demo_territory):
    d, token = make_demand()
    client = Client()
    for _ in range(2):
        assert client.get("/track/", {"code": d.code, "token": token}).status_code == 200
    r = client.get("/track/", {"code": d.code, "token": token})
    assert r.status_code == 429 and "查询过于频繁" in text(r)


def test_public_timeline_names_no_staff_and_shows_extension_and_reply(demo_territory):
    from django.contrib.auth import get_user_model

    d, token = make_demand()
    User = get_user_model()
    cailing, handler = User.objects.get(username="demo-cailing"), User.objects.get(username="demo-handler")
    services.accept(d, cailing)
    services.assign(d, cailing, handler="demo-handler")
    services.extend(d, cailing, days=3, reason="需等待配件到货")
    services.contact(d, handler, note="已电话联系")
    services.reply(d, handler, reply="已疏通下水管道")
    r = Client().get("/track/", {"code": d.code, "token": token})
    html = text(r)
    assert "工作人员" in html and "需等待配件到货" in html and "已疏通下水管道" in html
    assert "新的办结时限" in html
    for name in ("demo-cailing", "demo-handler", cailing.get_full_name(), handler.get_full_name()):
        assert name not in html
    assert "请对办理结果进行评价" in html  # replied → the rating form


def test_merged_demand_says_where_it_went(demo_territory):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="demo-cailing")
    a, _ = make_demand()
    b, token = make_demand("采菱二期12幢下水道又堵了")
    services.merge(b, staff, into=a.code)
    html = text(Client().get("/track/", {"code": b.code, "token": token}))
    assert "已合并" in html and f"已合并到 {a.code}" in html


def _answered():
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="demo-cailing")
    d, token = make_demand()
    services.accept(d, staff)
    services.answer(d, staff, reply="已答复：本周五前处理")
    return d, token


def test_rating_from_the_track_page_records_the_callback(demo_territory, django_capture_on_commit_callbacks):
    d, token = _answered()
    client = Client()
    html = text(client.get("/track/", {"code": d.code, "token": token}))
    assert f'action="/track/{d.code}/rate"' in html and "已解决" in html and "基本满意" in html
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/track/{d.code}/rate", {"token": token, "resolution": "partly", "satisfaction": "basically"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "callback" and d.resolution == "partly" and d.satisfaction == "basically"
    assert d.events.filter(action="callback", actor_label="诉求人").exists()
    r = client.get(r["Location"])
    assert "感谢您的评价" in text(r) and "请对办理结果进行评价" not in text(r)
    # A second rating is refused with a message, not an error page.
    r = client.post(f"/track/{d.code}/rate", {"token": token, "resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 409 and "不需要评价" in text(r)


def test_rating_by_phone_digits_needs_an_sms_code_and_dissatisfied_reopens(demo_territory, caplog):
    import logging

    d, _token = _answered()
    client = Client()
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "resolution": "unresolved",
                                              "satisfaction": "dissatisfied"})
    assert r.status_code == 403 and "短信验证码" in text(r)  # the digits alone show progress only
    caplog.set_level(logging.INFO, logger="minsheng.notifications")
    assert client.post(f"/track/{d.code}/code", {"phone4": "5678"}).status_code == 302
    code = re.search(r"验证码 (\d{6})", caplog.text).group(1)
    r = client.post(f"/track/{d.code}/rate", {"phone4": "5678", "otp": code, "resolution": "unresolved",
                                              "satisfaction": "dissatisfied"})
    assert r.status_code == 302 and "phone4=5678" in r["Location"]
    assert Demand.objects.get(pk=d.pk).status == "reopened"


def test_rating_with_wrong_credentials_changes_nothing(demo_territory):
    d, _token = _answered()
    client = Client()
    r = client.post(f"/track/{d.code}/rate", {"token": "wrong", "resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 404 and "没有找到该诉求" in text(r)
    r = client.post(f"/track/{d.code}/rate", {"phone4": "0000", "resolution": "resolved", "satisfaction": "satisfied"})
    assert r.status_code == 404
    assert Demand.objects.get(pk=d.pk).status == "answered"


def test_rating_needs_both_answers(demo_territory):
    d, token = _answered()
    r = Client().post(f"/track/{d.code}/rate", {"token": token, "resolution": "resolved"})
    assert r.status_code == 422 and "请选择满意度" in text(r)
    assert Demand.objects.get(pk=d.pk).status == "answered"
