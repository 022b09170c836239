"""core.workflow: the fixed order of the checks, the change choosing the state, UNCHANGED, and
`allowed` reading the same rules (no database: a row is a plain object)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from minsheng.core import workflow
from minsheng.core.errors import Conflict, NotAllowed
from minsheng.core.workflow import Rule


@dataclass
class Row:
    status: str = "open"
    version: int = 1
    saved: int = 0
    events: list = field(default_factory=list)

    def get_status_display(self) -> str:
        return self.status


def machine(row: Row) -> workflow.Machine:
    def save(r):
        r.saved += 1

    def record(old, r, before, action, actor, **context):
        r.events.append((action, before, r.status, context))

    return workflow.Machine(lock=lambda target: row, name=lambda r: "行 ", record=record, save=save)


def test_run_changes_state_bumps_version_and_records():
    row = Row()
    out = workflow.run(machine(row), "x", None, "close", allowed_from=["open"], to="closed", may=lambda r: True,
                       note="n")
    assert out is row and row.status == "closed" and row.version == 2 and row.saved == 1
    assert row.events == [("close", "open", "closed", {"note": "n"})]


def test_actor_is_checked_before_version_and_version_before_state():
    row = Row(status="closed")
    with pytest.raises(NotAllowed):
        workflow.run(machine(row), "x", None, "close", allowed_from=["open"], to="closed", may=lambda r: False,
                     expected_version=9)
    with pytest.raises(Conflict, match="已被他人更新"):
        workflow.run(machine(row), "x", None, "close", allowed_from=["open"], to="closed", may=lambda r: True,
                     expected_version=9)
    with pytest.raises(Conflict, match="当前状态为“closed”"):
        workflow.run(machine(row), "x", None, "close", allowed_from=["open"], to="closed", may=lambda r: True)
    assert row.saved == 0 and row.events == []


def test_change_may_pick_the_state_or_leave_the_row_unchanged():
    row = Row()
    workflow.run(machine(row), "x", None, "vote", allowed_from=["open"], to=None, may=lambda r: True,
                 change=lambda r: "passed")
    assert row.status == "passed"
    workflow.run(machine(row), "x", None, "noop", allowed_from=["passed"], to="other", may=lambda r: True,
                 change=lambda r: workflow.UNCHANGED)
    assert row.status == "passed" and row.version == 2 and row.saved == 1 and len(row.events) == 1


def test_allowed_reads_state_actor_and_offer():
    rules = {
        "close": Rule(frozenset({"open"}), "closed", lambda actor, r: actor == "staff"),
        "remind": Rule(frozenset({"open"}), None, lambda actor, r: True, offer=lambda r: r.version > 1),
        "reopen": Rule(frozenset({"closed"}), "open", lambda actor, r: True),
    }
    assert workflow.allowed(rules, Row(), "staff") == ["close"]
    assert workflow.allowed(rules, Row(version=2), "resident") == ["remind"]
