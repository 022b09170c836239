"""Property-based test of a demand's life (domain.md §3): random sequences of the services' actions by
random demo users, with invariants checked after every step.

- the status is always one of the defined values;
- the events form a chain (each starts where the previous ended) that ends at the current status, and
  every status change is one the life cycle allows — an ended demand (closed, archived, rejected,
  merged) moves on only as allowed (closed → reopened/archived, rejected/merged → archived);
- a refused action (403/409/422) changes neither the status nor the version;
- the versions only grow;
- after each run the incrementally kept KPI counters equal a rebuild from the demand rows.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from minsheng.core.errors import Conflict, DomainError
from minsheng.demands import services
from minsheng.demands.models import Category, Demand, DemandEvent, Status
from minsheng.kpis import counters
from minsheng.kpis.models import KpiCounter
from minsheng.territory.models import Community, Grid

S = Status
# CI runs a fixed (derandomized) set of sequences; MINSHENG_EXPLORE=1 draws new ones, as many as asked.
EXPLORE = os.environ.get("MINSHENG_EXPLORE") == "1"
EXAMPLES = int(os.environ.get("MINSHENG_STATE_EXAMPLES", "30"))
USERS = ["demo-town", "demo-cailing", "demo-cailing-grid", "demo-sanqin", "demo-handler", "demo-resident"]
MOVES = {
    ("", S.RECEIVED),
    (S.RECEIVED, S.ACCEPTED), (S.RECEIVED, S.REJECTED), (S.RECEIVED, S.MERGED), (S.ACCEPTED, S.MERGED),
    (S.ACCEPTED, S.ANSWERED), (S.ACCEPTED, S.ASSIGNED), (S.REOPENED, S.ASSIGNED),
    (S.ASSIGNED, S.IN_PROGRESS), (S.IN_PROGRESS, S.REPLIED),
    (S.ANSWERED, S.CALLBACK), (S.REPLIED, S.CALLBACK), (S.ANSWERED, S.REOPENED), (S.REPLIED, S.REOPENED),
    (S.CALLBACK, S.REOPENED), (S.CALLBACK, S.CLOSED), (S.CLOSED, S.REOPENED),
    (S.CLOSED, S.ARCHIVED), (S.REJECTED, S.ARCHIVED), (S.MERGED, S.ARCHIVED),
}
REACHED: set[str] = set()
# The natural next step for each status (with a user allowed to take it), so runs get deep into the life.
NEXT = {
    S.RECEIVED: [("accept", "demo-cailing"), ("accept", "demo-town"), ("reject", "demo-town"),
                 ("merge", "demo-town")],
    S.ACCEPTED: [("assign", "demo-town"), ("assign", "demo-cailing"), ("answer", "demo-town")],
    S.REOPENED: ("assign", "demo-cailing"), S.ASSIGNED: ("contact", "demo-handler"),
    S.IN_PROGRESS: ("reply", "demo-handler"), S.REPLIED: ("callback", "demo-town"),
    S.ANSWERED: ("callback", "demo-cailing"), S.CALLBACK: [("close", "demo-town"), ("reopen", "demo-cailing")],
    S.CLOSED: [("archive", "demo-town"), ("reopen", "demo-town")], S.REJECTED: ("archive", "demo-town"), S.MERGED: ("archive", "demo-town"),
}
ACTIONS = ["accept", "reject", "merge", "answer", "assign", "contact", "reply", "extend", "callback", "rate",
           "reopen", "close", "archive", "escalate", "supervise", "classify"]


def kpi_rows() -> dict:
    return {row["key"]: tuple(row[f] for f in counters.COUNT_FIELDS)
            for row in KpiCounter.objects.values("key", *counters.COUNT_FIELDS)
            if any(row[f] for f in counters.COUNT_FIELDS)}


class DemandLife(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
        self.codes: list[str] = []
        self.versions: dict[str, int] = {}
        self.steps = 0

    def _new(self, where: int) -> None:
        cailing = Community.objects.get(name="采菱社区")
        places = [
            {"community": cailing},
            {"community": cailing, "grid": Grid.objects.get(name="采菱第一网格")},
            {"community": Community.objects.get(name="三勤社区")},
        ]
        d, _ = services.register(text=f"楼道灯不亮 {len(self.codes)}", channel="hotline", run_triage=False,
                                 category="sanitation", reporter_name="王五", reporter_phone="13900002222",
                                 **places[where % 3])
        self.codes.append(d.code)

    @initialize()
    def start(self):
        for where in range(3):
            self._new(where)

    @rule(where=st.integers(0, 2))
    def register(self, where):
        if len(self.codes) < 6:
            self._new(where)

    @rule(i=st.integers(0, 5), data=st.data())
    def advance(self, i, data):
        """The usual next step by a user who may take it (the services still decide)."""
        status = Demand.objects.get(code=self.codes[i % len(self.codes)]).status
        if status in NEXT:
            step = NEXT[status]
            action, who = data.draw(st.sampled_from(step)) if isinstance(step, list) else step
            self.act(i=i, j=i + 1, who=who, action=action, data=data)

    @rule(i=st.integers(0, 5), j=st.integers(0, 5), who=st.sampled_from(USERS), action=st.sampled_from(ACTIONS),
          data=st.data())
    def random_action(self, i, j, who, action, data):
        self.act(i=i, j=j, who=who, action=action, data=data)

    def act(self, i, j, who, action, data):
        code = self.codes[i % len(self.codes)]
        other = self.codes[j % len(self.codes)]
        actor = self.users[who]
        draw = data.draw
        calls = {
            "accept": lambda: services.accept(code, actor),
            "reject": lambda: services.reject(code, actor, reason=draw(st.sampled_from(["不属于本社区", ""]))),
            # (merging into itself is refused as invalid input: also a case worth running)
            "merge": lambda: services.merge(code, actor, into=other),
            "answer": lambda: services.answer(code, actor, reply="政策如下"),
            "assign": lambda: services.assign(code, actor, handler=draw(st.sampled_from(["demo-handler",
                                                                                         "demo-resident"])),
                                              complexity=draw(st.sampled_from([None, "ordinary", "complex"]))),
            "contact": lambda: services.contact(code, actor, note="已电话联系"),
            "reply": lambda: services.reply(code, actor, reply="已修好"),
            "extend": lambda: services.extend(code, actor, days=draw(st.integers(0, 40)), reason="材料未到"),
            "callback": lambda: services.callback(
                code, actor, resolution=draw(st.sampled_from(["resolved", "partly", "unresolved"])),
                satisfaction=draw(st.sampled_from(["satisfied", "basically", "dissatisfied", "no_answer"])),
                handler_fault=draw(st.booleans())),
            "rate": lambda: services.callback(
                code, None, resolution=draw(st.sampled_from(["resolved", "unresolved"])),
                satisfaction=draw(st.sampled_from(["satisfied", "dissatisfied"])), by_reporter=True),
            "reopen": lambda: services.reopen(code, actor),
            "close": lambda: services.close(code, actor),
            "archive": lambda: services.archive(code, actor),
            "escalate": lambda: services.escalate(code, actor, note="吹哨"),
            "supervise": lambda: services.supervise(code, actor),
            "classify": lambda: services.classify(code, actor, category=draw(st.sampled_from(Category.values)),
                                                  urgent=draw(st.booleans())),
        }
        before = Demand.objects.get(code=code)
        if action == "rate" and not before.awaiting_callback:
            return  # the tracking page and the API refuse (409) before calling the service
        try:
            calls[action]()
        except DomainError as exc:
            after = Demand.objects.get(code=code)
            assert after.status == before.status, (action, who, exc)
            # The one refusal that records something: a third reopening escalates to the town.
            if not (action == "reopen" and isinstance(exc, Conflict) and after.escalated):
                assert after.version == before.version, (action, who, exc)
        self.steps += 1

    @invariant()
    def life_is_consistent(self):
        for d in Demand.objects.filter(code__in=self.codes):
            assert d.status in Status.values
            REACHED.add(d.status)
            prev = ""
            for e in DemandEvent.objects.filter(demand=d).order_by("at", "id"):
                assert e.from_status == prev, (d.code, e.action, e.from_status, prev)
                if e.from_status != e.to_status:
                    assert (e.from_status, e.to_status) in MOVES, (d.code, e.action, e.from_status, e.to_status)
                prev = e.to_status
            assert prev == d.status, (d.code, prev, d.status)
            assert d.version >= self.versions.get(d.code, 0)
            self.versions[d.code] = d.version
            if d.status == S.MERGED:
                assert d.merged_into_id and d.merged_into_id != d.pk

    def teardown(self):
        incremental = kpi_rows()
        counters.rebuild()
        assert incremental == kpi_rows()


def test_demand_life_keeps_its_invariants(demo_territory):
    run_state_machine_as_test(DemandLife, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=30, deadline=None, database=None, derandomize=not EXPLORE,
        suppress_health_check=list(HealthCheck)))
    # The runs went deep: every status of the life was visited.
    assert set(Status.values) <= REACHED, set(Status.values) - REACHED
