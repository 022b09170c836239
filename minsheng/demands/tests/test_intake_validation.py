"""Bad input gets a 4xx naming the field and the reason, never a 5xx, and writes nothing."""

import pytest
from django.test import Client, override_settings

from minsheng.demands.models import Demand

URL = "/api/v1/demands"


def post(body, **headers):
    return Client().post(URL, body, content_type="application/json", **headers)


@pytest.mark.parametrize("body,field", [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "x" * 80_000}, "text"),
    ({"text": "路灯坏了", "channel": "carrier-pigeon"}, "channel"),
    ({"text": "路灯坏了", "reporter_phone": "12345"}, "reporter_phone"),
    ({"text": "路灯坏了", "reporter_phone": "phone"}, "reporter_phone"),
    ({"text": "路灯坏了", "lat": 95, "lon": 119.9}, "lat"),
    ({"text": "路灯坏了", "lat": 31.7, "lon": 200}, "lon"),
    ({"text": "路灯坏了", "lat": 31.7}, "lon"),
    ({"text": "路灯坏了", "reporter_name": "名" * 100}, "reporter_name"),
    ({"text": "路灯坏了", "community": "火星社区"}, "community"),
    ({"text": 123}, "text"),
    ({"text": ["a"]}, "text"),
    ({"text": "路灯坏了", "lat": "north"}, "lat"),
    ({}, "text"),
])
def test_bad_fields(demo_territory, body, field):
    r = post(body)
    assert 400 <= r.status_code < 500, r.content
    data = r.json()
    assert field in data["detail"] or data.get("field") == field, data
    assert not Demand.objects.exists()


@pytest.mark.parametrize("raw", ["{", "null", "[]", '"text"', "\x00", "{\"text\": \"a\"" ])
def test_malformed_json(demo_territory, raw):
    r = Client().post(URL, raw, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert "detail" in r.json()
    assert not Demand.objects.exists()


def test_wrong_content_type(demo_territory):
    r = Client().post(URL, "text=路灯坏了", content_type="text/plain")
    assert 400 <= r.status_code < 500


def test_nul_in_text(demo_territory):
    r = post({"text": "路灯\u0000坏了"})
    assert r.status_code == 422 and not Demand.objects.exists()


def test_phone_forms_accepted(demo_territory):
    for phone in ["13812345678", "+86 138 1234 5678", "0519-86123456"]:
        assert post({"text": "采菱一期路灯坏了", "reporter_phone": phone}).status_code == 201


def test_short_channel_name_accepted(demo_territory, bearer):
    # Only staff file under other channels than online (anonymous callers: test_anonymous_intake_scope.py).
    r = post({"text": "采菱一期路灯坏了", "channel": "12345热线"}, **bearer("demo-cailing"))
    assert r.status_code == 201
    assert Demand.objects.get().channel == "hotline"
    assert post({"text": "采菱一期路灯坏了", "channel": "居民自助"}).status_code == 201


@override_settings(MINSHENG_ANON_INTAKE_LIMIT=3)
def test_anonymous_intake_is_rate_limited_per_address(demo_territory, bearer):
    for _ in range(3):
        assert post({"text": "采菱一期路灯坏了"}, REMOTE_ADDR="10.1.1.1").status_code == 201
    r = post({"text": "采菱一期路灯坏了"}, REMOTE_ADDR="10.1.1.1")
    assert r.status_code == 429 and r.json()["detail"]
    assert post({"text": "采菱一期路灯坏了"}, REMOTE_ADDR="10.1.1.2").status_code == 201
    # Signed-in staff are not limited by the anonymous bucket.
    assert post({"text": "采菱一期路灯坏了"}, REMOTE_ADDR="10.1.1.1", **bearer("demo-cailing")).status_code == 201
    assert Demand.objects.count() == 5


def test_codes_are_per_community_and_year(demo_territory):
    a = post({"text": "采菱一期路灯坏了"}).json()["code"]
    b = post({"text": "三勤新苑健身器材坏了"}).json()["code"]
    c = post({"text": "采菱二期垃圾没人清"}).json()["code"]
    assert a.endswith("-00001") and a.startswith("CL-")
    assert b.startswith("SQ-") and b.endswith("-00001")
    assert c.startswith("CL-") and c.endswith("-00002")


def test_intake_is_triaged_with_evidence(demo_territory):
    r = post({"text": "采菱一期路灯坏了，晚上黑乎乎的"}).json()
    assert r["category"] == "parking_roads" and r["community"] == "采菱社区"
    d = Demand.objects.get(code=r["code"])
    assert not d.needs_classification and d.triage["evidence"] and d.triage["category_confidence"] >= 0.5


def test_vague_demand_waits_in_to_classify_queue(demo_territory):
    r = post({"text": "有个事情想找社区反映一下"}).json()
    d = Demand.objects.get(code=r["code"])
    assert d.needs_classification
