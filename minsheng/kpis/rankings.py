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

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.territory.models import Community, Town

from . import periods
from .counters import COUNT_FIELDS
from .engine import Counts, figures, weights
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


def _check_over(p: periods.Period, town: Town | None, now: datetime) -> None:
    """Only a month that has ended (in the town's local time) can be published."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(town.time_zone) if town is not None else timezone.get_current_timezone()
    if timezone.localtime(now, tz).date() <= p.last:
        raise InvalidInput(f"month: {p.label} 尚未结束，不能发布", field="month")


def _snapshot(level: str, town: Town | None, p: periods.Period, now: datetime, *,
              skip_empty: bool = False) -> tuple[Ranking | None, bool]:
    existing = Ranking.objects.filter(level=level, town=town, month=p.first).select_related("town").first()
    if existing is not None:
        return existing, False
    rows = community_rows(town, p) if level == Ranking.Level.COMMUNITY else town_rows(p)
    if skip_empty and not any(r["received"] for r in rows):
        return None, False
    try:
        with transaction.atomic():
            created = Ranking.objects.create(level=level, town=town, month=p.first, rows=rows, weights=weights(),
                                             published_at=now)
    except IntegrityError:  # published by someone else in the meantime: theirs stands
        return Ranking.objects.select_related("town").get(level=level, town=town, month=p.first), False
    return created, True


def publish_one(level: str, town: Town | None, month: str, *, now: datetime | None = None,
                skip_empty: bool = False) -> tuple[Ranking | None, bool]:
    """Publish one snapshot (a town's communities, or the towns with `town` None). Returns it and whether
    it was created now (False: it had been published before and is left as it was). `skip_empty`: publish
    nothing (None) when no demand at all was received that month (e.g. a new install)."""
    now = now or timezone.now()
    p = parse_month(month)
    _check_over(p, town, now)
    return _snapshot(level, town, p, now, skip_empty=skip_empty)


def publish(month: str, *, town: Town | None = None, now: datetime | None = None) -> tuple[list[Ranking], list[Ranking]]:
    """Publish the month's ranking of the communities of `town` (or of every town, and the ranking of the
    towns). A snapshot already published is left as it was. Returns (all snapshots, newly created)."""
    now = now or timezone.now()
    p = parse_month(month)
    towns = [town] if town is not None else list(Town.objects.order_by("name"))
    for t in towns:
        _check_over(p, t, now)
    if town is None:
        _check_over(p, None, now)
    jobs = [(Ranking.Level.COMMUNITY, t) for t in towns] + ([(Ranking.Level.TOWN, None)] if town is None else [])
    result, created = [], []
    for level, t in jobs:
        r, new = _snapshot(level, t, p, now)
        result.append(r)
        if new:
            created.append(r)
    return result, created


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
