"""Read cost at one town and at a district of N towns, side by side (district performance issue).

    MINSHENG_DATA_DIR=$(mktemp -d) .venv/bin/python bench/district.py --per-town 50000 --towns 10
    MINSHENG_DATA_DIR=$(mktemp -d) scripts/with-postgres .venv/bin/python bench/district.py --per-town 500000 --towns 10
    MINSHENG_DATA_DIR=$(mktemp -d) .venv/bin/python bench/district.py --per-town 5000 --towns 3 --runs 5   # a quick look

In a fresh data directory/database: builds one synthetic town (`bench-data --towns 1`, `--communities`
communities of `--grids` grids) with `--per-town` demands — a two-year history of which
`--open-per-town` are still open (the last 45 days' workload, some overdue) — and times the reads of
town 1 (牛塘镇, as bench-t01-town) and of its first community (as bench-t01-c01); then grows the district
to `--towns` towns, each with its own `--per-town` demands (`bench-data --towns N --from-town 2`), and
times the same reads again, plus the district's (dashboard data as bench-district, KPIs of
MINSHENG_DISTRICT_NAME). Town 1 holds the same demands at both sizes: what grows is the rest of the
install. Goal: each town/community read within 1.5× of its one-town time, and the district dashboard
under 2× a town's (also printed "cold": with its cached parts rebuilt for every request). Prints a
markdown table (median ms of `--runs`), the open counts, and the district dashboard ÷ town dashboard
ratio. Reads go through `read_scaling.measure` (Django's test client: routing, auth, templates and JSON
included). `--measure-only` measures the database as it is (one column).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import read_scaling as rs  # noqa: E402  (sets up Django)
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from minsheng.demands import bench_towns  # noqa: E402

TOWN_USER, COMMUNITY_USER = "bench-t01-town", "bench-t01-c01"


def reads() -> dict[str, tuple[str, str]]:
    """name → (username or "", path): town 1's reads, its first community's, and the district's."""
    from minsheng.territory.models import Community

    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    town = bench_towns.town_name(1)
    community = Community.objects.get(code=bench_towns.community_code(1, 1)).name
    district = settings.MINSHENG_DISTRICT_NAME
    return {
        "worklist town (default)": (TOWN_USER, "/desk/"),
        "worklist town overdue": (TOWN_USER, "/desk/?queue=overdue"),
        "worklist community (default)": (COMMUNITY_USER, "/desk/"),
        "api list community in work": (COMMUNITY_USER, "/api/v1/demands?queue=in_work"),
        "dashboard data town": (TOWN_USER, "/dashboard/data.json"),
        "dashboard data community": (COMMUNITY_USER, f"/dashboard/data.json?scope={community}"),
        "kpis town year": ("", f"/api/v1/kpis?scope={town}&period={today.year}"),
        "kpis community quarter": ("", f"/api/v1/kpis?scope={community}&period={quarter}"),
        "district dashboard data": (bench_towns.DISTRICT_USER, f"/dashboard/data.json?scope={district}"),
        # the same with its cached parts (channel mix, map: DISTRICT_CACHE_SECONDS) rebuilt every time
        "district dashboard data (cold)": (bench_towns.DISTRICT_USER, f"/dashboard/data.json?scope={district}"),
        "kpis district year": ("", f"/api/v1/kpis?scope={district}&period={today.year}"),
    }


def measure(runs: int) -> tuple[dict[str, float], dict[str, int]]:
    """`read_scaling.measure` of these reads; a "(cold)" read empties the cache before each run."""
    return rs.measure(runs, reads, before=lambda name: cache.clear() if name.endswith("(cold)") else None)


def counts() -> dict[str, int]:
    from minsheng.demands.models import OPEN_STATES, Demand
    from minsheng.territory.models import Town

    town = Town.objects.get(code=bench_towns.town_code(1))
    return {
        "demands": Demand.objects.count(),
        "open demands": Demand.objects.filter(status__in=OPEN_STATES).count(),
        "town 1 demands": Demand.objects.filter(town=town).count(),
        "town 1 open": Demand.objects.filter(town=town, status__in=OPEN_STATES).count(),
        "towns": Town.objects.count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--towns", type=int, default=10, help="towns after growing (default 10)")
    ap.add_argument("--per-town", type=int, default=50_000, help="demands per town (default 50,000)")
    ap.add_argument("--open-per-town", type=int, default=1_000, help="of --per-town, still open (default 1,000)")
    ap.add_argument("--communities", type=int, default=40, help="communities per town (default 40)")
    ap.add_argument("--grids", type=int, default=6, help="grids per community (default 6)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--measure-only", action="store_true",
                    help="measure the data directory/database as it is (e.g. one grown earlier) and print one column")
    a = ap.parse_args()
    if a.towns < 2 or a.per_town < 1 or not 0 <= a.open_per_town <= a.per_town or a.runs < 1:
        raise SystemExit("--towns ≥ 2, --per-town ≥ 1, 0 ≤ --open-per-town ≤ --per-town, --runs ≥ 1")
    from django.db import connection

    if a.measure_only:
        rs.analyze(connection)
        n = counts()
        column, shown = measure(a.runs)
        print(f"| read ({connection.vendor}) | ms at {n['towns']} towns, {n['demands']:,} demands "
              f"({n['open demands']:,} open) | first-page rows |\n|---|---|---|")
        for name, ms in column.items():
            print(f"| {name} | {ms:.2f} | {shown.get(name, '')} |")
        print(f"\ndistrict dashboard ÷ town dashboard: {district_ratios(column)}")
        return

    call_command("migrate", interactive=False, verbosity=0)
    load(a, 1, 1, seed=1)
    small_n = counts()
    small, small_shown = measure(a.runs)
    load(a, a.towns, 2, seed=7)
    large_n = counts()
    large, large_shown = measure(a.runs)

    print(f"\n| read ({connection.vendor}) | ms at 1 town | ms at {a.towns} towns | ratio | first-page rows |")
    print("|---|---|---|---|---|")
    for name in reads():
        rows = f"{small_shown[name]} / {large_shown[name]}" if name in small_shown else ""
        print(f"| {name} | {small[name]:.2f} | {large[name]:.2f} | {large[name] / small[name]:.2f} | {rows} |")
    for key in ("demands", "open demands", "town 1 demands", "town 1 open"):
        print(f"| {key} | {small_n[key]:,} | {large_n[key]:,} | | |")
    print(f"\ndistrict dashboard ÷ town dashboard ({a.towns} towns): {district_ratios(large)}")


def district_ratios(column: dict[str, float]) -> str:
    town = column["dashboard data town"]
    return (f"{column['district dashboard data'] / town:.2f} "
            f"(cold: {column['district dashboard data (cold)'] / town:.2f})")

QUIET = {"verbosity": 0, "stdout": open(os.devnull, "w"), "stderr": open(os.devnull, "w")}


def load(a, towns: int, first: int, *, seed: int) -> None:
    """Ensure `towns` synthetic towns and give towns first..towns `--per-town` demands each."""
    from django.db import connection

    added = towns - first + 1
    t = time.perf_counter()
    call_command("bench-data", "--towns", str(towns), "--communities", str(a.communities), "--grids", str(a.grids),
                 "--from-town", str(first), "--demands", str(a.per_town * added),
                 "--open", str(a.open_per_town * added), "--seed", str(seed), **QUIET)
    print(f"# {connection.vendor}: {towns} town(s), {a.per_town * added:,} demands added in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    rs.analyze(connection)


if __name__ == "__main__":
    main()
