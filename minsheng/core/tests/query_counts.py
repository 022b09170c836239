"""Shared by the apps' test_query_counts.py (issue #10: no N+1 on any list): a page or endpoint that lists
rows must cost the same number of queries with a few rows as with several times more."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(get: Callable) -> tuple[int, object]:
    """The number of queries `get()` runs (a streamed body is read inside the count) and its response."""
    with CaptureQueriesContext(connection) as ctx:
        r = get()
        if getattr(r, "streaming", False):
            r.body = b"".join(r.streaming_content)
    assert r.status_code == 200, (r.status_code, getattr(r, "body", None) or r.content[:300])
    return len(ctx.captured_queries), r


def assert_flat(get: Callable, grow: Callable, ceiling: int, django_assert_max_num_queries,
                check: Callable | None = None) -> tuple[int, int]:
    """`get()` with the rows there are, then after `grow()` (several times more rows of the same shape):
    no more queries than before, and at most `ceiling`. `check(response)` (after growing) shows that the
    new rows are really listed. Returns (few, many)."""
    get()  # warm up: the session, memberships, a token's last use are written once
    few, _r = queries(get)
    grow()
    # again after growing: a cache that re-checks itself every few seconds (the triage engine's gazetteer
    # fingerprint) would otherwise fall inside the count whenever grow() was slow, and it does not grow
    # with the rows
    get()
    many, r = queries(get)
    assert many <= few, f"the query count grew with the rows: {few} → {many}"
    if check is not None:
        assert check(r) is not False, "the new rows are not listed"
    with django_assert_max_num_queries(ceiling):
        r = get()
        if getattr(r, "streaming", False):
            b"".join(r.streaming_content)
    return few, many
