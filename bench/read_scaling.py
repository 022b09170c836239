"""Read cost at a small and a large history, side by side (issue #10).

    MINSHENG_DATA_DIR=$(mktemp -d) python bench/read_scaling.py --small 10000 --large 1000000
    MINSHENG_DATA_DIR=$(mktemp -d) scripts/with-postgres python bench/read_scaling.py --small 10000 --large 1000000

Loads the demo territory and `--small` synthetic demands — a two-year history plus `--recent` demands
from the last seven days, the open workload that fills the worklists' first pages — and times the
reads; then grows the HISTORY to `--large` demands (received 90+ days ago, so they have all ended) and
times them again. The open workload is the same at both sizes, as in a real town: what a million
demands add is history, not open cases (staff carry a bounded workload). `--grow-open` instead spreads
the growth over the last two years too, so the open workload grows with it (a harsher case). Prints
each read's median time at both sizes, the ratio (goal ≤ 1.5), and the open count and first-page rows
at each size. Reads go through Django's test client, so routing, auth, templates and JSON are included.
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
        "dashboard data town": ("demo-town", "/dashboard/data.json"),
        "dashboard data community": ("demo-cailing", "/dashboard/data.json?scope=采菱社区"),
        "history community (ended, newest first)": ("demo-cailing", "/desk/?queue=ended"),
        "history town closed drainage": ("demo-town", "/desk/?status=closed&category=drainage"),
        "api history town ended": ("demo-town", "/api/v1/demands?queue=ended"),
    }
    extra = os.environ.get("MINSHENG_BENCH_EXTRA_READS", "")
    for item in filter(None, extra.split(";")):
        name, user, path = item.split("|")
        out[name] = (user, path)
    return out


def measure(runs: int, which=None, before=None) -> tuple[dict[str, float], dict[str, int]]:
    """Median ms per read (of `which()`, default `reads()`), and the rows each read's first page shows.
    `before(name)`, if given, runs before each timed read (outside the time)."""
    clients: dict[str, Client] = {}
    User = get_user_model()
    results, shown = {}, {}
    for name, (username, path) in (which or reads)().items():
        if username not in clients:
            c = Client()
            if username:
                c.force_login(User.objects.get(username=username))
            clients[username] = c
        c = clients[username]
        r = c.get(path)
        if r.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {r.status_code}")
        if path.startswith("/api/v1/demands"):
            shown[name] = len(r.json()["items"])
        elif path.startswith("/desk/"):
            shown[name] = r.content.decode().count('name="codes"')
        times = []
        for _ in range(runs):
            if before is not None:
                before(name)
            t = time.perf_counter()
            c.get(path)
            times.append(time.perf_counter() - t)
        results[name] = statistics.median(times) * 1000
    return results, shown


def open_count() -> int:
    from minsheng.demands.models import OPEN_STATES, Demand

    return Demand.objects.filter(status__in=OPEN_STATES).count()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--recent", type=int, default=2_000, help="of --small, received in the last 7 days")
    ap.add_argument("--grow-open", action="store_true", help="grow over the last two years (open work grows)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--measure-only", action="store_true",
                    help="measure the data directory/database as it is (e.g. one grown earlier) and print one column")
    ap.add_argument("--load-only", action="store_true",
                    help="load --small demands and grow them to --large, without measuring (for --measure-only later)")
    a = ap.parse_args()
    from django.db import connection

    if a.measure_only:
        from minsheng.demands.models import Demand

        analyze(connection)
        n = Demand.objects.count()
        column, shown = measure(a.runs)
        print(f"| read ({connection.vendor}) | ms at {n:,} ({open_count():,} open) | first-page rows |\n|---|---|---|")
        for name, ms in column.items():
            print(f"| {name} | {ms:.2f} | {shown.get(name, '')} |")
        return

    if a.load_only:
        load_small(a)
        if a.large > a.small:
            grow(a)
        return
    load_small(a)
    small_open = open_count()
    small, small_shown = measure(a.runs)
    grow(a)
    large_open = open_count()
    large, large_shown = measure(a.runs)
    print(f"| read ({connection.vendor}) | ms at {a.small:,} | ms at {a.large:,} | ratio | first-page rows |")
    print("|---|---|---|---|---|")
    for name in small:
        rows = f"{small_shown[name]} / {large_shown[name]}" if name in small_shown else ""
        print(f"| {name} | {small[name]:.2f} | {large[name]:.2f} | {large[name] / small[name]:.2f} | {rows} |")
    print(f"| open demands | {small_open:,} | {large_open:,} | | |")


QUIET = {"verbosity": 0, "stderr": open(os.devnull, "w")}


def load_small(a) -> None:
    from django.db import connection

    call_command("demo", "--territory-only", verbosity=0)
    t = time.perf_counter()
    call_command("bench-data", "--demands", str(a.small - a.recent), **QUIET)
    call_command("bench-data", "--demands", str(a.recent), "--days", "7", "--seed", "3", **QUIET)
    print(f"# {connection.vendor}: {a.small:,} demands loaded in {time.perf_counter() - t:.1f} s", flush=True)
    analyze(connection)


def grow(a) -> None:
    from django.db import connection

    t = time.perf_counter()
    # History only: received 90+ days ago, before the dashboards' 90-day window (channel mix, map),
    # whose cost follows the recent intake; --grow-open lands the growth in that window too.
    growth = [] if a.grow_open else ["--ago", "90"]
    call_command("bench-data", "--demands", str(a.large - a.small), "--seed", "7", *growth, **QUIET)
    print(f"# {connection.vendor}: grown to {a.large:,} demands in {time.perf_counter() - t:.1f} s", flush=True)
    analyze(connection)


def analyze(connection) -> None:
    """PostgreSQL: fresh planner statistics after a bulk load, as autovacuum would gather them. Not on
    SQLite: minsheng never runs ANALYZE there (without histograms its statistics make the skewed status
    column look unselective, and the planner then scans whole tables; see docs/performance.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
