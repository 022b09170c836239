"""Open data: anonymised CSV extracts per period (no personal data, no free text)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.core.spreadsheet import csv_row
from minsheng.demands.models import Demand
from minsheng.kpis import periods
from minsheng.kpis.engine import figures
from minsheng.kpis.selectors import counts_of_nodes
from minsheng.projects.models import Project
from minsheng.projects.models import Status as PStatus
from minsheng.territory.models import Community, Town

YES, NO = "是", "否"


def _yn(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


# dataset → list of (column, description): the column names are the CSV header (the same in every
# language); the descriptions and the dataset names are words for the page.
COLUMNS = {
    "demands": [
        ("编号", _("诉求编号（不含任何个人信息）")),
        ("登记日期", _("登记日期（本地时间，只到日）")),
        ("镇", _("所属镇/街道")),
        ("社区", _("所属社区")),
        ("网格", _("所属网格（可能为空）")),
        ("渠道", _("收集渠道：居民自助、微信群、网格员走访、居民组长会议、民情恳谈会、民情征求意见表、12345热线、上级交办")),
        ("分类", _("诉求分类")),
        ("紧急", _("是/否")),
        ("状态", _("当前状态")),
        ("按时响应", _("派单后是否在时限内首次联系（是/否；未派单为空）")),
        ("按时办结", _("是否在办结时限内办结（是/否；未办结为空）")),
        ("解决情况", _("回访的解决情况：解决/部分解决/未解决（未回访为空）")),
        ("满意度", _("满意/基本满意/不满意/未评价（未回访为空）")),
    ],
    "projects": [
        ("项目名称", _("民生微实事项目名称")),
        ("镇", _("所属镇/街道")),
        ("社区", _("所属社区")),
        ("类别", _("工程类/货物类/服务类")),
        ("状态", _("提议、初审、议事、公示、立项、实施、验收、投用、已测评、已归档、已取消、初审未通过")),
        ("预算（元）", _("预算金额")),
        ("已支出（元）", _("已支出金额")),
        ("进度（%）", _("完成进度 0–100")),
        ("建设内容", _("数量与单位，如 不锈钢晾衣架 100 个；以“；”分隔")),
    ],
    "kpis": [
        ("层级", _("镇 或 社区")),
        ("名称", _("镇或社区名称")),
        ("期间", _("统计期间（按诉求登记时间）")),
        ("派单数", _("已派单的诉求数")),
        ("响应率", _("按时首次联系数 ÷ 派单数（0–1，无分母为空）")),
        ("解决率", _("（解决 + 0.5 × 部分解决）÷ 有解决情况的回访数")),
        ("满意率", _("（满意 + 0.8 × 基本满意）÷ 有满意度评价的回访数（未评价不计）")),
        ("综合得分", _("0.30 × 响应率 + 0.35 × 解决率 + 0.35 × 满意率")),
        ("按时办结率", _("按时办结数 ÷ 办结数")),
        ("平均办结天数", _("登记到办结的平均天数")),
    ],
}
DATASETS = {"demands": _("诉求（匿名）"), "projects": _("民生微实事项目"), "kpis": _("三率与综合得分")}


class Echo:
    def write(self, value):
        return value


def _num(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def demand_rows(p: periods.Period) -> Iterator[list]:
    """The period's demands, town by town, each town's period in its own time zone (one query)."""
    towns = {t.pk: t for t in Town.objects.order_by("id")}
    by_zone: dict[str, list[int]] = {}
    for t in towns.values():
        by_zone.setdefault(t.time_zone, []).append(t.pk)
    where = Q(pk__in=[])
    for zone, ids in by_zone.items():
        start, end = p.bounds(ZoneInfo(zone))
        where |= Q(town_id__in=ids, received_at__gte=start, received_at__lt=end)
    qs = (Demand.objects.filter(where)
          .select_related("community", "grid").order_by("town_id", "received_at", "id")
          .only("code", "town_id", "received_at", "channel", "category", "urgent", "status", "assigned_at",
                "contacted_at", "contact_deadline", "completed_at", "due_at", "resolution", "satisfaction",
                "community__name", "grid__name"))
    zones = {zone: ZoneInfo(zone) for zone in by_zone}
    for d in qs.iterator(chunk_size=2000):
        town = towns[d.town_id]
        responded = None
        if d.assigned_at:
            responded = bool(d.contacted_at and d.contact_deadline and d.contacted_at <= d.contact_deadline)
        on_time = None
        if d.completed_at:
            on_time = bool(d.assigned_at and d.due_at and d.completed_at <= d.due_at)
        yield [
            d.code, d.received_at.astimezone(zones[town.time_zone]).date().isoformat(), town.name,
            d.community.name if d.community else "", d.grid.name if d.grid else "",
            d.get_channel_display(), d.get_category_display(), _yn(d.urgent), d.get_status_display(),
            _yn(responded), _yn(on_time),
            d.get_resolution_display() if d.resolution else "",
            d.get_satisfaction_display() if d.satisfaction else "",
        ]


def projects_in(p: periods.Period):
    """Projects alive at some point of the period: proposed before its end, not closed before its start."""
    start, end = p.bounds(ZoneInfo("Asia/Shanghai"))
    return (Project.objects.filter(created_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
            .exclude(status=PStatus.REJECTED)
            .select_related("town", "community").prefetch_related("items").order_by("town_id", "community__name", "id"))


def items_text(project) -> str:
    return "；".join(f"{i.name} {_num(float(i.quantity)) if i.quantity is not None else ''} {i.unit}".strip()
                    for i in project.items.all())


def project_rows(p: periods.Period) -> Iterator[list]:
    for pr in projects_in(p).iterator(chunk_size=500):
        yield [pr.title, pr.town.name, pr.community.name, pr.get_kind_display(), pr.get_status_display(),
               _num(float(pr.budget)), _num(float(pr.spent)), _num(float(pr.progress)), items_text(pr)]


def kpi_rows(p: periods.Period) -> Iterator[list]:
    """Each town, then its communities, read in four queries however many there are."""
    towns = list(Town.objects.order_by("id"))
    communities: dict[int, list[Community]] = {}
    for c in Community.objects.order_by("id"):
        communities.setdefault(c.town_id, []).append(c)
    town_counts = counts_of_nodes("town", [t.pk for t in towns], p)
    community_counts = counts_of_nodes("community", [c.pk for cs in communities.values() for c in cs], p)
    for town in towns:
        nodes = [("镇", town, town_counts[town.pk])] + [
            ("社区", c, community_counts[c.pk]) for c in communities.get(town.pk, [])]
        for level, node, counts in nodes:
            f = figures(counts)
            yield [level, node.name, p.label, f["assigned"], _num(f["response_rate"]), _num(f["resolution_rate"]),
                   _num(f["satisfaction_rate"]), _num(f["composite"]), _num(f["on_time_rate"]),
                   _num(f["avg_days_to_close"])]


ROWS = {"demands": demand_rows, "projects": project_rows, "kpis": kpi_rows}


def stream(dataset: str, p: periods.Period) -> Iterator[str]:
    """The file is the same whatever the language of the page that links to it: its header is Chinese,
    and so are its values (channel, status… are written as the Chinese labels)."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(csv_row(c for c, _description in COLUMNS[dataset]))
    rows = ROWS[dataset](p)
    while True:
        with translation.override(settings.LANGUAGE_CODE):  # only while a row is made, not across yields
            row = next(rows, None)
        if row is None:
            return
        yield writer.writerow(csv_row(row))  # names and titles are typed by people: never a formula


def recent_periods(today=None) -> dict:
    today = today or timezone.localdate()
    months, quarters = [], []
    y, m = today.year, today.month
    for _month in range(12):
        months.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    y, q = today.year, (today.month - 1) // 3 + 1
    for _quarter in range(4):
        quarters.append(f"{y}-Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return {gettext("月度"): months, gettext("季度"): quarters, gettext("年度"): [str(today.year), str(today.year - 1)]}


