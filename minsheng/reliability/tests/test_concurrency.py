"""Many writers against the real server: never a 5xx (a "database is locked" is a bug), conflicting
transitions answer 409, identical idempotency keys in flight create one demand."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest

from .live import LiveServer, fresh_database, query

ALLOWED = {200, 201, 403, 404, 409, 422}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with fresh_database() as url:
        s = LiveServer(tmp_path_factory.mktemp("concurrency"), url, workers=3, threads=4)
        s.prepare()
        s.start()
        s.tokens = {u: s.token(u) for u in ("demo-town", "demo-cailing", "demo-cailing-grid", "demo-handler",
                                             "demo-sanqin", "demo-resident")}
        s.url = url
        try:
            yield s
        finally:
            s.stop()


def new_demand(server, text="采菱家园二期12幢下水道堵塞", who="demo-cailing") -> str:
    r = server.post("/api/v1/demands", {"text": text, "community": "采菱社区", "reporter_phone": "13812345678"},
                    headers=server.tokens[who])
    assert r.status == 201, r.body
    return r.json()["code"]


def run_threads(n: int, target, *args) -> None:
    errors: list = []

    def wrapped(i):
        try:
            target(i, *args)
        except Exception as exc:  # reported in the main thread
            errors.append(repr(exc))

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a writer hung"
    assert not errors, errors[:5]


def check_chain(server, code: str) -> None:
    (status,) = query(server.data_dir, server.url, "SELECT status FROM demands_demand WHERE code = ?", (code,))[0]
    events = query(server.data_dir, server.url,
                   "SELECT e.from_status, e.to_status FROM demands_demandevent e JOIN demands_demand d "
                   "ON d.id = e.demand_id WHERE d.code = ? ORDER BY e.at, e.id", (code,))
    prev = ""
    for from_status, to_status in events:
        assert from_status == prev, (code, events)
        prev = to_status
    assert prev == status, (code, events, status)


def test_many_writers_never_get_a_server_error(server):
    codes = [new_demand(server, f"采菱一期{i}幢楼道灯不亮") for i in range(8)]
    statuses: list[int] = []
    lock = threading.Lock()
    users = list(server.tokens)
    actions = [("accept", {}), ("assign", {"handler": "demo-handler"}), ("contact", {"note": "已联系"}),
               ("reply", {"reply": "已修好"}), ("escalate", {"note": "吹哨"}), ("classify", {"urgent": True}),
               ("callback", {"resolution": "resolved", "satisfaction": "satisfied"}), ("close", {}),
               ("reject", {"reason": "重复"}), ("extend", {"days": 2, "reason": "材料未到"})]
    deadline = time.monotonic() + 120

    def writer(i):
        rnd = random.Random(i)
        for n in range(15):
            if time.monotonic() > deadline:
                return
            if rnd.random() < 0.35:
                headers = {"Idempotency-Key": f"mw-{i}-{n}"}
                if rnd.random() < 0.5:
                    headers.update(server.tokens[rnd.choice(users)])
                r = server.post("/api/v1/demands", {"text": f"华家综合消费品市场公厕很脏 {i}-{n}"}, headers=headers)
            else:
                action, body = rnd.choice(actions)
                r = server.post(f"/api/v1/demands/{rnd.choice(codes)}/actions/{action}", body,
                                headers=server.tokens[rnd.choice(users)])
            with lock:
                statuses.append(r.status)
            assert r.status in ALLOWED, (r.status, r.body[:300])

    run_threads(16, writer)
    assert len(statuses) >= 100 and max(statuses) < 500
    assert any(s == 200 for s in statuses) and any(s == 201 for s in statuses)
    for code in codes:
        check_chain(server, code)
    assert server.get("/healthz").status == 200


@pytest.mark.parametrize("first,second", [("accept", "accept"), ("accept", "reject")])
def test_conflicting_transitions_answer_409(server, first, second):
    code = new_demand(server)
    barrier = threading.Barrier(8)
    answers: list[int] = []
    lock = threading.Lock()

    def race(i):
        action = first if i % 2 == 0 else second
        body = {"reason": "不属于本社区"} if action == "reject" else {}
        barrier.wait(timeout=30)
        r = server.post(f"/api/v1/demands/{code}/actions/{action}", body,
                        headers=server.tokens["demo-cailing" if i % 3 else "demo-town"])
        with lock:
            answers.append(r.status)

    run_threads(8, race)
    assert sorted(answers) == [200] + [409] * 7, answers
    check_chain(server, code)


def test_identical_keys_in_flight_make_one_demand(server):
    key = f"same-{uuid.uuid4().hex}"
    text = f"三勤新苑健身器材坏了 {key}"
    barrier = threading.Barrier(10)
    answers: list = []
    lock = threading.Lock()

    def post(i):
        barrier.wait(timeout=30)
        r = server.post("/api/v1/demands", {"text": text}, headers={"Idempotency-Key": key})
        with lock:
            answers.append((r.status, r.json().get("code")))

    run_threads(10, post)
    assert {s for s, _ in answers} == {201}, answers
    assert len({c for _, c in answers}) == 1
    assert query(server.data_dir, server.url, "SELECT COUNT(*) FROM demands_demand WHERE text = ?", (text,))[0][0] == 1


def test_opposite_reclassifications_do_not_deadlock(server):
    """Two demands moved between the same two categories in opposite directions at once: the KPI counter
    rows are locked in one order (a deadlock on PostgreSQL would be a 5xx)."""
    a, b = new_demand(server, "采菱家园路面坑洼"), new_demand(server, "采菱家园垃圾满了")
    cats = ["drainage", "sanitation"]

    def flip(i):
        code = (a, b)[i % 2]
        for n in range(60):
            category = cats[(n + i) % 2]
            r = server.post(f"/api/v1/demands/{code}/actions/classify", {"category": category},
                            headers=server.tokens["demo-cailing"])
            assert r.status == 200, (r.status, r.body[:300])

    run_threads(2, flip)
