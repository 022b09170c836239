"""Synthetic demand history for benchmarks (`minsheng bench-data`). Never on a real install.

Texts come from the triage corpus (realistic wording, labelled category/urgency/place); each demand
gets a full life over the last two years — registered, accepted, assigned, contacted, replied, called
back and closed, or rejected, merged, answered, or still open for recent ones — with its events and
KPI counters, written in bulk batches so a million demands take minutes and little memory.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import UTC, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from minsheng.territory.models import Grid, Place, Town

from . import rules, signals
from .models import CodeCounter, Demand, DemandEvent, Status

S = Status
CORPUS = Path(__file__).resolve().parent.parent / "triage" / "data" / "corpus.jsonl"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤恽管卞"
GIVEN = "国芳建新秀英桂兰建华志强文明丽娟海燕春梅小平红霞金凤玉兰德明晓东永刚佳怡子涵浩然"
CHANNELS = ["online"] * 30 + ["wechat_group"] * 25 + ["visit"] * 20 + ["hotline"] * 12 + ["group_meeting"] * 5 + \
    ["forum"] * 3 + ["opinion_form"] * 3 + ["referral"] * 2
EVENT_COLS = ["demand_id", "at", "actor_id", "actor_label", "action", "from_status", "to_status", "note", "public",
              "data"]


def _texts(rng: random.Random) -> list[dict]:
    items = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    return [i for i in items if i.get("community")] or items


def generate(n: int, *, seed: int = 20261128, batch: int = 5000, days: int = 730, ago: int = 0,
             open_: int = 0, grids: list[Grid] | None = None, progress=None) -> int:
    """Add `n` synthetic demands to the towns present, received over `days` days ending `ago` days before
    now (recent ones are still open; with `ago` ≥ 60 nearly all are ended: history only). `open_` of them
    (the first ones) are still open whatever their age: received in the last 45 days and left at
    registration, acceptance, dispatch or in work, with deadlines of which some have passed — a
    district's open workload. With `grids` (carrying their community), the demands are spread uniformly
    over those grids whatever community the text names (`--towns`). Returns the number written."""
    if not 0 <= open_ <= n:
        raise ValueError("--open must be between 0 and --demands")
    rng = random.Random(seed)
    towns = list(Town.objects.all())
    if not towns:
        raise ValueError("no town: run `minsheng demo --territory-only` first")
    grids_by_community: dict[str, list[Grid]] = defaultdict(list)
    for g in Grid.objects.select_related("community__town"):
        grids_by_community[g.community.name].append(g)
    all_grids = [g for gs in grids_by_community.values() for g in gs]
    only_grids = list(grids or [])
    if grids is not None and not only_grids:
        raise ValueError("no grid to spread the demands over")
    places = {(p.community_id, p.name): p.pk for p in Place.objects.all()}
    texts = _texts(rng)
    now = timezone.now()
    span, offset = timedelta(days=days), timedelta(days=ago)
    counters_next: dict[tuple[str, int], int] = {}
    for c in CodeCounter.objects.all():
        counters_next[(c.prefix, c.year)] = c.last
    written = 0
    while written < n:
        size = min(batch, n - written)
        with transaction.atomic():
            demands, plans = [], []
            for _ in range(size):
                item = rng.choice(texts)
                if only_grids:
                    grid = rng.choice(only_grids)
                else:
                    grids = grids_by_community.get(item.get("community") or "", []) or all_grids
                    grid = next((g for g in grids if g.name == item.get("grid")), None) or rng.choice(grids)
                community = grid.community
                still_open = written + len(demands) < open_
                if still_open:
                    received = now - timedelta(days=OPEN_DAYS) * rng.random()
                else:
                    received = now - offset - span * (rng.random() ** 0.8)
                year = timezone.localtime(received).year
                key = (community.code, year)
                counters_next[key] = counters_next.get(key, 0) + 1
                d, plan = (_open_life if still_open else _life)(rng, item, grid, received, now)
                d.code = f"{community.code}-{year}-{counters_next[key]:07d}" if counters_next[key] > 99999 else \
                    f"{community.code}-{year}-{counters_next[key]:05d}"
                d.place_id = places.get((community.pk, item.get("place")))   # the map shows placed demands
                demands.append(d)
                plans.append(plan)
            _insert(demands, plans)
            load = signals.BulkLoad()
            signals.demands_created.send(sender=Demand, demands=demands, load=load)
            signals.load_finished.send(sender=Demand, load=load)
        written += size
        if progress:
            progress(written)
    with transaction.atomic():
        for (prefix, year), last in counters_next.items():
            CodeCounter.objects.update_or_create(prefix=prefix, year=year, defaults={"last": last})
    return written


class _Row:
    """A demand row being built (a plain object: creating model instances would dominate the cost)."""

    def __init__(self, **kw):
        self.__dict__.update(ROW_DEFAULTS)
        self.__dict__.update(kw)


ROW_DEFAULTS = {
    "place_text": "", "tracking_digest": "", "complexity": "ordinary", "status": S.RECEIVED, "handler_label": "",
    "accepted_at": None, "assigned_at": None, "contact_deadline": None, "due_at": None, "contacted_at": None,
    "completed_at": None, "reply": "", "callback_at": None, "resolution": "", "satisfaction": "",
    "closed_at": None, "escalated": False, "supervised": False, "reopen_count": 0, "version": 0,
    "possibly_urgent": False, "place_id": None,
}


def _registered(rng: random.Random, item: dict, grid: Grid, received) -> _Row:
    community = grid.community
    return _Row(
        town_id=community.town_id, community_id=community.pk, grid_id=grid.pk, text=item["text"][:2000],
        channel=item.get("channel") if item.get("channel") in CHANNELS else rng.choice(CHANNELS),
        reporter_name=rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
        reporter_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", category=item["category"],
        urgent=bool(item.get("urgent")), kind="help", needs_classification=False, received_at=received,
        source_ref="bench", triage={"engine": "bench-data"},
    )


def _dispatch(rng: random.Random, d: _Row, at, events: list) -> None:
    """Assigned to a handler at `at`, with the deadlines the rules give from then."""
    d.complexity = "complex" if rng.random() < 0.1 else "ordinary"
    d.assigned_at, d.handler_label = at, rng.choice(["物业公司", "社区两委", "镇城管办", "供电所", "网格员"])
    d.contact_deadline = rules.contact_deadline(at, urgent=d.urgent)
    d.due_at = rules.completion_deadline(at, urgent=d.urgent, complexity=d.complexity)
    events.append(("assign", at, S.ACCEPTED, S.ASSIGNED, ""))


def _life(rng: random.Random, item: dict, grid: Grid, received, now) -> tuple[_Row, list]:
    d = _registered(rng, item, grid, received)
    events = [("register", received, "", S.RECEIVED, "")]
    age = now - received
    roll = rng.random()
    t = received + timedelta(minutes=rng.randint(5, 600))
    if roll < 0.04:
        d.status, d.closed_at, d.reply = S.REJECTED, t, "不属于社区受理范围，已告知诉求人"
        events.append(("reject", t, S.RECEIVED, S.REJECTED, d.reply))
        return d, events
    if roll < 0.07:
        d.status, d.closed_at = S.MERGED, t
        events.append(("merge", t, S.RECEIVED, S.MERGED, "与同一问题合并办理"))
        return d, events
    d.accepted_at = t
    events.append(("accept", t, S.RECEIVED, S.ACCEPTED, ""))
    if roll < 0.15:  # consultations answered directly
        t2 = t + timedelta(hours=rng.uniform(0.5, 30))
        if t2 > now:
            d.status = S.ACCEPTED
            return d, events
        d.status, d.reply, d.contacted_at, d.completed_at = S.ANSWERED, "已电话答复相关政策", t2, t2
        events.append(("answer", t2, S.ACCEPTED, S.ANSWERED, d.reply))
        return _callback(rng, d, events, t2, now)
    assigned = t + timedelta(minutes=rng.randint(10, 240))
    if assigned > now:
        d.status = S.ACCEPTED
        return d, events
    _dispatch(rng, d, assigned, events)
    limit = (d.contact_deadline - assigned).total_seconds()
    contacted = assigned + timedelta(seconds=limit * (rng.uniform(0.05, 0.95) if rng.random() < 0.88
                                                      else rng.uniform(1.05, 3)))
    if contacted > now:
        d.status = S.ASSIGNED
        return d, events
    d.contacted_at = contacted
    events.append(("contact", contacted, S.ASSIGNED, S.IN_PROGRESS, "已与诉求人联系"))
    work = (d.due_at - assigned).total_seconds()
    done = assigned + timedelta(seconds=work * (rng.uniform(0.1, 0.98) if rng.random() < 0.85
                                                else rng.uniform(1.02, 2.5)))
    if done > now or (age < timedelta(days=3) and rng.random() < 0.5):
        d.status = S.IN_PROGRESS
        return d, events
    d.completed_at, d.reply, d.status = done, "已处理完毕", S.REPLIED
    events.append(("reply", done, S.IN_PROGRESS, S.REPLIED, d.reply))
    return _callback(rng, d, events, done, now)


OPEN_DAYS = 45
# Where an open demand stands: waiting for acceptance, accepted, dispatched, in work.
OPEN_STAGES = ((S.RECEIVED, 10), (S.ACCEPTED, 15), (S.ASSIGNED, 30), (S.IN_PROGRESS, 45))


def _open_life(rng: random.Random, item: dict, grid: Grid, received, now) -> tuple[_Row, list]:
    """A demand still being worked on: its life so far, stopped at a stage drawn from OPEN_STAGES. Its
    deadlines run from its dispatch, so the older ones are overdue."""
    d = _registered(rng, item, grid, received)
    events = [("register", received, "", S.RECEIVED, "")]
    stage = rng.choices([s for s, _w in OPEN_STAGES], [w for _s, w in OPEN_STAGES])[0]
    steps = [S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS]
    room = (now - received).total_seconds()
    # the steps so far share the time since registration, in order
    marks = sorted(received + timedelta(seconds=room * rng.random()) for _ in range(steps.index(stage)))
    for step, at in zip(steps[1:], marks, strict=False):
        if step == S.ACCEPTED:
            d.accepted_at = at
            events.append(("accept", at, S.RECEIVED, S.ACCEPTED, ""))
        elif step == S.ASSIGNED:
            _dispatch(rng, d, at, events)
        else:
            d.contacted_at = at
            events.append(("contact", at, S.ASSIGNED, S.IN_PROGRESS, "已与诉求人联系"))
    d.status = stage
    return d, events


def _callback(rng, d: _Row, events: list, done, now) -> tuple[_Row, list]:
    cb = done + timedelta(hours=rng.uniform(4, 96))
    if cb > now:
        return d, events
    d.callback_at = cb
    d.resolution = rng.choices(["resolved", "partly", "unresolved"], [80, 14, 6])[0]
    d.satisfaction = rng.choices(["satisfied", "basically", "dissatisfied", "no_answer"], [70, 18, 5, 7])[0]
    prev = d.status
    events.append(("callback", cb, prev, S.CALLBACK, ""))
    closed = cb + timedelta(hours=rng.uniform(1, 48))
    if closed <= now:
        d.status, d.closed_at = S.CLOSED, closed
        events.append(("close", closed, S.CALLBACK, S.CLOSED, ""))
    else:
        d.status = S.CALLBACK
    return d, events


DEMAND_FIELDS = ["id", "code", "town_id", "community_id", "grid_id", "place_id", "place_text", "text", "channel", "source_ref",
                 "reporter_name", "reporter_phone", "tracking_digest", "category", "urgent", "kind", "complexity",
                 "needs_classification", "possibly_urgent", "triage", "status", "handler_label", "received_at", "accepted_at",
                 "assigned_at", "contact_deadline", "due_at", "contacted_at", "completed_at", "reply", "callback_at",
                 "resolution", "satisfaction", "closed_at", "escalated", "supervised", "reopen_count", "version",
                 "created_at", "updated_at"]
DATETIMES = {"received_at", "accepted_at", "assigned_at", "contact_deadline", "due_at", "contacted_at",
             "completed_at", "callback_at", "closed_at", "created_at", "updated_at"}


def _datetime_adapter():
    """SQLite stores naive UTC text; PostgreSQL takes aware datetimes as they are."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    utc = UTC

    def adapt(value):
        return None if value is None else value.astimezone(utc).replace(tzinfo=None).isoformat(" ")

    return adapt


def _insert(demands: list[_Row], plans: list[list]) -> None:
    """Raw inserts with ids handed out here: the ORM's per-value preparation would cost more than the
    database itself. Runs inside the caller's transaction (the write lock is held)."""
    adapt = _datetime_adapter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Demand._meta.db_table}")
        next_id = cursor.fetchone()[0] + 1
    now = timezone.now()
    triage_json = Demand._meta.get_field("triage").get_db_prep_save({"engine": "bench-data"}, connection)
    event_data = DemandEvent._meta.get_field("data").get_db_prep_save({}, connection)
    demand_rows, event_rows = [], []
    for d, plan in zip(demands, plans, strict=True):
        d.id = next_id
        next_id += 1
        d.created_at = d.updated_at = now
        row = []
        for f in DEMAND_FIELDS:
            value = getattr(d, f)
            if f in DATETIMES:
                value = adapt(value)
            elif f == "triage":
                value = triage_json
            row.append(value)
        demand_rows.append(row)
        for action, at, a, b, note in plan:
            event_rows.append((d.id, adapt(at), None, "演示数据", action, a, b, note, True,
                               event_data))
    _executemany(Demand._meta.db_table, DEMAND_FIELDS, demand_rows)
    _executemany(DemandEvent._meta.db_table, EVENT_COLS, event_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Demand._meta.db_table}', 'id'), %s)",
                           [next_id - 1])


def _executemany(table: str, cols: list[str], rows: list) -> None:
    if connection.vendor == "postgresql":  # COPY: several times faster than pipelined inserts
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i:i + 5000])
