"""Incremental KPI counters: each demand contributes counts to a handful of buckets (its town,
community and grid × its local day and month, and month × category). A change to a demand moves
its old contribution out and its new one in, in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from minsheng.demands.models import Demand
from minsheng.territory.models import Town

from .models import KpiCounter

COUNT_FIELDS = ["received", "assigned", "responded_in_time", "resolved", "partly", "unresolved", "satisfied",
                "basically", "dissatisfied", "no_answer", "completed", "completed_in_time", "close_us"]
SNAPSHOT_FIELDS = ["town_id", "community_id", "grid_id", "category", "received_at", "assigned_at", "contacted_at",
                   "contact_deadline", "completed_at", "due_at", "resolution", "satisfaction"]


@lru_cache(maxsize=64)
def _town_tz(town_id: int) -> ZoneInfo:
    name = Town.objects.filter(pk=town_id).values_list("time_zone", flat=True).first() or "Asia/Shanghai"
    return ZoneInfo(name)


def snapshot(d) -> dict:
    return {f: getattr(d, f) for f in SNAPSHOT_FIELDS}


def contribution(s: dict) -> list[int]:
    """The counts one demand adds, in COUNT_FIELDS order (domain.md §6)."""
    assigned = s["assigned_at"] is not None
    contacted_in_time = (assigned and s["contacted_at"] is not None and s["contact_deadline"] is not None
                         and s["contacted_at"] <= s["contact_deadline"])
    completed = s["completed_at"] is not None
    in_time = (completed and assigned and s["due_at"] is not None and s["completed_at"] <= s["due_at"])
    close_us = 0
    if completed:
        delta = s["completed_at"] - s["received_at"]
        close_us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    res, sat = s["resolution"], s["satisfaction"]
    return [1, int(assigned), int(contacted_in_time), int(res == "resolved"), int(res == "partly"),
            int(res == "unresolved"), int(sat == "satisfied"), int(sat == "basically"), int(sat == "dissatisfied"),
            int(sat == "no_answer"), int(completed), int(in_time), close_us]


def buckets(s: dict) -> list[tuple[str, str, int, str, date, str]]:
    """(key, level, node_id, granularity, day, category) of every bucket the demand counts in."""
    local_day = s["received_at"].astimezone(_town_tz(s["town_id"])).date()
    month = local_day.replace(day=1)
    nodes = [("town", s["town_id"])]
    if s["community_id"]:
        nodes.append(("community", s["community_id"]))
    if s["grid_id"]:
        nodes.append(("grid", s["grid_id"]))
    out = []
    for level, node in nodes:
        out.append((f"{level[0]}{node}:d:{local_day.isoformat()}:", level, node, "d", local_day, ""))
        out.append((f"{level[0]}{node}:m:{month.isoformat()}:", level, node, "m", month, ""))
        out.append((f"{level[0]}{node}:m:{month.isoformat()}:{s['category']}", level, node, "m", month,
                    s["category"]))
    return out


def _add(acc: dict, s: dict, sign: int) -> None:
    values = contribution(s)
    for b in buckets(s):
        row = acc[b]
        for i, v in enumerate(values):
            row[i] += sign * v


# From this many rows a PostgreSQL write goes through COPY into a scratch table and one upsert from it:
# about five times faster for a bulk load's tens of thousands of rows, slower for a demand's nine.
BULK_ROWS = 1000
COLUMNS = ["key", "level", "node_id", "granularity", "day", "category", *COUNT_FIELDS]


def _on_conflict_add(table: str) -> str:
    """The upsert's tail both write paths share: an existing bucket adds the new counts."""
    return "ON CONFLICT (key) DO UPDATE SET " + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNT_FIELDS)


def _write(acc: dict) -> None:
    rows = sorted((b, v) for b, v in acc.items() if any(v))  # one lock order for every writer (no deadlock)
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= BULK_ROWS:
        _copy_upsert(rows)
        return
    table = KpiCounter._meta.db_table
    # One short statement run for every row: the drivers prepare it once (psycopg pipelines the rows),
    # where one long multi-row statement would be re-parsed for every batch.
    sql = (f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
           + _on_conflict_add(table))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*b, *v) for b, v in rows])


def _copy_upsert(rows: list) -> None:
    """The same upsert as _write's, for many rows: COPY them into a scratch table (created and dropped
    in this transaction, so concurrent writers never share it), then one INSERT … SELECT in key order."""
    table = KpiCounter._meta.db_table
    cols = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE kpi_counter_in AS SELECT {cols} FROM {table} WITH NO DATA")
        with cursor.copy(f"COPY kpi_counter_in ({cols}) FROM STDIN") as copy:
            for b, v in rows:
                copy.write_row((*b, *v))
        cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM kpi_counter_in ORDER BY key "
                       + _on_conflict_add(table))
        cursor.execute("DROP TABLE kpi_counter_in")


def record_change(old: dict | None, new: dict | None) -> None:
    """Move a demand's contribution from `old` to `new` (either may be None)."""
    if old is not None and new is not None and old == new:
        return
    acc: dict = defaultdict(lambda: [0] * len(COUNT_FIELDS))
    if old is not None:
        _add(acc, old, -1)
    if new is not None:
        _add(acc, new, +1)
    _write(acc)


class Gathered:
    """Contributions of a bulk load, gathered over all its batches and written once (a long import
    touches the same day and month buckets batch after batch)."""

    def __init__(self) -> None:
        self.acc: dict = defaultdict(lambda: [0] * len(COUNT_FIELDS))

    def add(self, demands) -> None:
        for d in demands:
            _add(self.acc, snapshot(d), +1)

    def write(self) -> None:
        _write(self.acc)
        self.acc.clear()


@transaction.atomic
def rebuild() -> int:
    """Recompute every counter from the demand rows. Returns the number of demands counted."""
    KpiCounter.objects.all().delete()
    acc: dict = defaultdict(lambda: [0] * len(COUNT_FIELDS))
    n = 0
    for s in Demand.objects.values(*SNAPSHOT_FIELDS).iterator(chunk_size=5000):
        _add(acc, s, +1)
        n += 1
        if len(acc) > 50_000:
            _write(acc)
            acc.clear()
    _write(acc)
    return n
