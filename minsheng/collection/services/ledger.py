"""The 民情台账 (ledger) in Excel: read and validate all rows, import all or none; export in the same
columns so export → import round-trips (interfaces.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from minsheng.accounts.services import mask_name, mask_phone
from minsheng.core.spreadsheet import SheetError, cell_text, read_sheet, xlsx_row
from minsheng.demands.models import Category, Channel, Resolution, Satisfaction
from minsheng.demands.rules import clean_phone
from minsheng.demands.services import import_history
from minsheng.territory.models import Community, Grid

COLUMNS = ["编号", "登记时间", "渠道", "社区", "网格", "诉求人", "联系电话", "诉求内容", "地点", "分类", "紧急",
           "承办人", "派单时间", "首次联系时间", "办结时间", "回访时间", "解决情况", "满意度"]
OPTIONAL_EXTRA = ["复杂程度"]
REQUIRED = ["编号", "登记时间", "社区", "诉求内容"]

RESOLUTION_WORDS = {"已解决": "resolved", "解决": "resolved", "部分解决": "partly", "未解决": "unresolved"}
SATISFACTION_WORDS = {"满意": "satisfied", "基本满意": "basically", "不满意": "dissatisfied", "未评价": "no_answer"}
URGENT_WORDS = {"是": True, "否": False}
COMPLEXITY_WORDS = {"一般": "ordinary", "复杂": "complex", "": "ordinary"}
TIME_COLUMNS = ["登记时间", "派单时间", "首次联系时间", "办结时间", "回访时间"]
TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M"]


class LedgerError(SheetError):
    """The file as a whole cannot be read (wrong sheet, missing headers…)."""


@dataclass
class LedgerRow:
    row: int
    code: str
    received_at: datetime
    channel: str
    community: Community
    grid: Grid | None
    reporter_name: str
    reporter_phone: str
    text: str
    place_text: str
    category: str | None
    urgent: bool
    complexity: str
    handler_label: str
    assigned_at: datetime | None
    contacted_at: datetime | None
    completed_at: datetime | None
    callback_at: datetime | None
    resolution: str
    satisfaction: str


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _parse_time(value, tz: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if not text:
            return None
        if len(text) in (16, 19) and text[10] in " T" and text[4] == "-":
            try:  # the usual shapes, parsed far faster than by strptime
                return _aware(datetime.fromisoformat(text), tz)
            except ValueError:
                pass
        for fmt in TIME_FORMATS:
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"时间“{text}”格式应为 YYYY-MM-DD HH:MM")
    return _aware(dt, tz)


def _aware(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt if timezone.is_aware(dt) else dt.replace(tzinfo=tz)


def _choice_map(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Code and (translated) label → code, built once per file rather than per cell."""
    out = {}
    for code, label in choices:
        out.setdefault(str(label), code)
    out.update({code: code for code, _label in choices})
    return out


class _Resolver:
    """Community and grid names → objects, with per-file caches."""

    def __init__(self, town=None):
        qs = Community.objects.select_related("town")
        if town is not None:
            qs = qs.filter(town=town)
        self.communities: dict[str, list[Community]] = {}
        for c in qs:
            self.communities.setdefault(c.name, []).append(c)
            self.communities.setdefault(f"{c.town.name}/{c.name}", []).append(c)
        self.grids = {(g.community_id, g.name): g for g in Grid.objects.filter(community__in=[c for cs in
                      self.communities.values() for c in cs])}
        self.channels, self.categories = _choice_map(Channel.choices), _choice_map(Category.choices)

    def community(self, name: str) -> Community:
        found = self.communities.get(name, [])
        if not found:
            raise ValueError(f"社区“{name}”不存在")
        if len({c.pk for c in found}) > 1:
            raise ValueError(f"社区“{name}”在多个镇重名，请写作 镇名/社区名")
        return found[0]

    def grid(self, community: Community, name: str) -> Grid | None:
        if not name:
            return None
        g = self.grids.get((community.pk, name))
        if g is None:
            raise ValueError(f"网格“{name}”不属于{community.name}")
        return g


def read(path: str | Path, *, town=None) -> tuple[list[LedgerRow], Report]:
    """Read and validate every row. Returns the good rows and a report listing every bad row."""
    report = Report()
    resolver = _Resolver(town)
    tz_cache: dict[int, ZoneInfo] = {}
    seen: dict[str, int] = {}
    good, report.rows = read_sheet(
        path, columns=COLUMNS + OPTIONAL_EXTRA, required=REQUIRED, errors=report.errors, error=LedgerError,
        parse=lambda number, get: _row(number, get, resolver, tz_cache, seen))
    return good, report


def _row(number: int, get, resolver: _Resolver, tz_cache: dict, seen: dict[str, int]) -> LedgerRow:
    problems = []
    code = cell_text(get("编号"))
    if not code:
        problems.append("编号为空")
    elif len(code) > 32 or not re.fullmatch(r"[\w\-/.]+", code):
        problems.append(f"编号“{code[:40]}”不合格（最多 32 个字母、数字或 - / .）")
    elif code in seen:
        problems.append(f"编号“{code}”与第 {seen[code]} 行重复")
    else:
        seen[code] = number
    text = cell_text(get("诉求内容"))
    if not text:
        problems.append("诉求内容为空")
    elif len(text) > 2000:
        problems.append("诉求内容超过 2000 字")
    community = grid = None
    community_name = cell_text(get("社区"))
    try:
        if not community_name:
            raise ValueError("社区为空")
        community = resolver.community(community_name)
        grid = resolver.grid(community, cell_text(get("网格")))
    except ValueError as exc:
        problems.append(str(exc))
    tz = ZoneInfo(community.town.time_zone) if community else ZoneInfo(timezone.get_current_timezone_name())
    times = {}
    for col in TIME_COLUMNS:
        try:
            times[col] = _parse_time(get(col), tz)
        except ValueError as exc:
            problems.append(f"{col}：{exc}")
    if not times.get("登记时间") and "登记时间" not in " ".join(problems):
        problems.append("登记时间为空")
    channel_text = cell_text(get("渠道"))
    channel = resolver.channels.get(channel_text) if channel_text else Channel.VISIT
    if channel is None:
        problems.append(f"渠道“{channel_text}”不认识")
    category_text = cell_text(get("分类"))
    category = resolver.categories.get(category_text) if category_text else None
    if category_text and category is None:
        problems.append(f"分类“{category_text}”不认识")
    urgent_text = cell_text(get("紧急"))
    if urgent_text not in ("", *URGENT_WORDS):
        problems.append(f"紧急应为 是/否，而不是“{urgent_text}”")
    complexity_text = cell_text(get("复杂程度"))
    if complexity_text not in COMPLEXITY_WORDS:
        problems.append(f"复杂程度应为 一般/复杂，而不是“{complexity_text}”")
    resolution_text = cell_text(get("解决情况"))
    resolution = RESOLUTION_WORDS.get(resolution_text, "") if resolution_text else ""
    if resolution_text and not resolution:
        resolution = resolution_text if resolution_text in Resolution.values else ""
        if not resolution:
            problems.append(f"解决情况应为 已解决/部分解决/未解决，而不是“{resolution_text}”")
    satisfaction_text = cell_text(get("满意度"))
    satisfaction = SATISFACTION_WORDS.get(satisfaction_text, "") if satisfaction_text else ""
    if satisfaction_text and not satisfaction:
        satisfaction = satisfaction_text if satisfaction_text in Satisfaction.values else ""
        if not satisfaction:
            problems.append(f"满意度应为 满意/基本满意/不满意/未评价，而不是“{satisfaction_text}”")
    phone = cell_text(get("联系电话"))
    if re.fullmatch(r"[\d-]{0,5}\*+\d{4}", phone):
        phone = ""  # a masked export: the number is not known here
    if phone:

        try:
            phone = clean_phone(phone)
        except Exception:
            problems.append(f"联系电话“{phone[:20]}”不是有效号码")
    received = times.get("登记时间")
    for col in ("派单时间", "首次联系时间", "办结时间", "回访时间"):
        if received and times.get(col) and times[col] < received:
            problems.append(f"{col}早于登记时间")
    if problems:
        raise ValueError("；".join(problems))
    return LedgerRow(
        row=number, code=code, received_at=received, channel=channel, community=community, grid=grid,
        reporter_name=cell_text(get("诉求人"))[:60], reporter_phone=phone, text=text,
        place_text=cell_text(get("地点"))[:200], category=category, urgent=URGENT_WORDS.get(urgent_text, False),
        complexity=COMPLEXITY_WORDS[complexity_text], handler_label=cell_text(get("承办人"))[:80],
        assigned_at=times.get("派单时间"), contacted_at=times.get("首次联系时间"), completed_at=times.get("办结时间"),
        callback_at=times.get("回访时间"), resolution=resolution, satisfaction=satisfaction,
    )


def import_file(path: str | Path, *, dry_run: bool = False, town=None) -> Report:
    """Validate every row; if all are good (and not a dry run) import them in one transaction."""

    rows, report = read(path, town=town)
    if report.errors:
        return report
    created, existing = import_history(rows, dry_run=dry_run)
    report.created, report.existing = created, existing
    return report


# ---------------------------------------------------------------------------------------------
# Export


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def export(demands, path_or_stream, *, unmasked: bool = False) -> int:
    """Write demands in the ledger's columns (write-only, streaming). Personal data is masked unless
    `unmasked` (the caller has checked entitlement and logged it)."""
    from openpyxl import Workbook


    wb = Workbook(write_only=True)
    ws = wb.create_sheet("民情台账")
    ws.append(xlsx_row(ws, COLUMNS + ["复杂程度"]))
    n = 0
    resolution_label = {v: k for k, v in RESOLUTION_WORDS.items() if k != "解决"}
    satisfaction_label = {v: k for k, v in SATISFACTION_WORDS.items()}
    for d in demands.select_related("community", "grid", "handler").iterator(chunk_size=2000):
        ws.append(xlsx_row(ws, [
            d.code, _local(d.received_at), str(d.get_channel_display()), d.community.name if d.community else "",
            d.grid.name if d.grid else "", d.reporter_name if unmasked else mask_name(d.reporter_name),
            d.reporter_phone if unmasked else mask_phone(d.reporter_phone), d.text, d.place_text,
            d.category, "是" if d.urgent else "否", d.handler_label or (d.handler.username if d.handler else ""),
            _local(d.assigned_at), _local(d.contacted_at), _local(d.completed_at), _local(d.callback_at),
            resolution_label.get(d.resolution, ""), satisfaction_label.get(d.satisfaction, ""),
            "复杂" if d.complexity == "complex" else "一般",
        ]))
        n += 1
    wb.save(path_or_stream)
    return n
