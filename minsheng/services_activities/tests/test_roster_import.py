"""Roster import from Excel: all rows or none, every bad row named, re-import creates nothing."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from minsheng.services_activities.importer import RosterError, import_file
from minsheng.services_activities.models import Household, Member

HEADER = ["社区", "网格", "楼幢", "房号", "地址", "姓名", "出生日期", "联系电话", "独居", "关爱标记"]


def write(path, rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    wb.save(path)
    return path


def good_rows():
    return [
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "2单元301", "姓名": "周玉兰",
         "出生日期": datetime(1934, 12, 25), "联系电话": "13812345678", "独居": "是", "关爱标记": "高龄、独居"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "2单元302", "姓名": "吴根生", "出生日期": "1948-06-01"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "2单元302", "姓名": "吴美玲", "出生日期": "1950/07/02",
         "关爱标记": "残疾"},
        {"社区": "三勤社区", "网格": "三勤第四网格", "地址": "塘坊自然村13号", "姓名": "陶福林", "出生日期": "1939-01-15",
         "独居": "是", "关爱标记": "低保"},
    ]


def test_import_then_reimport_creates_nothing_twice(demo_territory, tmp_path):
    path = write(tmp_path / "r.xlsx", good_rows())
    report = import_file(path)
    assert not report.errors
    assert (report.rows, report.households_created, report.created) == (4, 3, 4)
    zhou = Member.objects.get(name="周玉兰")
    assert zhou.living_alone and zhou.phone == "13812345678" and zhou.household.grid.name == "采菱第一网格"
    assert zhou.household.address == "采菱家园一期3幢2单元301" and zhou.household.building.name == "采菱家园一期3幢"
    tao = Member.objects.get(name="陶福林")
    assert tao.low_income and tao.household.address == "塘坊自然村13号" and tao.household.building is None
    assert Member.objects.get(name="吴美玲").disabled
    again = import_file(path)
    assert (again.households_created, again.created, again.updated, again.unchanged) == (0, 0, 0, 4)
    assert Household.objects.count() == 3 and Member.objects.count() == 4


def test_reimport_updates_changed_phone_and_flags(demo_territory, tmp_path):
    import_file(write(tmp_path / "r.xlsx", good_rows()))
    rows = good_rows()
    rows[1]["联系电话"] = "13900002222"
    rows[1]["独居"] = "是"
    rows[0]["联系电话"] = "138****5678"  # a masked number keeps what is on record
    report = import_file(write(tmp_path / "r2.xlsx", rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    wu = Member.objects.get(name="吴根生")
    assert wu.phone == "13900002222" and wu.living_alone
    assert Member.objects.get(name="周玉兰").phone == "13812345678"


def test_every_bad_row_is_listed_and_nothing_is_written(demo_territory, tmp_path, capsys):
    rows = good_rows() + [
        {"社区": "火星社区", "地址": "1号", "姓名": "甲", "出生日期": "1950-01-01"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "1单元101", "姓名": "", "出生日期": "1950-01-01"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "1单元102", "姓名": "乙", "出生日期": "1950-13-01"},
        {"社区": "采菱社区", "楼幢": "采菱家园九期1幢", "房号": "1", "姓名": "丙", "出生日期": "1950-01-01"},
        {"社区": "采菱社区", "网格": "三勤第四网格", "地址": "某号", "姓名": "丁", "出生日期": "1950-01-01"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "1单元103", "姓名": "戊", "出生日期": "1950-01-01",
         "联系电话": "12345", "独居": "可能", "关爱标记": "富裕"},
        {"社区": "采菱社区", "楼幢": "采菱家园一期3幢", "房号": "2单元302", "姓名": "吴根生", "出生日期": "1948-06-01"},
        {"社区": "采菱社区", "地址": "采菱路1号", "姓名": "己", "出生日期": "2100-01-01"},
    ]
    path = write(tmp_path / "bad.xlsx", rows)
    report = import_file(path)
    errors = dict(report.errors)
    assert sorted(errors) == [6, 7, 8, 9, 10, 11, 12, 13]
    assert "火星社区" in errors[6]
    assert "姓名为空" in errors[7]
    assert "出生日期" in errors[8]
    assert "采菱家园九期1幢" in errors[9]
    assert "三勤第四网格" in errors[10]
    assert "联系电话" in errors[11] and "独居" in errors[11] and "富裕" in errors[11]
    assert "第 3 行" in errors[12]
    assert "网格为空" in errors[13] and "不合理" in errors[13]
    assert not Member.objects.exists() and not Household.objects.exists()
    with pytest.raises(SystemExit) as e:
        call_command("import-roster", str(path))
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "第 6 行" in err and "第 13 行" in err and "未导入任何数据" in err
    assert not Member.objects.exists()


def test_missing_headers_and_unreadable_files(demo_territory, tmp_path):
    with pytest.raises(RosterError, match="出生日期"):
        import_file(write(tmp_path / "h.xlsx", [], header=["社区", "姓名"]))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(RosterError):
        import_file(junk)


def test_command_dry_run_and_import(demo_territory, tmp_path, capsys):
    path = write(tmp_path / "r.xlsx", good_rows())
    call_command("import-roster", str(path), "--dry-run")
    assert "可导入 3 户、4 人" in capsys.readouterr().out and not Member.objects.exists()
    call_command("import-roster", str(path))
    assert "新建 3 户、4 人" in capsys.readouterr().out and Member.objects.count() == 4


def test_upload_by_staff_only_for_their_community(api, tmp_path):
    path = write(tmp_path / "r.xlsx", good_rows())

    def upload(user):
        with open(path, "rb") as fh:
            return api(user).upload("/api/v1/roster/import", {"file": SimpleUploadedFile("r.xlsx", fh.read())})

    assert upload("demo-town").status_code == 403
    r = upload("demo-cailing")  # the 三勤 row is not theirs: nothing is written
    assert r.status_code == 422
    assert r.json()["errors"] == [{"row": 5, "reason": "无权导入三勤社区的花名册"}]
    assert not Member.objects.exists()
    path = write(tmp_path / "r.xlsx", good_rows()[:3])
    r = upload("demo-cailing")
    assert r.status_code == 200 and r.json()["created"] == 3


def test_import_page(user_client, tmp_path):
    path = write(tmp_path / "r.xlsx", good_rows()[:3] + [{"社区": "采菱社区", "姓名": "庚", "出生日期": "x"}])
    client = user_client("demo-cailing")
    with open(path, "rb") as fh:
        r = client.post("/desk/roster/import/", {"file": SimpleUploadedFile("r.xlsx", fh.read())})
    assert r.status_code == 422
    html = r.content.decode()
    assert "未导入任何数据" in html and "<td>5</td>" in html
    assert not Member.objects.exists()
