"""KPI reads for any territory node and period."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from minsheng.demands.models import Demand
from minsheng.territory.selectors import Node, find_node

from . import periods
from .engine import Counts, figures


def node_filter(node: Node) -> Q:
    return Q(**{f"{node.level}_id": node.obj.pk})


def node_town(node: Node):
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


def kpis(scope: str, period: str) -> dict:
    """What `minsheng kpis` prints and `/api/v1/kpis` returns."""
    node = find_node(scope)
    p = periods.parse(period)
    tz = ZoneInfo(node_town(node).time_zone)
    start, end = p.bounds(tz)
    qs = Demand.objects.filter(node_filter(node), received_at__gte=start, received_at__lt=end)
    out = {"scope": node.name, "level": node.level, "period": p.label}
    out.update(figures(counts_from_rows(qs)))
    return out
