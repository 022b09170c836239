"""KPI reads for any territory node and period."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from minsheng.demands.models import Demand
from minsheng.territory.models import Town
from minsheng.territory.selectors import Node, find_node

from . import periods
from .counters import COUNT_FIELDS
from .engine import Counts, figures
from .models import KpiCounter


def node_filter(node: Node) -> Q:
    """The node's demands (a district: every demand of the install)."""
    if node.level == "district":
        return Q()
    return Q(**{f"{node.level}_id": node.obj.pk})


def counter_filter(node: Node) -> Q:
    """The node's KPI counter rows. A district has none of its own — its figures are the sums of its
    towns' rows — so intake writes no more counter rows for it."""
    if node.level == "district":  # each town named, so the lookup index walks each town's rows
        return Q(level="town", node_id__in=list(Town.objects.values_list("pk", flat=True)))
    return Q(level=node.level, node_id=node.obj.pk)


def node_town(node: Node):
    """The node's town, whose clock its days and months keep (a district keeps its first town's)."""
    if node.level == "district":
        return Town.objects.order_by("id").first() or Town(time_zone="Asia/Shanghai")
    if node.level == "town":
        return node.obj
    if node.level == "community":
        return node.obj.town
    return node.obj.community.town


def counts_from_rows(qs) -> Counts:
    """Counts straight from the demand rows (the definition; the counters must agree with it)."""
    duration = ExpressionWrapper(F("completed_at") - F("received_at"), output_field=DurationField())
    agg = qs.aggregate(
        received=Count("id"),
        assigned=Count("id", filter=Q(assigned_at__isnull=False)),
        responded_in_time=Count("id", filter=Q(assigned_at__isnull=False, contacted_at__isnull=False,
                                               contacted_at__lte=F("contact_deadline"))),
        resolved=Count("id", filter=Q(resolution="resolved")),
        partly=Count("id", filter=Q(resolution="partly")),
        unresolved=Count("id", filter=Q(resolution="unresolved")),
        satisfied=Count("id", filter=Q(satisfaction="satisfied")),
        basically=Count("id", filter=Q(satisfaction="basically")),
        dissatisfied=Count("id", filter=Q(satisfaction="dissatisfied")),
        no_answer=Count("id", filter=Q(satisfaction="no_answer")),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
        completed_in_time=Count("id", filter=Q(completed_at__isnull=False, assigned_at__isnull=False,
                                               completed_at__lte=F("due_at"))),
        close=Sum(duration, filter=Q(completed_at__isnull=False)),
    )
    close = agg.pop("close")
    return Counts(**agg, close_seconds=close.total_seconds() if close is not None else 0.0)


def _month_spans(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """Split [first, last] into whole months and leftover day ranges."""
    months, ranges = [], []
    cursor = first
    while cursor <= last:
        month_start = cursor.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        span_end = min(last, next_month - timedelta(days=1))
        if cursor == month_start and span_end == next_month - timedelta(days=1):
            months.append(month_start)
        else:
            ranges.append((cursor, span_end))
        cursor = span_end + timedelta(days=1)
    return months, ranges


def _counter_rows(p: periods.Period, category: str) -> Q:
    """The counter rows that make up the period: whole months read monthly rows, the rest daily rows."""
    months, ranges = _month_spans(p.first, p.last)
    where = Q(pk__in=[])
    if months:
        where |= Q(granularity="m", day__in=months)
    for a, b in ranges:
        if category:
            raise ValueError("category counts exist for whole months only")
        where |= Q(granularity="d", day__gte=a, day__lte=b)
    return where


def _counts(values: dict) -> Counts:
    values = {f: values.get(f) or 0 for f in COUNT_FIELDS}
    close_us = values.pop("close_us")
    return Counts(**values, close_seconds=close_us / 1_000_000)


def counts_from_counters(node: Node, p: periods.Period, *, category: str = "") -> Counts:
    """The same counts from the counters: whole months read monthly rows, the rest daily rows."""
    agg = KpiCounter.objects.filter(_counter_rows(p, category), counter_filter(node),
                                    category=category).aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    return _counts(agg)


def counts_of_nodes(level: str, ids: list[int], p: periods.Period, *, category: str = "") -> dict[int, Counts]:
    """`counts_from_counters` of many nodes of one level, in one query (for a list of every node)."""
    if not ids:
        return {}
    rows = {r["node_id"]: r for r in KpiCounter.objects.filter(_counter_rows(p, category), level=level,
                                                               node_id__in=ids, category=category)
            .values("node_id").annotate(**{f: Sum(f) for f in COUNT_FIELDS}).order_by()}
    return {pk: _counts(rows.get(pk, {})) for pk in ids}


def kpis(scope: str, period: str) -> dict:
    """What `minsheng kpis` prints and `/api/v1/kpis` returns (read from the counters: cost does not
    grow with the number of demands)."""
    node = find_node(scope)
    p = periods.parse(period)
    out = {"scope": node.name, "level": node.level, "period": p.label}
    out.update(figures(counts_from_counters(node, p)))
    return out


def kpis_from_rows(node: Node, p: periods.Period) -> dict:
    """The definition, straight from the demand rows (tests compare the counters with it)."""
    tz = ZoneInfo(node_town(node).time_zone)
    start, end = p.bounds(tz)
    qs = Demand.objects.filter(node_filter(node), received_at__gte=start, received_at__lt=end)
    out = {"scope": node.name, "level": node.level, "period": p.label}
    out.update(figures(counts_from_rows(qs)))
    return out
