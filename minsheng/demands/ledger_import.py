"""Imported history (the 民情台账): ledger rows written as demands in bulk, all or nothing, keeping
their past times and outcomes (reading and validating the file is `collection.services.ledger`)."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from minsheng.accounts.models import Role
from minsheng.core import bulk
from minsheng.triage.services import analyse

from . import rules, signals
from .models import CodeCounter, Demand, DemandEvent, Status

S = Status

IMPORT_BATCH = 1000


def _imported_status(r) -> str:
    if r.callback_at or r.resolution or r.satisfaction:
        return S.CLOSED
    if r.completed_at:
        return S.REPLIED
    if r.contacted_at:
        return S.IN_PROGRESS
    if r.assigned_at:
        return S.ASSIGNED
    return S.RECEIVED


def _history_events(d: Demand, r) -> list[dict]:
    note = "台账导入"
    steps = [("register", d.received_at, "", S.RECEIVED)]
    if r.assigned_at:
        steps.append(("assign", r.assigned_at, S.RECEIVED, S.ASSIGNED))
    if r.contacted_at:
        steps.append(("contact", r.contacted_at, S.ASSIGNED, S.IN_PROGRESS))
    if r.completed_at:
        steps.append(("reply", r.completed_at, S.IN_PROGRESS, S.REPLIED))
    if d.status == S.CLOSED:
        steps.append(("callback", r.callback_at or r.completed_at or d.received_at, S.REPLIED, S.CLOSED))
    return [
        {"demand_id": d.pk, "at": at, "actor_id": None, "actor_label": "台账导入", "action": action,
         "from_status": a, "to_status": b, "note": note, "public": False, "data": {"import": True}}
        for action, at, a, b in steps
    ]


def import_history(rows: list, *, dry_run: bool = False) -> tuple[int, int]:
    """Write ledger rows as demands with their past times and outcomes. Rows whose 编号 already exists
    are left as they are (re-importing creates nothing). Returns (created, existing)."""
    with transaction.atomic():
        existing_codes: set[str] = set()
        codes = [r.code for r in rows]
        for i in range(0, len(codes), IMPORT_BATCH):
            existing_codes.update(Demand.objects.filter(code__in=codes[i:i + IMPORT_BATCH]).values_list("code", flat=True))
        new_rows = [r for r in rows if r.code not in existing_codes]
        if dry_run:
            return len(new_rows), len(rows) - len(new_rows)
        handlers = _handler_lookup({r.handler_label for r in new_rows if r.handler_label})
        load = signals.BulkLoad()
        for i in range(0, len(new_rows), IMPORT_BATCH):
            batch = []
            for r in new_rows[i:i + IMPORT_BATCH]:
                analysis = None
                if r.category is None or (r.grid is None and r.place_text):
                    analysis = analyse(r.text, town=r.community.town, place_text=r.place_text, duplicates=False)
                grid = r.grid or (analysis.grid if analysis and analysis.community == r.community else None)
                d = Demand(
                    code=r.code, town=r.community.town, community=r.community, grid=grid,
                    place=analysis.place if analysis and analysis.community == r.community else None,
                    place_text=r.place_text, text=r.text, channel=r.channel, source_ref="ledger",
                    source_line=r.row, reporter_name=r.reporter_name, reporter_phone=r.reporter_phone,
                    category=r.category or analysis.category, urgent=r.urgent, complexity=r.complexity,
                    needs_classification=r.category is None and analysis.needs_classification,
                    triage=analysis.as_json() if analysis else {}, handler=handlers.get(r.handler_label),
                    handler_label=r.handler_label, received_at=r.received_at, assigned_at=r.assigned_at,
                    contacted_at=r.contacted_at, completed_at=r.completed_at, callback_at=r.callback_at,
                    resolution=r.resolution, satisfaction=r.satisfaction,
                )
                if r.assigned_at:
                    d.accepted_at = r.assigned_at
                    d.contact_deadline = rules.contact_deadline(r.assigned_at, urgent=r.urgent)
                    d.due_at = rules.completion_deadline(r.assigned_at, urgent=r.urgent, complexity=r.complexity)
                d.status = _imported_status(r)
                if d.status == S.CLOSED:
                    d.closed_at = r.callback_at or r.completed_at
                batch.append((d, r))
            created = [d for d, _ in batch]
            bulk.insert(created)
            signals.demands_created.send(sender=Demand, demands=created, load=load)
            bulk.insert_values(DemandEvent, [e for d, (_, r) in zip(created, batch, strict=True)
                                             for e in _history_events(d, r)])
        signals.load_finished.send(sender=Demand, load=load)
        # Keep generated codes clear of imported ones (CL-2026-00042 → the counter is at least 42).
        highest: dict[tuple[str, int], int] = {}
        for r in new_rows:
            m = re.fullmatch(r"([A-Z]{1,8})-(\d{4})-(\d{1,7})", r.code)
            if m:
                key = (m.group(1), int(m.group(2)))
                highest[key] = max(highest.get(key, 0), int(m.group(3)))
        for (prefix, year), number in highest.items():
            counter, _ = CodeCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
            if counter.last < number:
                CodeCounter.objects.filter(pk=counter.pk).update(last=number)
    return len(new_rows), len(rows) - len(new_rows)




def _handler_lookup(labels: set[str]) -> dict:
    """Ledger 承办人 names that are usernames (or display names) of handlers → users."""
    if not labels:
        return {}
    users = get_user_model().objects.filter(memberships__role=Role.HANDLER).distinct()
    out = {}
    for u in users:
        for name in (u.username, u.get_full_name()):
            if name in labels:
                out[name] = u
    return out
