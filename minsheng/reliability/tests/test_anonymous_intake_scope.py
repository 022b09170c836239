"""Anonymous intake (issue #17, item 13, two points).

Idempotency-Keys are scoped by caller: an anonymous caller by its client address, a signed-in one by
user. Two anonymous clients that happen to send the same key (or guess another's) each get their own
demand, never the other's answer and tracking token. Anonymous callers file through `online` only.
"""

from __future__ import annotations

from django.test import Client

from minsheng.demands.models import Demand

BODY = {"text": "采菱家园二期12幢下水道堵塞", "reporter_phone": "13812345678"}


def post(client: Client, body: dict = BODY, key: str | None = "shared-key", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/demands", body, content_type="application/json", **headers, **extra)


def test_two_anonymous_clients_with_one_key_get_their_own_demands(demo_territory):
    a, b = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.2")
    first, second = post(a), post(b)
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] != second.json()["code"]
    assert first.json()["tracking_token"] != second.json()["tracking_token"]
    assert Demand.objects.count() == 2
    # Each client's retry still answers its own demand.
    assert post(a).json() == first.json()
    assert post(b).json() == second.json()
    assert Demand.objects.count() == 2


def test_a_user_and_an_anonymous_client_do_not_share_keys(demo_territory, bearer):
    anonymous = post(Client(REMOTE_ADDR="203.0.113.7"))
    signed = post(Client(REMOTE_ADDR="203.0.113.7"), **bearer("demo-cailing"))
    assert anonymous.status_code == signed.status_code == 201
    assert anonymous.json()["code"] != signed.json()["code"]


def test_anonymous_callers_file_online_only(demo_territory, bearer):
    r = post(Client(), {**BODY, "channel": "hotline"}, key=None)
    assert r.status_code == 422
    assert r.json()["field"] == "channel" and "channel" in r.json()["detail"]
    assert Demand.objects.count() == 0
    assert post(Client(), {**BODY, "channel": "online"}, key=None).status_code == 201
    assert post(Client(), BODY, key=None).status_code == 201
    # Staff record what came in by telephone.
    r = post(Client(), {**BODY, "channel": "hotline"}, key=None, **bearer("demo-cailing"))
    assert r.status_code == 201
    assert Demand.objects.get(code=r.json()["code"]).channel == "hotline"
