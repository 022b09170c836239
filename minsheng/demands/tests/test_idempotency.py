"""A retry with the same Idempotency-Key gets the same answer, never a second demand."""


import pytest
from django.test import Client

from minsheng.core.tests.threads import run_in_threads
from minsheng.demands.models import Demand

BODY = {"text": "采菱家园二期12幢下水道堵塞", "reporter_phone": "13812345678"}


def post(body=BODY, key="k-1", **extra):
    return Client().post("/api/v1/demands", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_retry_gets_the_same_answer(demo_territory):
    first = post()
    second = post()
    assert first.status_code == 201 and second.status_code == 201
    assert first.json() == second.json()
    assert Demand.objects.count() == 1


def test_same_key_with_another_body_is_refused(demo_territory):
    post()
    r = post({"text": "别的事情"})
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["detail"]
    assert Demand.objects.count() == 1


def test_different_keys_make_different_demands(demo_territory):
    post(key="a")
    post(key="b")
    assert Demand.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_keys_create_one_demand():
    from minsheng.demo.loaders import load_all

    load_all(territory_only=True)
    answers = run_in_threads(lambda: post(key="same-key"), 6)
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["code"] for r in answers}) == 1
    assert Demand.objects.count() == 1
