"""The ended history (queue=ended, an ended status): newest first, merged from one index-ordered query
per branch of the caller's scope, paged without a total; and the worklist queries stay index ranges."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from minsheng.accounts.models import Membership, Role
from minsheng.demands import selectors
from minsheng.demands.models import ENDED_STATES, Demand
from minsheng.territory.models import Community


@pytest.fixture
def history(demo_territory):
    """~400 ended demands over a year (all communities), some handled by demo-handler elsewhere."""
    call_command("bench-data", "--demands", "400", "--days", "365", "--ago", "90")
    handler = get_user_model().objects.get(username="demo-handler")
    sanqin = Community.objects.get(name="三勤社区")
    ids = list(Demand.objects.filter(community=sanqin).values_list("pk", flat=True)[:15])
    Demand.objects.filter(pk__in=ids).update(handler=handler)
    return handler


def _expected(user, **filters):
    qs = selectors.filtered(user, selectors.Filters(**filters))
    return list(qs.order_by("-received_at", "-id").values_list("code", flat=True))


@pytest.mark.parametrize("username", ["demo-cailing", "demo-handler", "demo-town", "demo-cailing-grid"])
def test_merged_branches_equal_the_scope_query(history, username):
    user = get_user_model().objects.get(username=username)
    if username == "demo-cailing":
        # Two nodes and a handled demand elsewhere: three branches whose rows overlap.
        grid = Community.objects.get(name="采菱社区").grids.first()
        Membership.objects.create(user=user, role=Role.GRID_WORKER, grid=grid)
        elsewhere = Demand.objects.filter(community__name="三勤社区").values_list("pk", flat=True)[:1]
        Demand.objects.filter(pk__in=list(elsewhere)).update(handler=user)
        user = get_user_model().objects.get(username=username)
    found = selectors.worklist(user, selectors.Filters(queue="ended"))
    assert isinstance(found, selectors.NewestFirst)
    expected = _expected(user, queue="ended")
    assert expected, "the fixture must give every role some history"
    for start, stop in [(0, 50), (0, 7), (7, 19), (50, 100), (len(expected) - 3, len(expected) + 10)]:
        assert [d.code for d in found[start:stop]] == expected[start:stop]
    assert found.count() == len(expected)


def test_history_with_an_ended_status_and_category(history):
    user = get_user_model().objects.get(username="demo-town")
    found = selectors.worklist(user, selectors.Filters(status="closed", category="drainage"))
    expected = _expected(user, status="closed", category="drainage")
    assert [d.code for d in found[0:500]] == expected and expected
    assert {d.status for d in found[0:500]} == {"closed"}


def test_desk_pages_the_history_without_a_total(history, user_client):
    client = user_client("demo-town")
    expected = _expected(get_user_model().objects.get(username="demo-town"), queue="ended")
    assert len(expected) > 100
    first = client.get("/desk/", {"queue": "ended"}).content.decode()
    assert "按登记时间从新到旧" in first and "共 " not in first.split('data-testid="total"')[1][:200]
    assert re.findall(r'name="codes" value="([^"]+)"', first) == expected[:50]
    assert "第 1 页" in first and "page=2" in first
    second = client.get("/desk/", {"queue": "ended", "page": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'name="codes" value="([^"]+)"', second) == expected[50:100]
    assert "上一页" in second
    # Nonsense page numbers fall back to the first page rather than failing.
    assert client.get("/desk/", {"queue": "ended", "page": "abc"}).status_code == 200


def test_api_history_is_paged_with_has_next(history, api):
    a = api("demo-town")
    r = a.get("/api/v1/demands", queue="ended", page_size=100)
    body = r.json()
    assert r.status_code == 200 and body["count"] is None and body["has_next"] is True
    assert [i["code"] for i in body["items"]] == _expected(get_user_model().objects.get(username="demo-town"),
                                                           queue="ended")[:100]
    active = a.get("/api/v1/demands", queue="in_work").json()
    assert isinstance(active["count"], int)
    deep = a.get("/api/v1/demands", queue="ended", page=101, page_size=100)
    assert deep.status_code == 422 and "page" in deep.content.decode()


def _plan(qs) -> str:
    return qs.explain()


def test_worklist_reads_name_the_active_states_once(history):
    """PostgreSQL multiplies the selectivities of repeated terms: `status IN (active)` written twice made it
    expect a town's 2,000 open demands to be 14, and walk every town's open demands by status instead of
    the town's open index (5,000,000 demands in 10 towns: the town worklist 1.9× its one-town time)."""
    from django.test.utils import CaptureQueriesContext

    from minsheng.demands.models import ACTIVE_STATES_LIST

    active = ", ".join(f"'{v}'" for v in ACTIVE_STATES_LIST)
    user = get_user_model().objects.get(username="demo-town")
    with CaptureQueriesContext(connection) as q:
        list(selectors.worklist(user, selectors.Filters(), active_by_default=True)[:50])
        selectors.queue_counts(user)
    reads = [x["sql"] for x in q.captured_queries if active in x["sql"]]
    assert reads and all(sql.count(active) == 1 for sql in reads), reads


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner (PostgreSQL plans by statistics)")
def test_worklist_queries_are_index_ranges_on_sqlite(history):
    """No worklist read walks the whole table: the active views walk each node's open-workload index
    in worklist order (sorting at most the ties of one deadline), the history branches walk
    (node, received_at) in order without sorting."""
    for username, filters in [("demo-cailing", {}), ("demo-town", {"queue": "overdue"}),
                              ("demo-cailing", {"queue": "in_work"}), ("demo-town", {"status": "in_progress"}),
                              ("demo-handler", {})]:
        user = get_user_model().objects.get(username=username)
        found = selectors.worklist(user, selectors.Filters(**filters), active_by_default=True)
        assert isinstance(found, selectors.DeadlineFirst)
        nodes = len(selectors.visible_branches(user)) - 2      # the branches of the user's territory / handling
        for runs in (found.dated, found.undated):
            for i, branch in enumerate(runs):
                plan = _plan(branch[:50])
                assert not re.search(r"SCAN demands_demand\b(?! USING)", plan), (username, filters, plan)
                assert "demands_demand_received_at" not in plan, (username, filters, plan)
                if i < max(nodes, 1):
                    assert re.search(r"USING (COVERING )?INDEX demand_\w+_open", plan), (username, filters, plan)
                    assert "TEMP B-TREE FOR ORDER BY" not in plan, (username, filters, plan)
    for username in ["demo-cailing", "demo-town", "demo-handler"]:
        user = get_user_model().objects.get(username=username)
        found = selectors.worklist(user, selectors.Filters(queue="ended"))
        for branch in found.branches:
            plan = _plan(branch[:51])
            # (ties of one received_at sorted by id at most: "RIGHT PART")
            assert "SEARCH demands_demand USING INDEX demand_" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_ended_states_are_what_the_history_shows(history):
    user = get_user_model().objects.get(username="demo-town")
    statuses = {d.status for d in selectors.worklist(user, selectors.Filters(queue="ended"))[0:400]}
    assert statuses and statuses <= ENDED_STATES
