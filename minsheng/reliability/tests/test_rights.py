"""A resident's rights over their personal data (domain.md §7): see, correct, export, ask for deletion
(decided by staff), and the retention rule applied by the periodic job."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from minsheng.accounts.models import PersonalDataRead
from minsheng.core.periodic import JOBS
from minsheng.core.services import run_due
from minsheng.demands import services
from minsheng.demands.models import Demand, DemandEvent
from minsheng.reliability import services as rights
from minsheng.reliability.models import DeletionRequest
from minsheng.territory.models import Community


def users():
    U = get_user_model()
    return {u.username: u for u in U.objects.filter(username__startswith="demo-")}


@pytest.fixture
def mine(demo_territory):
    """Two demands demo-resident reported while signed in, one somebody else reported."""
    u = users()
    cailing = Community.objects.get(name="采菱社区")
    out = []
    for text in ("采菱一期5幢楼道灯不亮", "采菱家园二期12幢下水道堵塞"):
        d, _ = services.register(text=text, channel="online", community=cailing, reporter_name="钱七",
                                 reporter_phone="13855556666", reporter_user=u["demo-resident"], run_triage=False,
                                 category="sanitation")
        out.append(d)
    other, _ = services.register(text="采菱家园垃圾满了", channel="hotline", community=cailing,
                                 reporter_name="孙八", reporter_phone="13977778888", run_triage=False,
                                 category="sanitation")
    return out, other


def test_resident_sees_own_demands_with_personal_data_and_the_read_is_logged(mine, user_client):
    (a, b), other = mine
    r = user_client("demo-resident").get("/me/")
    html = r.content.decode()
    assert r.status_code == 200
    assert a.code in html and b.code in html and other.code not in html
    assert "13855556666" in html and "钱七" in html and "13977778888" not in html
    assert PersonalDataRead.objects.filter(subject=f"demand:{a.code}", via="me").count() == 1
    # The nav links the page for residents, not for desk staff.
    assert 'href="/me/"' in html
    assert 'href="/me/"' not in user_client("demo-cailing").get("/").content.decode()


def test_resident_corrects_name_and_phone(mine, user_client):
    (a, b), other = mine
    client = user_client("demo-resident")
    r = client.post("/me/correct", {"name": "钱七七", "phone": "13900001111"})
    assert r.status_code == 302
    for d in (a, b):
        d.refresh_from_db()
        assert (d.reporter_name, d.reporter_phone) == ("钱七七", "13900001111")
        e = d.events.get(action=rights.CORRECTED)
        assert not e.public and "13855556666" not in json.dumps(e.data, ensure_ascii=False)
    other.refresh_from_db()
    assert other.reporter_phone == "13977778888"
    assert users()["demo-resident"].first_name == "钱七七"
    bad = client.post("/me/correct", {"name": "钱", "phone": "12345"})
    assert bad.status_code == 422 and "有效" in bad.content.decode()
    a.refresh_from_db()
    assert a.reporter_phone == "13900001111"


def test_resident_exports_their_data(mine, user_client):
    (a, b), other = mine
    services.accept(a.code, users()["demo-cailing"])
    user_client("demo-cailing").get(f"/desk/demands/{a.code}/")  # staff saw it: listed in the export
    r = user_client("demo-resident").get("/me/export.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert "attachment" in r["Content-Disposition"]
    data = json.loads(r.content)
    assert data["account"]["username"] == "demo-resident"
    assert {d["code"] for d in data["demands"]} == {a.code, b.code}
    first = next(d for d in data["demands"] if d["code"] == a.code)
    assert first["reporter_phone"] == "13855556666" and [e["action"] for e in first["events"]] == ["register",
                                                                                                   "accept"]
    assert any(x["subject"] == f"demand:{a.code}" for x in data["personal_data_reads"])
    assert other.code not in r.content.decode()


def test_deletion_is_requested_then_approved_by_community_staff(mine, user_client):
    (a, b), other = mine
    resident = user_client("demo-resident")
    assert resident.post("/me/delete", {"reason": "搬家了"}).status_code == 302
    assert "deletion-pending" in resident.get("/me/").content.decode()
    assert resident.post("/me/delete", {}).status_code == 409  # one pending request at a time
    req = DeletionRequest.objects.get()
    # Out of scope: staff of another community cannot see or decide it.
    assert req.user.username not in user_client("demo-sanqin").get("/desk/privacy/").content.decode()
    assert user_client("demo-sanqin").post(f"/desk/privacy/{req.pk}/decide",
                                           {"decision": "approve"}).status_code == 403
    staff = user_client("demo-cailing")
    assert "demo-resident" in staff.get("/desk/privacy/").content.decode()
    events_before = DemandEvent.objects.filter(demand__in=[a, b]).count()
    assert staff.post(f"/desk/privacy/{req.pk}/decide", {"decision": "approve", "note": "已核实"}).status_code == 302
    req.refresh_from_db()
    assert req.state == "approved" and req.demands_blanked == 2 and req.decided_by.username == "demo-cailing"
    for d in (a, b):
        d.refresh_from_db()
        assert d.reporter_name == "" and d.reporter_phone == "" and d.text  # the demand itself stays
        assert d.events.filter(action=rights.ERASED_BY_REQUEST).count() == 1
    # Events are kept (one more per demand), and none of them holds the old phone.
    assert DemandEvent.objects.filter(demand__in=[a, b]).count() == events_before + 2
    assert not DemandEvent.objects.filter(note__contains="13855556666").exists()
    other.refresh_from_db()
    assert other.reporter_phone == "13977778888"
    assert staff.post(f"/desk/privacy/{req.pk}/decide", {"decision": "approve"}).status_code == 409


def test_refused_deletion_changes_nothing(mine, user_client):
    (a, _b), _other = mine
    req = rights.request_deletion(users()["demo-resident"], reason="")
    assert user_client("demo-town").post(f"/desk/privacy/{req.pk}/decide", {"decision": "refuse"}).status_code == 302
    req.refresh_from_db()
    a.refresh_from_db()
    assert req.state == "refused" and a.reporter_phone == "13855556666"


def test_retention_blanks_personal_data_of_long_ended_demands(mine, settings):
    (a, b), other = mine
    settings.MINSHENG_RETENTION_DAYS = 30
    staff = users()["demo-cailing"]
    services.reject(a.code, staff, reason="不属于本社区")
    services.accept(b.code, staff)
    Demand.objects.filter(pk=a.pk).update(closed_at=timezone.now() - timedelta(days=31))
    Demand.objects.filter(pk=other.pk).update(status="closed", closed_at=timezone.now() - timedelta(days=29))
    assert rights.apply_retention() == 1
    a.refresh_from_db()
    b.refresh_from_db()
    other.refresh_from_db()
    assert (a.reporter_name, a.reporter_phone) == ("", "")
    assert a.events.filter(action=rights.ERASED_BY_RETENTION, public=False).count() == 1
    assert b.reporter_phone == "13855556666"  # still open
    assert other.reporter_phone == "13977778888"  # ended, but not long enough ago
    assert rights.apply_retention() == 0  # idempotent


def test_retention_is_a_daily_periodic_job(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = next(j for j in JOBS if j.name == "reliability.apply_retention")
    assert job.daily_at is not None
    # At a fixed local hour after the job's: between midnight and 03:00 it is rightly not due yet.
    after = timezone.localtime().replace(hour=job.daily_at.hour + 1, minute=0)
    assert "reliability.apply_retention" in run_due(after)


def test_anonymous_is_sent_to_sign_in(db):
    for url in ("/me/", "/me/export.json"):
        r = Client().get(url)
        assert r.status_code == 302 and "/login/" in r["Location"]
