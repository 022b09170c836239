"""SQLite's write transactions queue on a file lock beside the database (minsheng/core/sqlite)."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from minsheng.core.tests.threads import run_in_threads
from minsheng.demands.models import CodeCounter

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the write queue is SQLite's")


def queue_file() -> str:
    return f"{connection.settings_dict['NAME']}.write-queue"


def queue_is_free() -> bool:
    """Whether another open file (as another process would) can take the queue now."""
    fd = os.open(queue_file(), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_the_queue_is_held_for_the_transaction_only():
    assert queue_is_free()
    with transaction.atomic():
        CodeCounter.objects.create(prefix="Q", year=2026)
        assert not queue_is_free()
        with transaction.atomic():  # a savepoint does not queue again
            assert not queue_is_free()
    assert queue_is_free()
    assert CodeCounter.objects.filter(prefix="Q").exists()

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        CodeCounter.objects.create(prefix="R", year=2026)
        1 / 0  # noqa: B018
    assert queue_is_free()
    assert not CodeCounter.objects.filter(prefix="R").exists()

    with transaction.atomic():
        connection.close()  # closed mid-transaction (a dropped worker): the queue is let go
    assert queue_is_free()


@pytest.mark.django_db(transaction=True)
def test_concurrent_read_modify_write_transactions_lose_nothing():
    """Eight threads (each with its own connection and queue file) add 25 each, with a pause inside."""
    CodeCounter.objects.create(prefix="C", year=2026, last=0)

    def work():
        for _ in range(25):
            with transaction.atomic():
                row = CodeCounter.objects.get(prefix="C", year=2026)
                time.sleep(0.0005)
                row.last += 1
                row.save(update_fields=["last"])

    run_in_threads(work, 8)
    assert CodeCounter.objects.get(prefix="C", year=2026).last == 200
    assert queue_is_free()


@pytest.mark.django_db(transaction=True)
def test_a_wait_longer_than_the_timeout_fails_instead_of_hanging():
    fd = os.open(queue_file(), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process holds the queue
    outcome: dict = {}

    def work():
        conn = connections["default"]
        conn.settings_dict = {**conn.settings_dict, "OPTIONS": {**conn.settings_dict["OPTIONS"], "timeout": 0.3}}
        started = time.monotonic()
        try:
            with transaction.atomic():
                CodeCounter.objects.create(prefix="T", year=2026)
        except OperationalError as e:
            outcome["error"] = str(e)
        outcome["waited"] = time.monotonic() - started
        conn.close()

    try:
        t = threading.Thread(target=work)
        t.start()
        t.join(10)
        assert not t.is_alive()
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert "database is locked" in outcome["error"]
    assert 0.3 <= outcome["waited"] < 5
    assert not CodeCounter.objects.filter(prefix="T").exists()
    with transaction.atomic():  # and the queue works again once the holder lets go
        CodeCounter.objects.create(prefix="T", year=2026)


@pytest.mark.django_db(transaction=True)
def test_threads_of_one_process_queue_in_turn_and_time_out_too():
    """Behind another thread of the same process a transaction waits its turn (on the process's own
    lock), and gives up after the timeout like behind another process."""
    holding, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def holder():
        with transaction.atomic():
            CodeCounter.objects.create(prefix="H", year=2026)
            holding.set()
            release.wait(10)
        connections["default"].close()

    def waiter(timeout: float, prefix: str):
        conn = connections["default"]
        conn.settings_dict = {**conn.settings_dict, "OPTIONS": {**conn.settings_dict["OPTIONS"], "timeout": timeout}}
        started = time.monotonic()
        try:
            with transaction.atomic():
                CodeCounter.objects.create(prefix=prefix, year=2026)
            outcome[prefix] = "done"
        except OperationalError as e:
            outcome[prefix] = str(e)
        outcome[prefix + "_waited"] = time.monotonic() - started
        conn.close()

    h = threading.Thread(target=holder)
    h.start()
    assert holding.wait(10)
    late = threading.Thread(target=waiter, args=(0.3, "L"))
    late.start()
    late.join(10)
    assert "database is locked" in outcome["L"] and 0.3 <= outcome["L_waited"] < 5
    patient = threading.Thread(target=waiter, args=(10, "P"))
    patient.start()
    time.sleep(0.2)
    release.set()
    h.join(10)
    patient.join(10)
    assert outcome["P"] == "done"
    assert set(CodeCounter.objects.filter(prefix__in="HLP").values_list("prefix", flat=True)) == {"H", "P"}
    assert queue_is_free()


@pytest.mark.django_db(transaction=True)
def test_a_request_that_cannot_get_the_database_answers_503_and_changes_nothing(client, demo_territory):
    from minsheng.demands.models import Demand

    options = connection.settings_dict["OPTIONS"]
    saved = options.get("timeout")
    fd = os.open(queue_file(), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a long write elsewhere
    try:
        options["timeout"] = 0.2
        r = client.post("/api/v1/demands", {"text": "采菱公园路灯不亮", "channel": "online"},
                        content_type="application/json")
    finally:
        options["timeout"] = saved
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert "稍后" in r.json()["detail"]
    assert Demand.objects.count() == 0
    r = client.post("/api/v1/demands", {"text": "采菱公园路灯不亮", "channel": "online"},
                    content_type="application/json")
    assert r.status_code == 201
