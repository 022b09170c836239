"""Merging a duplicate into an open demand (domain.md §3: merged 已合并; the reporter follows the other).

Both rows are locked, the target first; the absorbing demand gets a non-public event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput

from .models import OPEN_STATES, Demand
from .transitions import _event, _transition, staff


@transaction.atomic
def merge(demand, actor, *, into: str, expected_version: int | None = None) -> Demand:
    code = (into or "").strip()
    if not code:
        raise InvalidInput("into: 请填写要合并到的诉求编号", field="into")
    target = Demand.objects.select_for_update().filter(code=code).first()
    if target is None:
        raise InvalidInput(f"into: 没有编号为 {code} 的诉求", field="into")
    source_code = demand.code if isinstance(demand, Demand) else demand
    if target.code == source_code:
        raise InvalidInput("into: 不能合并到自身", field="into")
    if target.status not in OPEN_STATES or target.merged_into_id:
        raise Conflict(f"诉求 {target.code} 已结束，不能作为合并目标")

    def may(d):
        return staff(actor, d) and staff(actor, target) and d.town_id == target.town_id

    def change(d):
        d.merged_into = target
        d.closed_at = timezone.now()

    d = _transition(demand, actor, "merge", may=may, change=change, public_note=f"合并到 {target.code}", data={"into": target.code},
                    expected_version=expected_version)
    _event(target, actor, "absorb", target.status, target.status, note=f"合并了 {d.code}", public=False,
           data={"from": d.code})
    return d
