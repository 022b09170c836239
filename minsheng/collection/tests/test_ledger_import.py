"""`minsheng import-ledger`: all rows or none, every bad row named, re-import creates nothing."""

from datetime import datetime

import pytest
from django.core.management import call_command

from minsheng.collection.services.ledger import export, import_file
from minsheng.demands.models import Demand, DemandEvent

from .ledgers import HEADER, row, write


def run(path, *args):
    with pytest.raises(SystemExit) as e:
        call_command("import-ledger", str(path), *args)
    return e.value.code


def test_import_keeps_history_and_outcomes(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "l.xlsx", [
        row("CL-2025-00042", "2025-10-08 09:15", 渠道="网格员走访", 网格="采菱第一网格", 诉求人="李四",
            联系电话="13900001111", 地点="采菱家园一期3幢", 分类="housing", 紧急="否", 承办人="物业公司",
            派单时间="2025-10-08 10:00", 首次联系时间="2025-10-08 15:00", 办结时间="2025-10-10 17:00",
            回访时间="2025-10-12 09:00", 解决情况="已解决", 满意度="满意"),
        row("CL-2025-00043", datetime(2025, 10, 9, 8, 0), community="三勤社区", text="塘坊排涝站电柜老化"),
    ])
    call_command("import-ledger", str(path))
    assert "新建 2" in capsys.readouterr().out
    d = Demand.objects.get(code="CL-2025-00042")
    assert d.status == "closed" and d.channel == "visit" and d.category == "housing"
    assert d.grid.name == "采菱第一网格" and d.handler_label == "物业公司"
    assert d.resolution == "resolved" and d.satisfaction == "satisfied"
    assert d.received_at.isoformat() == "2025-10-08T01:15:00+00:00"  # local time Asia/Shanghai
    assert (d.contact_deadline - d.assigned_at).total_seconds() == 24 * 3600
    assert [e.action for e in d.events.all()] == ["register", "assign", "contact", "reply", "callback"]
    other = Demand.objects.get(code="CL-2025-00043")
    assert other.community.name == "三勤社区" and other.status == "received"
    # Re-import creates nothing.
    call_command("import-ledger", str(path))
    assert "新建 0，已存在 2" in capsys.readouterr().out
    assert Demand.objects.count() == 2 and DemandEvent.objects.count() == 6


def test_generated_codes_skip_imported_numbers(demo_territory, tmp_path):
    from minsheng.demands.services import register

    write(tmp_path / "l.xlsx", [row("CL-2026-00042", "2026-01-05 09:00")])
    import_file(tmp_path / "l.xlsx")
    d, _ = register(text="采菱一期路灯坏了", channel="online")
    assert d.code == "CL-2026-00043"


def test_every_bad_row_is_listed_and_nothing_is_written(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "bad.xlsx", [
        row("A1", "2026-10-01 08:00"),
        row("A2", "2026-13-01 08:00"),
        row("A3", "2026-10-01 08:00", community="火星社区"),
        row("A1", "2026-10-02 08:00"),
        row("A5", "2026-10-01 08:00", 紧急="可能"),
        row("A6", "2026-10-01 08:00", 满意度="还行"),
        row("A7", "2026-10-01 08:00", 网格="华家第一网格"),
        row("A8", "2026-10-01 08:00", 派单时间="2026-09-30 08:00"),
        row("A9", "2026-10-01 08:00", text=""),
    ])
    assert run(path) == 1
    err = capsys.readouterr().err
    for n, word in [(3, "登记时间"), (4, "火星社区"), (5, "第 2 行重复"), (6, "紧急"), (7, "满意度"),
                    (8, "华家第一网格"), (9, "早于登记时间"), (10, "诉求内容为空")]:
        assert f"第 {n} 行" in err and word in err, (n, word, err)
    assert "第 2 行" not in err.replace("第 2 行重复", "")
    assert not Demand.objects.exists()


def test_missing_headers(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "h.xlsx", [{"编号": "A1"}], header=["编号", "诉求内容"])
    assert run(path) == 1
    assert "登记时间" in capsys.readouterr().err


def test_wrong_sheet_first(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "w.xlsx", [row("A1", "2026-10-01 08:00")], sheet_first=[["说明"], ["本表为台账"]])
    assert run(path) == 1
    assert "必填列" in capsys.readouterr().err


def test_not_an_excel_file(demo_territory, tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_text("not excel")
    assert run(path) == 1
    assert "无法读取" in capsys.readouterr().err


def test_dry_run_writes_nothing(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "l.xlsx", [row("A1", "2026-10-01 08:00")])
    call_command("import-ledger", str(path), "--dry-run")
    assert "可导入 1" in capsys.readouterr().out
    assert not Demand.objects.exists()


def test_blank_category_is_classified_by_the_system(demo_territory, tmp_path):
    write(tmp_path / "l.xlsx", [row("A1", "2026-10-01 08:00", 地点="采菱二期5幢")])
    import_file(tmp_path / "l.xlsx")
    d = Demand.objects.get()
    assert d.triage and d.grid.name == "采菱第五网格"


def test_export_then_import_round_trips(demo_territory, tmp_path):
    write(tmp_path / "l.xlsx", [
        row("CL-2025-00001", "2025-03-01 09:00", 分类="drainage", 紧急="是", 派单时间="2025-03-01 09:30",
            首次联系时间="2025-03-01 10:00", 办结时间="2025-03-01 20:00", 回访时间="2025-03-02 10:00",
            解决情况="部分解决", 满意度="基本满意", 联系电话="13900001111"),
        row("CL-2025-00002", "2025-03-02 09:00", community="夏雷社区", text="新城长岛北门停车难"),
    ])
    import_file(tmp_path / "l.xlsx")
    before = list(Demand.objects.order_by("code").values_list(
        "code", "received_at", "category", "urgent", "assigned_at", "contacted_at", "completed_at", "callback_at",
        "resolution", "satisfaction", "community__name", "status"))
    export(Demand.objects.all(), tmp_path / "out.xlsx")
    assert import_file(tmp_path / "out.xlsx").existing == 2
    Demand.objects.all().delete()
    report = import_file(tmp_path / "out.xlsx")
    assert report.created == 2 and not report.errors
    after = list(Demand.objects.order_by("code").values_list(
        "code", "received_at", "category", "urgent", "assigned_at", "contacted_at", "completed_at", "callback_at",
        "resolution", "satisfaction", "community__name", "status"))
    assert after == before


def test_header_order_does_not_matter(demo_territory, tmp_path):
    header = list(reversed(HEADER))
    write(tmp_path / "r.xlsx", [row("A1", "2026-10-01 08:00")], header=header)
    assert import_file(tmp_path / "r.xlsx").created == 1
