"""Demo demands for 湖塘镇 (full demo only): six months of closed history imported like a 民情台账, and
a live queue in every state, created through the services. Texts are residents' words from the triage
corpus; reporters are invented. Idempotent: codes DEMO-… mark what is already there."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.territory.models import Community, Grid

from . import services
from .models import Demand

CORPUS = Path(__file__).resolve().parent.parent / "triage" / "data" / "corpus.jsonl"
HANDLERS = ["物业公司", "社区两委", "镇城管办", "供电所", "镇建管所"]
NAMES = ["王", "李", "张", "刘", "陈", "杨", "周", "吴", "徐", "孙", "朱", "胡"]


def _items(rng: random.Random) -> list[dict]:
    items = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    items = [i for i in items if i.get("community") and i.get("category") != "other" and len(i["text"]) < 80]
    rng.shuffle(items)
    return items


def load(*, territory_only: bool = False) -> None:
    if territory_only or Demand.objects.filter(source_ref="demo").exists():
        return
    rng = random.Random(629)
    items = _items(rng)
    _history(rng, items[:240])
    _live(rng, items[240:270])


def _history(rng: random.Random, items: list[dict]) -> None:
    from minsheng.collection.services.ledger import LedgerRow

    communities = {c.name: c for c in Community.objects.select_related("town")}
    grids = {g.name: g for g in Grid.objects.all()}
    now = timezone.now()
    rows = []
    for n, item in enumerate(items, start=1):
        received = now - timedelta(days=rng.uniform(14, 190), hours=rng.uniform(0, 10))
        assigned = received + timedelta(minutes=rng.randint(20, 300))
        urgent = bool(item.get("urgent"))
        contact_h = 2 if urgent else 24
        contacted = assigned + timedelta(hours=contact_h * (rng.uniform(0.1, 0.9) if rng.random() < 0.9
                                                            else rng.uniform(1.1, 2)))
        work_h = 24 if urgent else 168
        completed = assigned + timedelta(hours=work_h * (rng.uniform(0.1, 0.95) if rng.random() < 0.88
                                                         else rng.uniform(1.05, 1.6)))
        callback = completed + timedelta(hours=rng.uniform(6, 72))
        rows.append(LedgerRow(
            row=n, code=f"DEMO-{n:04d}", received_at=received, channel=item.get("channel") or "visit",
            community=communities[item["community"]], grid=grids.get(item.get("grid")),
            reporter_name=rng.choice(NAMES) + "先生" if rng.random() < 0.5 else rng.choice(NAMES) + "女士",
            reporter_phone=f"139{rng.randrange(10**8):08d}", text=item["text"], place_text=item.get("place") or "",
            category=item["category"], urgent=urgent, complexity="ordinary", handler_label=rng.choice(HANDLERS),
            assigned_at=assigned, contacted_at=contacted, completed_at=completed, callback_at=callback,
            resolution=rng.choices(["resolved", "partly", "unresolved"], [82, 13, 5])[0],
            satisfaction=rng.choices(["satisfied", "basically", "dissatisfied", "no_answer"], [72, 18, 4, 6])[0],
        ))
    services.import_history(rows)
    Demand.objects.filter(code__startswith="DEMO-").update(source_ref="demo")


def _live(rng: random.Random, items: list[dict]) -> None:
    """Open demands in every state of the worklist (created now, through the services)."""
    User = get_user_model()
    staff = {u.username: u for u in User.objects.filter(username__in=["demo-cailing", "demo-sanqin", "demo-town",
                                                                         "demo-handler"])}
    town, handler = staff["demo-town"], staff["demo-handler"]
    for i, item in enumerate(items):
        d, _ = services.register(text=item["text"], channel=item.get("channel") or "online",
                                 reporter_name=rng.choice(NAMES) + "阿姨",
                                 reporter_phone=f"138{rng.randrange(10**8):08d}")
        Demand.objects.filter(pk=d.pk).update(source_ref="demo")
        stage = i % 6
        if stage == 0 or d.community is None:
            continue  # waits to be accepted
        services.accept(d, town)
        if stage == 1:
            continue
        if d.community.name == "采菱社区":
            services.assign(d, town, handler="demo-handler")
            if stage >= 3:
                services.contact(d, handler, note="已电话联系，约定上门时间")
            if stage >= 4:
                services.reply(d, handler, reply="已上门处理完毕")
            if stage == 5:
                services.callback(d, town, resolution="resolved", satisfaction="satisfied")
        elif stage >= 3:
            services.answer(d, town, reply="已答复诉求人，将按计划安排处理")
