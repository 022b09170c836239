"""Durability: kill -9 the real server while residents submit; nothing acknowledged is lost or doubled.

Writers POST /api/v1/demands, each request with its own Idempotency-Key. In the middle the whole
gunicorn process group gets SIGKILL. After a restart (no repair step) every request that got no answer
is sent again with the same key. Then: every acknowledged demand exists exactly once with the code it
was acknowledged with, every retried one exists exactly once, and /healthz is 200.
"""

from __future__ import annotations

import http.client
import threading
import time

from .live import LiveServer, fresh_database, on_postgres, query

WRITERS = 6
PER_WRITER = 60  # upper bound of requests per writer per round
ROUNDS = 2  # kill -9 twice
KILL_AFTER_ACKS = 25  # per round: kill once this many answers came back
ROUND_TIMEOUT = 120  # seconds


def body_for(key: str) -> dict:
    return {"text": f"采菱家园二期12幢楼道灯不亮 [{key}]", "channel": "online", "place": "采菱家园二期12幢",
            "reporter_phone": "13812345678"}


def run_round(server: LiveServer, round_no: int, acked: dict, unanswered: list, lock: threading.Lock) -> None:
    stop = threading.Event()
    errors: list[str] = []
    answered_this_round = [0]

    def writer(w: int) -> None:
        for i in range(PER_WRITER):
            if stop.is_set():
                return
            key = f"crash-r{round_no}-w{w}-{i}"
            try:
                r = server.post("/api/v1/demands", body_for(key), headers={"Idempotency-Key": key}, timeout=30)
            except (OSError, http.client.HTTPException):
                # No complete answer (connection refused/reset, or a response cut off by the kill, which
                # http.client reports as IncompleteRead/BadStatusLine): retried after the restart.
                with lock:
                    unanswered.append(key)
                return  # the server is gone
            with lock:
                if r.status == 201:
                    acked[key] = r.json()["code"]
                    answered_this_round[0] += 1
                else:  # any other answer is a bug (no 5xx, no lock errors)
                    errors.append(f"{key}: {r.status} {r.body[:300]!r}")
                    return

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + ROUND_TIMEOUT
    while answered_this_round[0] < KILL_AFTER_ACKS and time.monotonic() < deadline:
        time.sleep(0.02)
    assert answered_this_round[0] >= KILL_AFTER_ACKS, "writers made no progress"
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    assert not errors, errors


def test_acknowledged_demands_survive_kill_9(tmp_path):
    with fresh_database() as database_url:
        server = LiveServer(tmp_path / "data", database_url)
        server.data_dir.mkdir()
        server.prepare()
        acked: dict[str, str] = {}
        unanswered: list[str] = []
        lock = threading.Lock()
        timings = []
        try:
            for round_no in range(ROUNDS):
                server.start()
                run_round(server, round_no, acked, unanswered, lock)
                t0 = time.monotonic()
                server.start()  # no repair: just start again
                timings.append(time.monotonic() - t0)
                assert server.get("/healthz").status == 200
                # Retry every request that got no answer, same key and body.
                for key in list(unanswered):
                    r = server.post("/api/v1/demands", body_for(key), headers={"Idempotency-Key": key})
                    assert r.status == 201, (key, r.status, r.body[:300])
                    acked[key] = r.json()["code"]
                    unanswered.remove(key)
                server.stop()
        finally:
            server.stop()

        rows = query(server.data_dir, database_url, "SELECT code, text FROM demands_demand")
        by_key: dict[str, list[str]] = {}
        for code, text in rows:
            key = text.rsplit("[", 1)[-1].rstrip("]")
            by_key.setdefault(key, []).append(code)
        for key, code in acked.items():
            assert by_key.get(key) == [code], (key, code, by_key.get(key))
        assert len(rows) == len(acked), "a demand exists that no request was told about and no retry claimed"
        keys = query(server.data_dir, database_url, "SELECT COUNT(*) FROM demands_idempotencyrecord")[0][0]
        assert keys == len(acked)
        print(f"\n[durability] {'postgresql' if on_postgres() else 'sqlite'}: {len(acked)} demands acknowledged "
              f"over {ROUNDS} kill -9 rounds, restart to healthy {max(timings):.1f}s max")
