"""One way to change the state of a row that keeps an event log (demands, projects, facilities).

A `Machine` describes one kind of row: how to lock it, which field holds its state, how refusals
read, and what is written with every change (the event row and the same-transaction hooks: KPI
signals, notices). A `Rule` describes one action: the states it starts from, the state it leads to,
who may run it, and when a page should offer it. `run` does the steps in one fixed order, inside
the caller's transaction:

    lock the row → may the actor? (403) → expected version? (409) → allowed state? (409)
    → change → new state, version + 1, save → record (event row, hooks)

`allowed` answers which actions a page may show for a row, from the same rules the services run,
so the buttons never restate a rule. See docs/workflow.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minsheng.core.errors import Conflict, NotAllowed


def _always(*_args) -> bool:
    return True


# What a `change` returns when, having looked at the locked row, there is nothing to do: nothing is
# saved and no event written (a facility set to the condition it already has).
UNCHANGED = object()


@dataclass(frozen=True)
class Rule:
    """One action: `allowed_from` states, `to` state (None: the state stays, or `change` returns it),
    `may(actor, row)` who may, `offer(row)` a further condition under which a page shows the action
    (a service refuses those cases in its `change`, or lets them through as a no-op)."""

    allowed_from: frozenset[str]
    to: str | None
    may: Callable[[Any, Any], bool]
    offer: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class Machine:
    """One kind of row with states and events.

    `lock(target)` returns the row locked (select_for_update) or raises NotFound; `name(row)` names it
    in messages; `action_name(action)` names an action; `record(old, row, before, action, actor,
    context)` writes the event row and runs the hooks of the same transaction; `save(row)` saves it."""

    lock: Callable[[Any], Any]
    name: Callable[[Any], str]
    record: Callable[..., Any]
    state_field: str = "status"
    action_name: Callable[[str], str] = str
    save: Callable[[Any], None] = field(default=lambda row: row.save())
    state_label: Callable[[Any], str] = field(default=lambda row: row.get_status_display())
    not_allowed: str = ""  # the refusal's text when not "无权对…执行…"

    def refuse_actor(self, row, action: str) -> NotAllowed:
        return NotAllowed(self.not_allowed or f"无权对{self.name(row)}执行“{self.action_name(action)}”")

    def refuse_version(self, row) -> Conflict:
        return Conflict(f"{self.name(row)}已被他人更新，请刷新后重试")

    def refuse_state(self, row, action: str) -> Conflict:
        return Conflict(f"{self.name(row)}当前状态为“{self.state_label(row)}”，不能执行“{self.action_name(action)}”")


def run(machine: Machine, target, actor, action: str, *, allowed_from: Iterable[str], to: str | None,
        may: Callable[[Any], bool], change: Callable[[Any], str | None] | None = None,
        expected_version: int | None = None, **context) -> Any:
    """Run one action on `target` (a row or its key). Must be called inside a transaction.

    `change(row)` edits the locked row and may raise to refuse (nothing is then written); it may
    return the target state when the action decides it (a vote, an inspection), or UNCHANGED when
    there is nothing to do. `context` goes to `machine.record` (note, public, data, actor_label…)."""
    row = machine.lock(target)
    if not may(row):
        raise machine.refuse_actor(row, action)
    if expected_version is not None and expected_version != row.version:
        raise machine.refuse_version(row)
    if getattr(row, machine.state_field) not in set(allowed_from):
        raise machine.refuse_state(row, action)
    before = getattr(row, machine.state_field)
    old = copy.copy(row)
    state = to
    if change is not None:
        chosen = change(row)
        if chosen is UNCHANGED:
            return row
        if chosen is not None:
            state = chosen
    if state is not None:
        setattr(row, machine.state_field, state)
    row.version += 1
    machine.save(row)
    machine.record(old, row, before, action, actor, **context)
    return row


def run_rule(machine: Machine, rules: Mapping[str, Rule], target, actor, action: str, *,
             may: Callable[[Any], bool] | None = None, **kwargs) -> Any:
    """`run` with the action's rule from the table (`may` overrides the rule's, e.g. a reporter's
    own callback)."""
    rule = rules[action]
    return run(machine, target, actor, action, allowed_from=rule.allowed_from, to=rule.to,
               may=may or (lambda row: rule.may(actor, row)), **kwargs)


def allowed(rules: Mapping[str, Rule], row, actor, *, state_field: str = "status") -> list[str]:
    """The actions of `rules` this actor may run on this row now (read only, no lock): for pages."""
    state = getattr(row, state_field)
    return [action for action, rule in rules.items()
            if state in rule.allowed_from and rule.offer(row) and rule.may(actor, row)]
