"""Read cost at a small and a large history, side by side (issue #10).

    MINSHENG_DATA_DIR=$(mktemp -d) python bench/read_scaling.py --small 10000 --large 1000000
    MINSHENG_DATA_DIR=$(mktemp -d) scripts/with-postgres python bench/read_scaling.py --small 10000 --large 1000000

Loads the demo territory, adds `--small` synthetic demands, times the reads, grows the history to
`--large`, times them again, and prints each read's median time at both sizes and the ratio (goal
≤ 1.5). Reads go through Django's test client, so URL routing, auth, templates and JSON are included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]


def reads() -> dict[str, tuple[str, str]]:
    """name → (username or "", path)."""
    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    out = {
        "kpis town month": ("", f"/api/v1/kpis?scope=湖塘镇&period={month}"),
        "kpis town year": ("", f"/api/v1/kpis?scope=湖塘镇&period={today.year}"),
        "kpis community quarter": ("", f"/api/v1/kpis?scope=采菱社区&period={quarter}"),
        "kpis grid range": ("", f"/api/v1/kpis?scope=采菱第五网格&period={today.year}-01-15..{today:%Y-%m-%d}"),
        "worklist community (default)": ("demo-cailing", "/desk/"),
        "worklist community in work": ("demo-cailing", "/desk/?queue=in_work"),
        "worklist town overdue": ("demo-town", "/desk/?queue=overdue"),
        "worklist town drainage in progress": ("demo-town", "/desk/?status=in_progress&category=drainage"),
        "api list community in work": ("demo-cailing", "/api/v1/demands?queue=in_work"),
    }
    extra = os.environ.get("MINSHENG_BENCH_EXTRA_READS", "")
    for item in filter(None, extra.split(";")):
        name, user, path = item.split("|")
        out[name] = (user, path)
    return out


def measure(runs: int) -> dict[str, float]:
    clients: dict[str, Client] = {}
    User = get_user_model()
    results = {}
    for name, (username, path) in reads().items():
        if username not in clients:
            c = Client()
            if username:
                c.force_login(User.objects.get(username=username))
            clients[username] = c
        c = clients[username]
        r = c.get(path)
        if r.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {r.status_code}")
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            c.get(path)
            times.append(time.perf_counter() - t)
        results[name] = statistics.median(times) * 1000
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--measure-only", action="store_true",
                    help="measure the data directory/database as it is (e.g. one grown earlier) and print one column")
    a = ap.parse_args()
    from django.db import connection

    if a.measure_only:
        from minsheng.demands.models import Demand

        n = Demand.objects.count()
        column = measure(a.runs)
        print(f"| read ({connection.vendor}) | ms at {n:,} |\n|---|---|")
        for name, ms in column.items():
            print(f"| {name} | {ms:.2f} |")
        return

    call_command("demo", "--territory-only", verbosity=0)
    t = time.perf_counter()
    call_command("bench-data", "--demands", str(a.small), verbosity=0, stderr=open(os.devnull, "w"))
    print(f"# {connection.vendor}: {a.small:,} demands loaded in {time.perf_counter() - t:.1f} s", flush=True)
    small = measure(a.runs)
    t = time.perf_counter()
    call_command("bench-data", "--demands", str(a.large - a.small), "--seed", "7", verbosity=0,
                 stderr=open(os.devnull, "w"))
    print(f"# {connection.vendor}: grown to {a.large:,} demands in {time.perf_counter() - t:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = measure(a.runs)
    print(f"| read ({connection.vendor}) | ms at {a.small:,} | ms at {a.large:,} | ratio |")
    print("|---|---|---|---|")
    for name in small:
        print(f"| {name} | {small[name]:.2f} | {large[name]:.2f} | {large[name] / small[name]:.2f} |")


if __name__ == "__main__":
    main()
