"""Read cost with a small and a large OPEN workload, side by side (issue #20, item 3).

    MINSHENG_DATA_DIR=$(mktemp -d) python bench/open_workload.py --small 1000 --large 50000
    MINSHENG_DATA_DIR=$(mktemp -d) scripts/with-postgres python bench/open_workload.py --small 1000 --large 50000

Loads the demo territory, a two-year history of `--history` ended demands and `--small` open ones
(`minsheng bench-data --open`: received in the last 45 days, spread over communities, grids, categories,
registration / acceptance / dispatch / work, the older ones overdue) and times the reads staff open
every day; then adds open demands up to `--large` and times them again. Prints each read's median time
at both sizes and the ratio (goal ≤ 1.5, at most 2). Reads go through Django's test client (routing,
auth, templates, JSON included), as in `bench/read_scaling.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import read_scaling as rs  # noqa: E402  (sets up Django)
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402


def reads() -> dict[str, tuple[str, str]]:
    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    return {
        "worklist community, first page": ("demo-cailing", "/desk/"),
        "worklist town, first page": ("demo-town", "/desk/"),
        "worklist community in work": ("demo-cailing", "/desk/?queue=in_work"),
        "overdue queue community": ("demo-cailing", "/desk/?queue=overdue"),
        "overdue queue town": ("demo-town", "/desk/?queue=overdue"),
        "api list community": ("demo-cailing", "/api/v1/demands"),
        "api list town": ("demo-town", "/api/v1/demands"),
        "dashboard data town": ("demo-town", "/dashboard/data.json"),
        "dashboard data community": ("demo-cailing", "/dashboard/data.json?scope=采菱社区"),
        "kpis town month": ("", f"/api/v1/kpis?scope=湖塘镇&period={month}"),
        "kpis community year": ("", f"/api/v1/kpis?scope=采菱社区&period={today.year}"),
    }


QUIET = rs.QUIET


def settle(connection) -> None:
    """PostgreSQL: what autovacuum does after a bulk insert (statistics, and the visibility map that lets
    counts read only the index); SQLite: nothing (see read_scaling.analyze)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    from django.db import connection

    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=1_000, help="open demands at the small size")
    ap.add_argument("--large", type=int, default=50_000, help="open demands at the large size")
    ap.add_argument("--history", type=int, default=20_000, help="ended demands (the same at both sizes)")
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    call_command("demo", "--territory-only", verbosity=0)
    t = time.perf_counter()
    call_command("bench-data", "--demands", str(a.history), "--ago", "60", **QUIET)
    call_command("bench-data", "--open", str(a.small), "--seed", "11", **QUIET)
    print(f"# {connection.vendor}: {a.history:,} ended + {a.small:,} open in {time.perf_counter() - t:.1f} s",
          flush=True)
    settle(connection)
    small_open = rs.open_count()
    small, small_shown = rs.measure(a.runs, reads)
    t = time.perf_counter()
    call_command("bench-data", "--open", str(a.large - a.small), "--seed", "13", **QUIET)
    print(f"# {connection.vendor}: grown to {a.large:,} open in {time.perf_counter() - t:.1f} s", flush=True)
    settle(connection)
    large_open = rs.open_count()
    large, large_shown = rs.measure(a.runs, reads)
    print(f"| read ({connection.vendor}) | ms at {small_open:,} open | ms at {large_open:,} open | ratio | "
          f"first-page rows |")
    print("|---|---|---|---|---|")
    for name in small:
        rows = f"{small_shown[name]} / {large_shown[name]}" if name in small_shown else ""
        print(f"| {name} | {small[name]:.2f} | {large[name]:.2f} | {large[name] / small[name]:.2f} | {rows} |")


if __name__ == "__main__":
    main()
