"""The resident roster (居民花名册) in Excel: read and validate every row, then import all or none —
the same rule as the 民情台账 (minsheng.intake.ledger). Every bad row is listed with its row number and
reason; on any error nothing is written; importing the same file again creates nothing (a household is
its community + address, a member its household + name + birth date; changed phones and flags update).

First sheet, first row = headers, in any order:
    社区, 网格, 楼幢, 房号, 地址, 姓名, 出生日期, 联系电话, 独居, 关爱标记
Required columns: 社区, 姓名, 出生日期. Each row needs 楼幢 + 房号 or 地址, and 网格 unless 楼幢 gives it.
独居 是/否; 关爱标记 any of 高龄、独居、残疾、低保 (高龄 is worked out from the birth date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction

from minsheng.accounts.selectors import covers
from minsheng.core.spreadsheet import SheetError, cell_text, read_sheet
from minsheng.demands.rules import clean_phone
from minsheng.territory.models import Building, Community, Grid

from .models import Household, Member
from .roster import FULL_ROLES, today

COLUMNS = ["社区", "网格", "楼幢", "房号", "地址", "姓名", "出生日期", "联系电话", "独居", "关爱标记"]
REQUIRED = ["社区", "姓名", "出生日期"]
YES_NO = {"是": True, "否": False, "": False, "Y": True, "N": False}
FLAG_WORDS = {"高龄", "独居", "残疾", "低保"}
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
BATCH = 500


class RosterError(SheetError):
    """The file as a whole cannot be read (not xlsx, missing headers…)."""


@dataclass
class RosterRow:
    row: int
    community: Community
    grid: Grid
    building: Building | None
    room: str
    address: str
    name: str
    birth_date: date
    phone: str | None  # None: keep what is on record (blank or masked in the file)
    living_alone: bool
    disabled: bool
    low_income: bool


@dataclass
class Report:
    rows: int = 0
    households_created: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise ValueError("出生日期为空")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"出生日期“{text[:20]}”格式应为 YYYY-MM-DD")


class _Places:
    """Community, grid and building names → objects, loaded once per file."""

    def __init__(self):
        self.communities: dict[str, list[Community]] = {}
        for c in Community.objects.select_related("town"):
            self.communities.setdefault(c.name, []).append(c)
            self.communities.setdefault(f"{c.town.name}/{c.name}", []).append(c)
        self.grids = {(g.community_id, g.name): g for g in Grid.objects.all()}
        self.buildings = {}
        for b in Building.objects.select_related("grid"):
            self.buildings[(b.grid.community_id, b.name)] = b

    def community(self, name: str) -> Community:
        found = self.communities.get(name, [])
        if not found:
            raise ValueError(f"社区“{name}”不存在")
        if len({c.pk for c in found}) > 1:
            raise ValueError(f"社区“{name}”在多个镇重名，请写作 镇名/社区名")
        return found[0]


def read(path: str | Path, *, actor=None) -> tuple[list[RosterRow], Report]:
    """Read and validate every row; returns the good rows and a report listing every bad one."""
    report = Report()
    places = _Places()
    seen: dict[tuple, int] = {}
    good, report.rows = read_sheet(
        path, columns=COLUMNS, required=REQUIRED, errors=report.errors, error=RosterError,
        parse=lambda number, get: _row(number, get, places, seen, actor))
    return good, report


def _row(number: int, get, places: _Places, seen: dict, actor) -> RosterRow:
    problems: list[str] = []
    community = grid = building = None
    community_name = cell_text(get("社区"))
    try:
        if not community_name:
            raise ValueError("社区为空")
        community = places.community(community_name)
    except ValueError as exc:
        problems.append(str(exc))
    if community is not None and actor is not None and not covers(
            actor, town_id=None, community_id=community.pk, role_set=FULL_ROLES):
        problems.append(f"无权导入{community.name}的花名册")
    grid_name, building_name = cell_text(get("网格")), cell_text(get("楼幢"))
    room, address = cell_text(get("房号"))[:40], cell_text(get("地址"))
    if community is not None:
        if building_name:
            building = places.buildings.get((community.pk, building_name))
            if building is None:
                problems.append(f"楼幢“{building_name}”不在{community.name}")
        if grid_name:
            grid = places.grids.get((community.pk, grid_name))
            if grid is None:
                problems.append(f"网格“{grid_name}”不属于{community.name}")
        if building is not None:
            if grid is not None and building.grid_id != grid.pk:
                problems.append(f"楼幢“{building_name}”属于{building.grid.name}，不是{grid_name}")
            grid = grid or building.grid
        elif grid is None and not grid_name:
            problems.append("网格为空（没有楼幢时须填网格）")
    if building_name and not room:
        problems.append("有楼幢时须填房号")
    if building is not None and room:
        address = f"{building.name}{room}"
    if not address and not building_name:
        problems.append("须填 楼幢+房号 或 地址")
    if len(address) > 200:
        problems.append("地址超过 200 字")
    name = cell_text(get("姓名"))
    if not name:
        problems.append("姓名为空")
    elif len(name) > 60 or re.search(r"[\d@#<>]", name):
        problems.append(f"姓名“{name[:20]}”不合格")
    birth = None
    try:
        birth = _date(get("出生日期"))
        if birth > today() or birth.year < 1890:
            problems.append(f"出生日期 {birth:%Y-%m-%d} 不合理")
            birth = None
    except ValueError as exc:
        problems.append(str(exc))
    phone_text = cell_text(get("联系电话"))
    phone: str | None = None
    if phone_text and not re.fullmatch(r"[\d-]{0,5}\*+\d{4}", phone_text):
        try:
            phone = clean_phone(phone_text)
        except Exception:
            problems.append(f"联系电话“{phone_text[:20]}”不是有效号码")
    alone_text = cell_text(get("独居"))
    if alone_text not in YES_NO:
        problems.append(f"独居应为 是/否，而不是“{alone_text[:10]}”")
    flags = {w for w in re.split(r"[、,，;；/\s]+", cell_text(get("关爱标记"))) if w}
    unknown = flags - FLAG_WORDS
    if unknown:
        problems.append(f"关爱标记“{'、'.join(sorted(unknown))}”不认识（可用：高龄、独居、残疾、低保）")
    if community is not None and address and name and birth:
        key = (community.pk, address, name, birth)
        if key in seen:
            problems.append(f"与第 {seen[key]} 行是同一人")
        else:
            seen[key] = number
    if problems:
        raise ValueError("；".join(problems))
    return RosterRow(row=number, community=community, grid=grid, building=building, room=room, address=address,
                     name=name, birth_date=birth, phone=phone,
                     living_alone=YES_NO.get(alone_text, False) or "独居" in flags,
                     disabled="残疾" in flags, low_income="低保" in flags)


def write(rows: list[RosterRow], *, dry_run: bool = False, report: Report | None = None) -> Report:
    """Write validated rows in one transaction (households by community + address, members by
    household + name + birth date)."""
    report = report or Report(rows=len(rows))
    with transaction.atomic():
        households: dict[tuple[int, str], Household] = {}
        by_community: dict[int, set[str]] = {}
        for r in rows:
            by_community.setdefault(r.community.pk, set()).add(r.address)
        for cid, addresses in by_community.items():
            addresses = sorted(addresses)
            for i in range(0, len(addresses), BATCH):
                for h in Household.objects.filter(community_id=cid, address__in=addresses[i:i + BATCH]):
                    households[(cid, h.address)] = h
        new_households = {}
        for r in rows:
            key = (r.community.pk, r.address)
            if key not in households and key not in new_households:
                new_households[key] = Household(community=r.community, grid=r.grid, building=r.building, room=r.room,
                                                address=r.address)
        report.households_created = len(new_households)
        if not dry_run and new_households:
            Household.objects.bulk_create(list(new_households.values()), batch_size=BATCH)
            # Re-read: bulk_create does not return keys on every backend version.
            for cid, addresses in by_community.items():
                addresses = sorted(addresses)
                for i in range(0, len(addresses), BATCH):
                    for h in Household.objects.filter(community_id=cid, address__in=addresses[i:i + BATCH]):
                        households[(cid, h.address)] = h
        existing: dict[tuple, Member] = {}
        ids = [h.pk for h in households.values() if h.pk]
        for i in range(0, len(ids), BATCH):
            for m in Member.objects.filter(household_id__in=ids[i:i + BATCH]):
                existing[(m.household_id, m.name, m.birth_date)] = m
        to_create, to_update = [], []
        for r in rows:
            h = households.get((r.community.pk, r.address))
            m = existing.get((h.pk, r.name, r.birth_date)) if h is not None and h.pk else None
            values = {"living_alone": r.living_alone, "disabled": r.disabled, "low_income": r.low_income,
                      "active": True}
            if r.phone is not None:
                values["phone"] = r.phone
            if m is None:
                report.created += 1
                if not dry_run:
                    to_create.append(Member(household=h, name=r.name, birth_date=r.birth_date,
                                            phone=r.phone or "", **{k: v for k, v in values.items() if k != "phone"}))
            elif any(getattr(m, k) != v for k, v in values.items()):
                report.updated += 1
                for k, v in values.items():
                    setattr(m, k, v)
                to_update.append(m)
            else:
                report.unchanged += 1
        if not dry_run:
            Member.objects.bulk_create(to_create, batch_size=BATCH)
            if to_update:
                Member.objects.bulk_update(to_update, ["phone", "living_alone", "disabled", "low_income", "active"],
                                           batch_size=BATCH)
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_file(path: str | Path, *, dry_run: bool = False, actor=None) -> Report:
    """Validate every row; if all are good (and not a dry run) import them in one transaction."""
    rows, report = read(path, actor=actor)
    if report.errors:
        return report
    return write(rows, dry_run=dry_run, report=report)
