"""Targeted lists: exact ages on a given date, elderly living alone in flood-prone grids, scoped to what
the caller may see; exports carry the fewest fields and are audit-logged."""

import io
from datetime import date

from openpyxl import load_workbook

from minsheng.accounts.models import PersonalDataRead
from minsheng.services_activities.models import Member
from minsheng.services_activities.services import set_flood_prone
from minsheng.services_activities.targeting import Criteria, age_on, apply, latest_birth_for_age
from minsheng.territory.models import Grid

CHONGYANG = date(2026, 10, 18)


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_age_arithmetic():
    assert age_on(date(1936, 10, 18), CHONGYANG) == 90
    assert age_on(date(1936, 10, 19), CHONGYANG) == 89
    # Born on 29 February: a year older on 1 March in a common year, on 29 February in a leap year.
    assert age_on(date(1936, 2, 29), date(2026, 2, 28)) == 89
    assert age_on(date(1936, 2, 29), date(2026, 3, 1)) == 90
    assert age_on(date(1936, 2, 29), date(2028, 2, 29)) == 92
    assert latest_birth_for_age(date(2028, 2, 29), 90) == date(1938, 2, 28)
    assert latest_birth_for_age(CHONGYANG, 90) == date(1936, 10, 18)


def test_aged_90_or_more_on_the_day(person):
    person("甲", date(1930, 1, 1))
    person("乙", date(1936, 10, 18))  # 90 that very day
    person("丙", date(1936, 10, 19))  # 90 the day after
    person("丁", date(1936, 2, 29))
    person("戊", date(1960, 5, 5))
    person("己", date(1931, 3, 3), building="三勤新苑2幢")  # another community
    gone = person("庚", date(1925, 1, 1))
    gone.active = False
    gone.save()
    qs = Member.objects.filter(household__community__name="采菱社区")
    assert names(apply(qs, Criteria(min_age=90), on=CHONGYANG)) == ["丁", "乙", "甲"]
    assert names(apply(qs, Criteria(min_age=90), on=date(2026, 10, 19))) == ["丁", "丙", "乙", "甲"]
    # 丁 (29 Feb 1936) turns 90 on 1 March 2026.
    assert "丁" not in names(apply(qs, Criteria(min_age=90), on=date(2026, 2, 28)))
    assert "丁" in names(apply(qs, Criteria(min_age=90), on=date(2026, 3, 1)))
    assert names(apply(qs, Criteria(min_age=60, max_age=89), on=CHONGYANG)) == ["丙", "戊"]


def test_elderly_living_alone_in_flood_prone_grids(person):
    person("独一", date(1940, 1, 1), building="三勤新苑2幢", living_alone=True)  # 三勤第二网格
    person("独二", date(1945, 1, 1), building=None, grid="三勤第四网格", address="塘坊自然村4号", living_alone=True)
    person("同住", date(1941, 1, 1), building=None, grid="三勤第四网格", address="塘坊自然村7号")
    person("年轻独居", date(1990, 1, 1), building=None, grid="三勤第四网格", address="塘坊自然村10号",
           living_alone=True)
    person("高处独居", date(1938, 1, 1), building=None, grid="三勤第一网格", address="三勤路1号", living_alone=True)
    for g in ("三勤第二网格", "三勤第四网格"):
        set_flood_prone(Grid.objects.get(name=g), None, flood_prone=True, check=False)
    c = Criteria(min_age=60, living_alone=True, flood_prone=True)
    qs = Member.objects.filter(household__community__name="三勤社区")
    assert names(apply(qs, c, on=CHONGYANG)) == ["独一", "独二"]
    assert c.describe() == "易涝网格60岁以上独居老人"
    set_flood_prone(Grid.objects.get(name="三勤第二网格"), None, flood_prone=False, check=False)
    assert names(apply(qs, c, on=CHONGYANG)) == ["独二"]


def test_list_api_is_masked_and_scoped(api, person):
    person("周秀英", date(1931, 1, 1), phone="13811112222")
    person("郑桂英", date(1932, 1, 1), building="采菱家园二期5幢")  # 采菱第五网格
    staff = api("demo-cailing").get("/api/v1/roster/targeted", community="采菱社区", min_age=90,
                                    on="2026-10-18").json()
    assert staff["count"] == 2 and staff["target"] == "采菱社区90岁以上高龄老人"
    assert {r["name"] for r in staff["items"]} == {"周**", "郑**"}
    grid = api("demo-cailing-grid").get("/api/v1/roster/targeted", community="采菱社区", min_age=90).json()
    assert [r["name"] for r in grid["items"]] == ["周**"]
    assert api("demo-town").get("/api/v1/roster/targeted", community="采菱社区", min_age=90).status_code == 403
    assert not PersonalDataRead.objects.exists()


def read_xlsx(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_export_has_minimal_fields_and_is_logged(api, person):
    person("周秀英", date(1931, 1, 1), phone="13811112222", living_alone=True)
    grid = api("demo-cailing-grid").client.get(
        "/api/v1/roster/targeted/export", {"community": "采菱社区", "min_age": 90, "on": "2026-10-18",
                                           "include_phone": "true"}, **api("demo-cailing-grid").headers)
    assert grid.status_code == 200 and grid["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(grid.content)
    assert rows[1] == ["序号", "姓名", "住址", "网格", "年龄", "关爱标记", "走访情况"]  # no phone for a grid worker
    assert rows[2][:6] == [1, "周秀英", "采菱家园一期3幢1单元101", "采菱第一网格", 95, "高龄、独居"]
    assert "13811112222" not in str(rows) and "1931" not in str(rows)
    log = PersonalDataRead.objects.get()
    assert log.user.username == "demo-cailing-grid" and log.subject.startswith("export:采菱社区90岁以上")
    assert "phone" not in log.fields and "1 人" in log.via
    staff = api("demo-cailing")
    r = staff.client.get("/api/v1/roster/targeted/export", {"community": "采菱社区", "min_age": 90,
                                                            "include_phone": "true"}, **staff.headers)
    rows = read_xlsx(r.content)
    assert rows[1][6] == "联系电话" and rows[2][6] == "13811112222"
    assert PersonalDataRead.objects.filter(user__username="demo-cailing", fields__contains="phone").count() == 1
    plain = staff.client.get("/api/v1/roster/targeted/export", {"community": "采菱社区", "min_age": 90},
                             **staff.headers)
    assert "联系电话" not in read_xlsx(plain.content)[1]


def test_lists_page_and_export(user_client, person):
    person("周秀英", date(1931, 1, 1))
    client = user_client("demo-cailing")
    page = client.get("/desk/roster/lists/", {"preset": "aged90", "community": "采菱社区", "on": "2026-10-18"})
    html = page.content.decode()
    assert page.status_code == 200 and "周**" in html and "周秀英" not in html
    export = client.get("/desk/roster/lists/export/", {"preset": "aged90", "community": "采菱社区"})
    assert export.status_code == 200 and "周秀英" in str(read_xlsx(export.content))
    assert PersonalDataRead.objects.count() == 1
