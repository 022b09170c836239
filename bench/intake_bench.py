"""Intake throughput on `minsheng serve` as a ratio of the same server's /healthz throughput (issue #10).

    python bench/intake_bench.py                             # SQLite, fresh data dir
    scripts/with-postgres python bench/intake_bench.py       # PostgreSQL

Starts the production server (gunicorn) on a free loopback port with the demo territory, takes a
bearer token for a community staff account, and drives it with `wrk` (Debian package `wrk`):
first GET /healthz, then authenticated POST /api/v1/demands with full triage (texts from the triage
corpus, rotating). Prints requests/s of both, the ratio (goal ≥ 0.5), the non-2xx count (goal 0),
the peak RSS of the server's worker processes, and the server's CPU per request of each (user + system
time of the server's processes, read from /proc, divided by the requests wrk completed) with their ratio
(issue #20: CPU per registered demand ÷ CPU per /healthz, goal ≤ 6×, at most 10×). The two loads
alternate over ``--rounds`` rounds, since the machine's speed drifts between runs:

    python bench/intake_bench.py --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CORPUS = ROOT / "minsheng" / "triage" / "data" / "corpus.jsonl"

LUA = r"""
local texts = {}
for line in io.lines("%(texts)s") do table.insert(texts, line) end
local n = 0
non2xx = 0
request = function()
  n = n + 1
  local body = texts[(n %% #texts) + 1]
  return wrk.format("POST", "/api/v1/demands", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(token)s"}, body)
end
response = function(status, headers, body)
  if status < 200 or status >= 300 then non2xx = non2xx + 1 end
end
"""


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not come up at {url}")


def rss_of_children(pid: int) -> int:
    """Sum of nothing: the largest RSS (kB) among the server's worker processes."""
    best = 0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            status = (p / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", status, re.M):
            m = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
            if m:
                best = max(best, int(m.group(1)))
    return best


def cpu_of_group(pgid: int) -> float:
    """User + system CPU seconds of every live process in the server's process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …, utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def wrk(url: str, seconds: int, connections: int, threads: int, script: str | None = None) -> tuple[float, int, str]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, int(m.group(1)) if m else 0, out


def requests_done(out: str) -> int:
    return int(re.search(r"(\d+) requests in", out).group(1))


def measured(pgid: int, url: str, seconds: int, connections: int, threads: int, script: str | None = None):
    """wrk's figures plus the server's CPU milliseconds per completed request."""
    before = cpu_of_group(pgid)
    rps, bad, out = wrk(url, seconds, connections, threads, script)
    return rps, bad, out, (cpu_of_group(pgid) - before) * 1000 / max(1, requests_done(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="alternating /healthz and intake runs")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: serve's default)")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    data = Path(tempfile.mkdtemp(prefix="minsheng-bench-"))
    env = dict(os.environ, MINSHENG_DATA_DIR=str(data), MINSHENG_LOG_LEVEL="ERROR")
    subprocess.run([PY, "-m", "minsheng", "demo", "--territory-only"], env=env, check=True, capture_output=True)
    port = free_port()
    serve = [PY, "-m", "minsheng", "serve", "--port", str(port), "--no-worker"]
    if a.workers:
        serve += ["--workers", str(a.workers)]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    peak = {"rss": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], rss_of_children(server.pid))
            time.sleep(0.5)

    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/healthz")
        req = urllib.request.Request(base + "/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": "demo-cailing", "password": "minsheng-demo"}).encode(),
                                     headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(req))["token"]
        texts = data / "texts.jsonl"
        with texts.open("w", encoding="utf-8") as out:
            for i, line in enumerate(CORPUS.open(encoding="utf-8")):
                item = json.loads(line)
                body = {"text": item["text"], "channel": "online", "reporter_phone": f"139{i:08d}"}
                out.write(json.dumps(body, ensure_ascii=False) + "\n")
        script = data / "post.lua"
        script.write_text(LUA % {"texts": texts, "token": token})
        threading.Thread(target=sample, daemon=True).start()
        # Warm every worker (triage engine load) before measuring.
        wrk(base + "/api/v1/demands", 5, a.connections, a.threads, str(script))
        # Alternate the two loads (the machine's speed drifts): figures are over all rounds.
        rounds = {"health": [], "intake": []}
        for _ in range(a.rounds):
            rounds["health"].append(measured(server.pid, base + "/healthz", a.seconds, a.connections, a.threads))
            rounds["intake"].append(measured(server.pid, base + "/api/v1/demands", a.seconds, a.connections,
                                             a.threads, str(script)))

        def over(runs):
            done = [requests_done(r[2]) for r in runs]
            cpu = sum(r[3] * n for r, n in zip(runs, done, strict=True)) / max(1, sum(done))
            return sum(r[0] for r in runs) / len(runs), sum(r[1] for r in runs), runs[-1][2], cpu

        health_rps, health_bad, _, health_cpu = over(rounds["health"])
        intake_rps, intake_bad, out, intake_cpu = over(rounds["intake"])
        each = ", ".join(f"{i[3] / h[3]:.1f}×" for h, i in zip(rounds["health"], rounds["intake"], strict=True))
        stop.set()
        vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
        latency = re.search(r"99%\s+(\S+)", out)
        print(f"| intake ({vendor}) | value |\n|---|---|")
        print(f"| /healthz requests/s | {health_rps:,.0f} |")
        print(f"| POST /api/v1/demands requests/s (authenticated, full triage) | {intake_rps:,.0f} |")
        print(f"| ratio intake ÷ healthz | **{intake_rps / health_rps:.2f}** (goal ≥ 0.5) |")
        print(f"| non-2xx answers (healthz, intake) | {health_bad}, {intake_bad} |")
        print(f"| intake p99 latency | {latency.group(1) if latency else '?'} |")
        print(f"| peak RSS of one serve worker | {peak['rss'] / 1024:,.0f} MiB |")
        print(f"| server CPU per request: /healthz, registered demand | {health_cpu:.2f} ms, {intake_cpu:.2f} ms |")
        print(f"| CPU per demand ÷ CPU per /healthz | **{intake_cpu / health_cpu:.1f}×** (goal ≤ 6×, at most 10×; "
              f"each round: {each}) |")
    finally:
        stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
