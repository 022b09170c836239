"""Reads for the public home page: each town's live figures of the current year, from the KPI counters
(demands) and the projects, in a fixed number of queries however many towns there are."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from minsheng.kpis import periods
from minsheng.kpis.engine import figures
from minsheng.kpis.selectors import counts_of_nodes
from minsheng.projects.selectors import in_service_by_town
from minsheng.territory.models import Town


def this_year() -> periods.Period:
    return periods.parse(str(timezone.localdate().year))


def town_figures(towns: list[Town], p: periods.Period | None = None) -> dict[int, dict]:
    """town id → demands received and completed, the satisfaction rate and projects put into service."""
    p = p or this_year()
    counts = counts_of_nodes("town", [t.pk for t in towns], p)
    start, end = p.bounds(ZoneInfo(settings.TIME_ZONE))
    projects = in_service_by_town(start, end)
    return {
        t.pk: {"year": p.label, "received": counts[t.pk].received, "completed": counts[t.pk].completed,
               "satisfaction_rate": figures(counts[t.pk])["satisfaction_rate"], "projects": projects.get(t.pk, 0)}
        for t in towns
    }
