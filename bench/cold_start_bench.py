"""A fresh server's first demands ÷ its warm demands (issue #20, item 2).

    python bench/cold_start_bench.py                         # SQLite, fresh data dir
    scripts/with-postgres python bench/cold_start_bench.py   # PostgreSQL

Starts `minsheng serve --workers 2` on a fresh demo territory and, as soon as /healthz answers, files
demands one after another through POST /api/v1/demands (a community staff token, full triage). Prints
the time of each of the first eight, the median of the warm ones (demands 21–60) and the ratio of the
slowest first-eight demand to that median (goal ≤ 2, at most 5), and the RSS of each worker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_bench import CORPUS, PY, free_port, rss_of_children, wait_up  # noqa: E402


def post(base: str, token: str, body: dict) -> float:
    req = urllib.request.Request(base + "/api/v1/demands", method="POST",
                                 data=json.dumps(body, ensure_ascii=False).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
        if r.status != 201:
            raise SystemExit(f"POST answered {r.status}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--warm", type=int, default=40, help="demands measured once warm (after 20)")
    a = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="minsheng-cold-"))
    env = dict(os.environ, MINSHENG_DATA_DIR=str(data), MINSHENG_LOG_LEVEL="ERROR")
    subprocess.run([PY, "-m", "minsheng", "demo", "--territory-only"], env=env, check=True, capture_output=True)
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen([PY, "-m", "minsheng", "serve", "--port", str(port), "--no-worker",
                               "--workers", str(a.workers)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_up(base + "/healthz", timeout=180)
        up = time.perf_counter() - started
        req = urllib.request.Request(base + "/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": "demo-cailing", "password": "minsheng-demo"}).encode(),
                                     headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(req))["token"]
        times = [post(base, token, {"text": texts[i % len(texts)], "channel": "online",
                                    "reporter_phone": f"139{i:08d}"})
                 for i in range(20 + a.warm)]
        first, warm = times[:8], times[20:]
        median = statistics.median(warm)
        vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
        print(f"| cold start ({vendor}, {a.workers} workers) | value |\n|---|---|")
        print(f"| serve start → /healthz answers | {up:.1f} s |")
        print(f"| first eight demands (ms) | {', '.join(f'{t:.0f}' for t in first)} |")
        print(f"| warm median (demands 21–{20 + a.warm}) | {median:.1f} ms |")
        print(f"| slowest of the first eight ÷ warm median | **{max(first) / median:.1f}×** (goal ≤ 2, at most 5) |")
        print(f"| largest worker RSS | {rss_of_children(server.pid) / 1024:,.0f} MiB |")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
