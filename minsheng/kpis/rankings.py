"""The monthly ranking (domain.md §6): every community of a town, and every town of the install, ranked by
the composite score of the month, from the KPI counters.

Order: composite, highest first; a community without a composite (some rate has no denominator) ranks
last; ties by response rate (highest first, none last), then by name. Ranks are the positions 1…n.

`publish()` stores the rows as a `Ranking` snapshot. A published month is never recomputed: later data
(a late callback, an imported ledger) changes the live figures (`minsheng kpis`), not the published
ranking.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.territory.models import Community, Town

from . import periods
from .counters import COUNT_FIELDS
from .engine import Counts, figures
from .models import KpiCounter, Ranking

ROW_FIGURES = ("received", "assigned", "response_rate", "resolution_rate", "satisfaction_rate", "composite",
               "on_time_rate", "avg_days_to_close")


def parse_month(text: str | None) -> periods.Period:
    value = (text or "").strip()
    if not re.fullmatch(r"\d{4}-\d{1,2}", value):
        raise InvalidInput("month: 格式应为 2026-10 这样的月份", field="month")
    try:
        return periods.parse(value)
    except InvalidInput:
        raise InvalidInput("month: 格式应为 2026-10 这样的月份", field="month") from None


def previous_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def find_town(name: str | None) -> Town | None:
    name = (name or "").strip()
    if not name:
        return None
    town = Town.objects.filter(name=name).first()
    if town is None:
        raise NotFound(f"town: 没有名为“{name}”的镇/街道", field="town")
    return town


def _counts_by_node(level: str, ids: list[int], month: date) -> dict[int, Counts]:
    """The month's counts of many nodes of one level, in one query (the monthly counter rows)."""
    out: dict[int, Counts] = {}
    if not ids:
        return out
    rows = KpiCounter.objects.filter(level=level, node_id__in=ids, granularity="m", day=month,
                                     category="").values("node_id", *COUNT_FIELDS)
    for r in rows:
        values = {f: r[f] for f in COUNT_FIELDS}
        close_us = values.pop("close_us")
        out[r["node_id"]] = Counts(**values, close_seconds=close_us / 1_000_000)
    return out


def _key(row: dict):
    composite, response = row["composite"], row["response_rate"]
    return (
        composite is None, -round(composite, 9) if composite is not None else 0.0,
        response is None, -round(response, 9) if response is not None else 0.0,
        row["name"],
    )


def rank(rows: list[dict]) -> list[dict]:
    """Sort rows (each with `name` and the figures) and number them 1…n."""
    ordered = sorted(rows, key=_key)
    return [{"rank": i, **row} for i, row in enumerate(ordered, start=1)]


def _rows(level: str, nodes: list, month: date) -> list[dict]:
    counts = _counts_by_node(level, [n.pk for n in nodes], month)
    rows = []
    for n in nodes:
        f = figures(counts.get(n.pk, Counts()))
        rows.append({"name": n.name, **{k: f[k] for k in ROW_FIGURES}})
    return rank(rows)


def community_rows(town: Town, month: periods.Period) -> list[dict]:
    return _rows("community", list(Community.objects.filter(town=town).order_by("name")), month.first)


def town_rows(month: periods.Period) -> list[dict]:
    return _rows("town", list(Town.objects.order_by("name")), month.first)


def _entry(level: str, town: Town | None, month: periods.Period, rows: list[dict],
           published_at: datetime | None) -> dict:
    return {"level": level, "town": town.name if town else None, "month": month.label,
            "published_at": published_at.isoformat() if published_at else None, "rows": rows}


def compute(month: str, *, town: Town | None = None) -> dict:
    """The live ranking (not stored): the communities of `town`, or of every town plus the towns."""
    p = parse_month(month)
    towns = [town] if town is not None else list(Town.objects.order_by("name"))
    out = [_entry("community", t, p, community_rows(t, p), None) for t in towns]
    if town is None:
        out.append(_entry("town", None, p, town_rows(p), None))
    return {"month": p.label, "rankings": out}


def as_json(r: Ranking) -> dict:
    return {"level": r.level, "town": r.town.name if r.town_id else None, "month": r.month.strftime("%Y-%m"),
            "published_at": timezone.localtime(r.published_at).isoformat(), "rows": r.rows}


def published(month: str | None = None, *, town: Town | None = None) -> tuple[str | None, list[Ranking]]:
    """The published rankings of a month (default: the latest published month); with `town`, that town's
    community ranking and the ranking of the towns."""
    qs = Ranking.objects.select_related("town")
    if month:
        first = parse_month(month).first
    else:
        first = qs.order_by("-month").values_list("month", flat=True).first()
        if first is None:
            return None, []
    rows = qs.filter(month=first)
    if town is not None:
        rows = rows.filter(Q(town=town) | Q(town__isnull=True))
    ordered = sorted(rows, key=lambda r: (r.level != Ranking.Level.COMMUNITY, r.town.name if r.town_id else ""))
    return first.strftime("%Y-%m"), ordered


def published_months() -> list[str]:
    months = Ranking.objects.order_by("-month").values_list("month", flat=True).distinct()
    return [m.strftime("%Y-%m") for m in months]
