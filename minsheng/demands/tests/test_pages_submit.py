"""The resident's H5 form: /submit/ registers a demand and shows its code and tracking link once."""

import re

from django.test import Client, override_settings

from minsheng.demands.models import Demand, DemandEvent

from .pages_helpers import TEXT, text


def test_form_is_mobile_friendly_and_in_chinese(demo_territory):
    r = Client().get("/submit/")
    html = text(r)
    assert r.status_code == 200
    assert "诉求内容" in html and 'name="viewport"' in html
    assert 'type="tel"' in html and "使用我的位置" in html
    assert "<script>" not in html.replace("<script src=", "")  # no inline script (strict CSP)


def test_submit_shows_code_and_tracking_link(demo_territory):
    client = Client()
    r = client.post("/submit/", {"text": TEXT, "place": "", "reporter_name": "张三", "reporter_phone": "13812345678"})
    assert r.status_code == 302 and r["Location"] == "/submit/done/"
    r = client.get("/submit/done/")
    html = text(r)
    d = Demand.objects.get()
    assert d.code in html and d.channel == "online" and d.status == "received"
    assert d.community.name == "采菱社区" and d.reporter_user is None
    link = re.search(r'href="(http://testserver/track/\?code=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "保存" in html and "只显示这一次" in html
    # The link works; the token is shown once only.
    token = re.search(r"token=([^&\"]+)", link).group(1)
    assert client.get(link).status_code == 200 and token in html
    assert client.get("/submit/done/")["Location"] == "/submit/"


def test_preset_community_by_code_or_name_and_grid(demo_territory):
    client = Client()
    assert "采菱社区" in text(client.get("/submit/?community=CL"))
    assert "三勤社区" in text(client.get("/submit/?community=三勤社区"))
    html = text(client.get("/submit/?grid=华家第二网格"))
    assert "华家社区 · 华家第二网格" in html
    assert "未找到" in text(client.get("/submit/?community=不存在社区"))
    # A text naming no place goes to the preset grid.
    client.post("/submit/", {"text": "路灯不亮，晚上看不见", "grid": "华家第二网格"})
    d = Demand.objects.get()
    assert d.community.name == "华家社区" and d.grid.name == "华家第二网格" and d.code.startswith("HJ-")


def test_bad_input_shows_message_next_to_field_and_writes_nothing(demo_territory):
    client = Client()
    r = client.post("/submit/", {"text": "   ", "reporter_phone": "13812345678"})
    assert r.status_code == 422
    assert 'id="e-text"' in text(r) and "不能为空" in text(r)
    r = client.post("/submit/", {"text": TEXT, "reporter_phone": "12345"})
    html = text(r)
    assert r.status_code == 422 and 'id="e-phone"' in html and "不是有效的手机号" in html
    assert TEXT in html  # what was typed is kept
    r = client.post("/submit/", {"text": TEXT, "lat": "abc", "lon": "120"})
    assert r.status_code == 422 and 'id="e-location"' in text(r)
    r = client.post("/submit/", {"text": "x" * 2001})
    assert r.status_code == 422 and "2000" in text(r)
    assert Demand.objects.count() == 0 and DemandEvent.objects.count() == 0


def test_location_is_kept(demo_territory):
    Client().post("/submit/", {"text": "这里的井盖不见了", "lat": "31.7025", "lon": "119.933"})
    d = Demand.objects.get()
    assert (d.lat, d.lon) == (31.7025, 119.933) and d.community is not None


@override_settings(MINSHENG_ANON_INTAKE_LIMIT=2)
def test_anonymous_submissions_are_rate_limited(demo_territory):
    client = Client()
    for _ in range(2):
        assert client.post("/submit/", {"text": TEXT}).status_code == 302
    r = client.post("/submit/", {"text": TEXT})
    assert r.status_code == 429 and "提交过于频繁" in text(r)
    assert Demand.objects.count() == 2


@override_settings(MINSHENG_ANON_INTAKE_LIMIT=0)
def test_signed_in_resident_is_the_reporter_and_not_rate_limited(user_client):
    r = user_client("demo-resident").post("/submit/", {"text": TEXT})
    assert r.status_code == 302
    d = Demand.objects.get()
    assert d.reporter_user.username == "demo-resident"
    # Staff submitting on someone's behalf are not the reporter.
    user_client("demo-cailing").post("/submit/", {"text": "采菱一期路灯不亮"})
    assert Demand.objects.get(text="采菱一期路灯不亮").reporter_user is None
