"""Erasure and retention reach every copy of a reporter's personal data (issue #17, item 7).

After a resident's deletion request is approved, or after retention, the reporter's phone and name
(in full or masked) are in no row of any table and in no file kept on disk — not in notification rows
(address, body), idempotency records, opinion-form answers, chat exports or ledger uploads and their
previews. The demands and their events stay.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.utils import timezone

from minsheng.demands import services
from minsheng.demands.models import Demand, IdempotencyRecord
from minsheng.notifications.models import Notification
from minsheng.reliability import services as rights
from minsheng.territory.models import Community

PHONE = "13855556666"
MASKED = "138****6666"
NAME = "钱七某"


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _copies(*needles: str) -> list[str]:
    """Every row (model.field#pk) in every table whose text holds one of the needles."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField, models.BinaryField))]
        if not fields:
            continue
        for row in model.objects.values_list("pk", *fields).iterator():
            for name, value in zip(fields, row[1:], strict=True):
                text = value.decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else str(value)
                if any(n in text for n in needles):
                    found.append(f"{model._meta.label}.{name}#{row[0]}")
    return found


def _files_with(*needles: str) -> list[str]:
    found = []
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
            text = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
        if any(n in text for n in needles):
            found.append(str(path))
    return found


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_approved_deletion_leaves_no_copy(demo_territory, bearer, media):
    from minsheng.collection.models import FormAnswer, FormResponse, OpinionForm, Question
    from minsheng.collection.services.opinion import answer_to_demand

    resident, staff = _user("demo-resident"), _user("demo-cailing")
    cailing = Community.objects.get(name="采菱社区")
    # 1. Through the API, signed in, with an Idempotency-Key (the answer is kept for retries).
    r = Client().post("/api/v1/demands", {"text": "采菱一期5幢楼道灯不亮", "community": "采菱社区",
                                          "reporter_name": NAME, "reporter_phone": PHONE},
                      content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **bearer("demo-resident"))
    assert r.status_code == 201
    d = Demand.objects.get(code=r.json()["code"])
    services.accept(d, staff)
    # 2. Through an opinion form answered under their name and turned into a demand by staff.
    form = OpinionForm.objects.create(community=cailing, title="民情征求意见表", token="erase-test", state="open")
    q = Question.objects.create(form=form, kind="text", text="您还有什么意见？")
    resp = FormResponse.objects.create(form=form, respondent=resident, respondent_name=NAME, anonymous=False)
    answer = FormAnswer.objects.create(response=resp, question=q, text="采菱家园二期12幢下水道堵塞")
    from_form, _created = answer_to_demand(form, staff, answer.pk)
    assert from_form.reporter_name == NAME
    assert Notification.objects.filter(address=PHONE).exists()
    assert _copies(PHONE, NAME)  # the copies are there to begin with

    req = rights.request_deletion(resident)
    rights.decide(req.pk, staff, approve=True)

    assert _copies(PHONE, NAME, MASKED) == []
    assert _files_with(PHONE, NAME) == []
    # The answer kept for retries (it holds the tracking token) is gone; the demands and events stay.
    assert not IdempotencyRecord.objects.filter(demand=d).exists()
    assert Demand.objects.filter(pk__in=[d.pk, from_form.pk]).count() == 2
    assert d.events.filter(action="erase_personal").exists()


def _ledger(rows: list[list]) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "登记时间", "社区", "诉求内容", "诉求人", "联系电话", "派单时间", "首次联系时间", "办结时间",
               "回访时间", "解决情况", "满意度"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("台账.xlsx", out.getvalue())


def test_retention_leaves_no_copy(demo_territory, media, settings):
    from minsheng.collection.models import LedgerImport
    from minsheng.collection.services import ledger_web

    staff = _user("demo-cailing")
    row = ["CL-2023-00077", "2023-03-01 09:00", "采菱社区", "采菱家园3幢门口积水", NAME, PHONE, "2023-03-01 10:00",
           "2023-03-01 11:00", "2023-03-02 09:00", "2023-03-03 09:00", "已解决", "满意"]
    # A closed demand from an old ledger uploaded through the web: once imported, the file is not kept…
    imp = ledger_web.upload(staff, _ledger([row]))
    assert imp.state == "ready", imp.errors
    assert _files_with(PHONE)
    ledger_web.confirm(imp, staff)
    assert _files_with(PHONE) == []
    old = Demand.objects.get(code="CL-2023-00077")
    assert old.status == "closed" and old.reporter_phone == PHONE
    # …and an upload of it never imported is kept a day at most.
    again = ledger_web.upload(staff, _ledger([row]))
    assert again.state == "ready" and _files_with(PHONE)
    LedgerImport.objects.filter(pk=again.pk).update(created_at=timezone.now() - timedelta(hours=25))
    # One registered online and closed long ago, with the reporter told by SMS at every step.
    d, _token = services.register(text="采菱一期5幢楼道灯不亮", channel="online", community=old.community,
                                  reporter_name=NAME, reporter_phone=PHONE, run_triage=False, category="sanitation")
    services.accept(d, staff)
    services.answer(Demand.objects.get(pk=d.pk), staff, reply="已修好")
    services.callback(Demand.objects.get(pk=d.pk), staff, resolution="resolved", satisfaction="satisfied")
    services.close(Demand.objects.get(pk=d.pk), staff)
    long_ago = timezone.now() - timedelta(days=settings.MINSHENG_RETENTION_DAYS + 1)
    Demand.objects.filter(pk=d.pk).update(closed_at=long_ago)
    assert Notification.objects.filter(address=PHONE, demand_code=d.code).count() >= 3

    assert rights.apply_retention() == 2

    assert _copies(PHONE, NAME, MASKED) == []
    assert _files_with(PHONE, NAME) == []
    assert Demand.objects.get(pk=d.pk).status == "closed"
    assert LedgerImport.objects.get(pk=again.pk).state == "invalid"  # it can no longer be imported


def test_retention_drops_answers_kept_for_retries(demo_territory, settings):
    from minsheng.demands.models import IdempotencyRecord

    r = Client().post("/api/v1/demands", {"text": "采菱一期5幢楼道灯不亮", "community": "采菱社区"},
                      content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert r.status_code == 201 and IdempotencyRecord.objects.count() == 1
    rights.apply_retention()
    assert IdempotencyRecord.objects.count() == 1  # still within its keep time
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.MINSHENG_IDEMPOTENCY_KEEP_HOURS + 1))
    rights.apply_retention()
    assert IdempotencyRecord.objects.count() == 0
