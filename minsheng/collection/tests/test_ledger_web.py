"""The 民情台账 from the web: upload → preview (every bad row) → confirm (all or none; big files in the
background with progress) and export of a filtered list in the same columns (export → import round-trips)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.accounts.models import PersonalDataRead
from minsheng.collection.models import LedgerImport
from minsheng.collection.services import ledger_web
from minsheng.collection.services.ledger import read
from minsheng.collection.tests.ledgers import HEADER, row, write
from minsheng.demands.models import Demand

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, path, name="台账.xlsx"):
    data = path.read_bytes() if hasattr(path, "read_bytes") else path
    return client.post("/desk/collect/ledger/", {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def rows(n, start=1, community="采菱社区", **kw):
    return [row(f"CL-2025-{i:05d}", f"2025-10-{1 + i % 28:02d} 09:00", community=community,
                text=f"采菱家园一期{i % 24 + 1}幢楼道灯不亮", 联系电话="13812345678", 诉求人="李四", **kw)
            for i in range(start, start + n)]


# --- refusals -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused(user_client, tmp_path):
    c = user_client("demo-cailing")
    r = upload(c, b"code,text\n1,hello\n", name="台账.csv")
    assert r.status_code == 422 and "只接受 Excel" in r.content.decode()
    r = upload(c, b"this is not a spreadsheet", name="台账.xlsx")
    assert r.status_code == 422
    r = upload(c, b"PK\x03\x04 but not really a zip", name="台账.xlsx")  # looks like one, is not
    imp = LedgerImport.objects.get()
    assert r.status_code == 302 and imp.state == "invalid"
    page = c.get(r["Location"])
    assert page.status_code == 422 and "无法读取 Excel 文件" in page.content.decode()
    r = c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    assert r.status_code == 409 and "不能再次导入" in r.content.decode()
    imp.refresh_from_db()
    assert imp.state == "invalid" and not Demand.objects.exists()


def test_wrong_sheet_and_missing_headers(user_client, tmp_path):
    c = user_client("demo-cailing")
    # The ledger is on the second sheet; the first one is a cover page.
    path = write(tmp_path / "cover.xlsx", rows(2), sheet_first=[["湖塘镇民情台账"], ["2025年10月"]])
    page = c.get(upload(c, path)["Location"])
    assert page.status_code == 422 and "第一行缺少必填列：编号、登记时间、社区、诉求内容" in page.content.decode()
    path = write(tmp_path / "headers.xlsx", [{"编号": "A1", "诉求内容": "路灯坏了"}], header=["编号", "诉求内容"])
    page = c.get(upload(c, path)["Location"])
    assert page.status_code == 422 and "缺少必填列：登记时间、社区" in page.content.decode()
    assert not Demand.objects.exists()


def test_every_bad_row_is_listed_and_nothing_is_imported(user_client, tmp_path):
    c = user_client("demo-cailing")
    path = write(tmp_path / "bad.xlsx", [
        row("CL-2025-00001", "2025-10-01 08:00"),
        row("CL-2025-00002", "2025-13-01 08:00"),
        row("CL-2025-00003", "2025-10-01 08:00", community="火星社区"),
        row("CL-2025-00001", "2025-10-02 08:00"),
        row("CL-2025-00005", "十月一日"),
        row("CL-2025-00006", "2025-10-01 08:00"),
    ])
    r = upload(c, path)
    imp = LedgerImport.objects.get()
    assert imp.state == "invalid" and imp.rows == 6
    assert [n for n, _reason in imp.errors] == [3, 4, 5, 6]
    page = c.get(r["Location"])
    html = page.content.decode()
    assert page.status_code == 422
    for n, reason in ((3, "登记时间"), (4, "社区“火星社区”不存在"), (5, "与第 2 行重复"), (6, "格式应为")):
        assert f'data-row="{n}"' in html and reason in html
    assert 'data-testid="confirm"' not in html
    assert c.post(f"/desk/collect/ledger/{imp.pk}/confirm").status_code == 409
    assert not Demand.objects.exists()


def test_rows_of_another_community_and_who_may_import(user_client, tmp_path):
    path = write(tmp_path / "l.xlsx", rows(2) + rows(1, start=10, community="三勤社区"))
    r = upload(user_client("demo-sanqin"), path)
    imp = LedgerImport.objects.get()
    assert imp.state == "invalid" and [n for n, _r in imp.errors] == [2, 3]
    assert "不在您的辖区" in imp.errors[0][1]
    assert user_client("demo-sanqin").get(r["Location"]).status_code == 422
    # Only the uploader sees the upload; a grid worker may not import at all.
    assert user_client("demo-cailing").get(r["Location"]).status_code == 404
    r = upload(user_client("demo-cailing-grid"), path)
    assert r.status_code == 403 and LedgerImport.objects.count() == 1


# --- importing ----------------------------------------------------------------------------------


def test_small_ledger_previews_then_imports_and_reimport_creates_nothing(user_client, tmp_path):
    c = user_client("demo-cailing")
    path = write(tmp_path / "l.xlsx", rows(3, 网格="采菱第一网格"))
    r = upload(c, path)
    page = c.get(r["Location"]).content.decode()
    assert "共 3 行，0 行有误" in page and "可新建 3 件" in page
    assert "CL-2025-00001" in page and "138****5678" in page and "13812345678" not in page
    imp = LedgerImport.objects.get()
    r = c.post(f"/desk/collect/ledger/{imp.pk}/confirm", follow=True)
    imp.refresh_from_db()
    assert imp.state == "done" and (imp.created, imp.existing) == (3, 0)
    assert "导入完成：新建 3，已存在 0" in r.content.decode()
    d = Demand.objects.get(code="CL-2025-00001")
    assert d.source_ref == "ledger" and d.grid.name == "采菱第一网格" and d.reporter_phone == "13812345678"
    # Confirming again does nothing; uploading again imports nothing new.
    assert c.post(f"/desk/collect/ledger/{imp.pk}/confirm").status_code == 409
    r = upload(c, path)
    again = LedgerImport.objects.exclude(pk=imp.pk).get()
    assert again.new_rows == 0 and "可新建 0 件" in c.get(r["Location"]).content.decode()
    c.post(f"/desk/collect/ledger/{again.pk}/confirm")
    again.refresh_from_db()
    assert (again.state, again.created, again.existing) == ("done", 0, 3)
    assert Demand.objects.count() == 3


def test_big_ledger_is_queued_for_the_background_with_progress(user_client, tmp_path, settings, monkeypatch):
    from django.test import TestCase
    from django_tasks_db.models import DBTaskResult

    settings.MINSHENG_LEDGER_SYNC_ROWS = 5
    monkeypatch.setattr(ledger_web, "CHUNK", 4)
    c = user_client("demo-cailing")
    upload(c, write(tmp_path / "big.xlsx", rows(12)))
    imp = LedgerImport.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    imp.refresh_from_db()
    assert imp.state == "queued" and not Demand.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "minsheng.collection.tasks.import_ledger" and task.args_kwargs["args"] == [imp.pk]
    status = c.get(f"/desk/collect/ledger/{imp.pk}/status").content.decode()
    assert 'hx-trigger="every 1s"' in status and "排队中" in status  # the page keeps polling

    seen = []
    real = ledger_web._progress
    monkeypatch.setattr(ledger_web, "_progress", lambda pk, p, m, side=False: (seen.append((p, m)), real(pk, p, m, side=side)))
    from minsheng.collection.tasks import import_ledger

    import_ledger.call(imp.pk)
    imp.refresh_from_db()
    assert imp.state == "done" and imp.progress == 100 and imp.created == 12
    assert [m for _p, m in seen][-3:] == ["已写入 4 / 12 行", "已写入 8 / 12 行", "已写入 12 / 12 行"]
    assert [p for p, _m in seen] == sorted(p for p, _m in seen)
    status = c.get(f"/desk/collect/ledger/{imp.pk}/status").content.decode()
    assert "hx-trigger" not in status and "导入完成：新建 12，已存在 0。" in status  # polling stops
    assert Demand.objects.count() == 12


def test_a_ledger_broken_after_preview_imports_nothing(user_client, tmp_path, settings):
    c = user_client("demo-cailing")
    path = write(tmp_path / "l.xlsx", rows(3))
    upload(c, path)
    imp = LedgerImport.objects.get()
    # The community's name changed between preview and confirmation: the import re-checks everything.
    from minsheng.territory.models import Community

    Community.objects.filter(name="采菱社区").update(name="采菱新社区")
    c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    imp.refresh_from_db()
    assert imp.state == "failed" and len(imp.errors) == 3 and not Demand.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_import(demo_territory, user_client, tmp_path, settings):
    settings.MINSHENG_LEDGER_SYNC_ROWS = 2
    c = user_client("demo-cailing")
    upload(c, write(tmp_path / "big.xlsx", rows(6)))
    imp = LedgerImport.objects.get()
    c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    assert LedgerImport.objects.get().state == "queued"
    call_command("worker", "--once", "--no-periodic")
    imp.refresh_from_db()
    assert imp.state == "done" and imp.created == 6 and Demand.objects.count() == 6


# --- export -------------------------------------------------------------------------------------


def make_demands():
    from minsheng.demands import services

    a, _ = services.register(text="采菱家园二期12幢下水道堵塞", channel="online", reporter_name="张三",
                             reporter_phone="13812345678")
    b, _ = services.register(text="采菱家园一期3幢楼道灯不亮", channel="visit", reporter_name="李四",
                             reporter_phone="13900001111", received_at=timezone.now() - timedelta(days=2))
    c, _ = services.register(text="三勤新苑健身路径塑胶地面破损", channel="forum", reporter_name="王五",
                             reporter_phone="13700002222")
    return a, b, c


def sheet(response):
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    return body, values[0], values[1:]


def test_community_staff_export_their_demands_in_full_and_it_is_audited(user_client, demo_territory):
    a, b, other = make_demands()
    r = user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"] == XLSX and r["X-Minsheng-Masked"] == "0"
    _body, header, data = sheet(r)
    assert list(header[:18]) == HEADER
    assert [row[0] for row in data] == [b.code, a.code]  # oldest first; 三勤's demand is not visible
    assert data[1][5:7] == ("张三", "13812345678")
    logged = set(PersonalDataRead.objects.filter(via="ledger-export").values_list("subject", flat=True))
    assert logged == {f"demand:{a.code}", f"demand:{b.code}"}


def test_others_get_masked_personal_data(user_client, demo_territory):
    make_demands()
    r = user_client("demo-town").get("/desk/collect/ledger/export.xlsx")
    _body, _header, data = sheet(r)
    assert r["X-Minsheng-Masked"] == "1" and len(data) == 3
    assert {row[6] for row in data} == {"138****5678", "139****1111", "137****2222"}
    assert {row[5] for row in data} == {"张*", "李*", "王*"}
    grid = user_client("demo-cailing-grid").get("/desk/collect/ledger/export.xlsx")
    assert grid["X-Minsheng-Masked"] == "1"
    assert not PersonalDataRead.objects.exists()


def test_export_follows_the_filters(user_client, demo_territory):
    a, b, _other = make_demands()
    _body, _h, data = sheet(user_client("demo-town").get("/desk/collect/ledger/export.xlsx?community=三勤社区"))
    assert len(data) == 1 and data[0][3] == "三勤社区"
    _body, _h, data = sheet(user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx?q=楼道灯"))
    assert [r[0] for r in data] == [b.code]
    _body, _h, data = sheet(user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx?status=closed"))
    assert data == []


def test_export_then_import_round_trips(user_client, demo_territory, tmp_path):
    a, b, _other = make_demands()
    body, _h, _data = sheet(user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx"))
    path = tmp_path / "export.xlsx"
    path.write_bytes(body)
    good, report = read(path)
    assert report.errors == [] and report.rows == 2
    by_code = {r.code: r for r in good}
    assert by_code[a.code].text == a.text and by_code[a.code].reporter_phone == "13812345678"
    assert by_code[b.code].channel == "visit" and by_code[a.code].category == a.category
    assert by_code[a.code].received_at == a.received_at.replace(second=0, microsecond=0)
    # Importing it back through the page creates nothing new.
    c = user_client("demo-cailing")
    upload(c, path)
    imp = LedgerImport.objects.get()
    assert imp.state == "ready" and imp.new_rows == 0
    c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    imp.refresh_from_db()
    assert (imp.state, imp.created, imp.existing) == ("done", 0, 2) and Demand.objects.count() == 3


def test_a_masked_export_imports_into_an_empty_install(user_client, demo_territory, tmp_path):
    make_demands()
    body, _h, _data = sheet(user_client("demo-town").get("/desk/collect/ledger/export.xlsx"))
    Demand.objects.all().delete()
    path = tmp_path / "masked.xlsx"
    path.write_bytes(body)
    c = user_client("demo-town")
    upload(c, path)
    imp = LedgerImport.objects.get()
    c.post(f"/desk/collect/ledger/{imp.pk}/confirm")
    imp.refresh_from_db()
    assert imp.state == "done" and imp.created == 3
    assert set(Demand.objects.values_list("reporter_phone", flat=True)) == {""}  # masked numbers are not kept


def test_ledger_page(user_client, demo_territory):
    page = user_client("demo-cailing").get("/desk/collect/ledger/").content.decode()
    assert "上传并预览" in page and "导出 Excel" in page
    page = user_client("demo-cailing-grid").get("/desk/collect/ledger/").content.decode()
    assert "上传并预览" not in page and "导出 Excel" in page

