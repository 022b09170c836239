"""Ledger import of N rows ÷ bare openpyxl read-only iteration of the same file (issue #10).

    python bench/ledger_bench.py --rows 100000                       # SQLite
    scripts/with-postgres python bench/ledger_bench.py --rows 100000 # PostgreSQL

Builds a realistic 民情台账: `bench-data` writes N demands with full histories into a scratch data
directory, and `ledger.export` writes them out (unmasked) as the .xlsx a community would hand in.
The import then runs as `minsheng import-ledger FILE` into a fresh territory-only install (on
PostgreSQL: the same database, emptied of demands first), under /usr/bin/time. Prints the wall time
of the bare iteration and of the import, their ratio (goal ≤ 3) and the import's peak RSS (goal
< 1 GiB), and checks that every row arrived.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

BARE = """
import sys, time
from openpyxl import load_workbook
t = time.perf_counter()
wb = load_workbook(sys.argv[1], read_only=True, data_only=True)
n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
wb.close()
print(n, time.perf_counter() - t)
"""


def run(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (kB) and stdout of a command run under /usr/bin/time -v."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="minsheng-ledger-bench-"))
    ledger = work / "ledger.xlsx"
    base = dict(os.environ, MINSHENG_LOG_LEVEL="ERROR")
    try:
        # 1. The ledger file, exported from a scratch install.
        src = dict(base, MINSHENG_DATA_DIR=str(work / "src"))
        m = "minsheng"
        subprocess.run([PY, "-m", m, "demo", "--territory-only"], env=src, check=True, capture_output=True)
        subprocess.run([PY, "-m", m, "bench-data", "--demands", str(a.rows)], env=src, check=True,
                       capture_output=True)
        subprocess.run([PY, "-c", (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'minsheng.settings'); django.setup()\n"
            "from minsheng.demands.models import Demand\nfrom minsheng.collection.services.ledger import export\n"
            f"print(export(Demand.objects.order_by('pk'), {str(ledger)!r}, unmasked=True))")],
            env=src, check=True, capture_output=True, cwd=ROOT)
        if os.environ.get("DATABASE_URL"):
            # One PostgreSQL database: empty the demands (and what hangs on them) before importing.
            subprocess.run([PY, "-c", (
                "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'minsheng.settings'); django.setup()\n"
                "from django.db import connection\nfrom django.apps import apps\n"
                "tables = [m._meta.db_table for m in apps.get_models() if m._meta.app_label in "
                "('demands', 'kpis', 'notifications', 'django_tasks_database')]\n"
                "with connection.cursor() as c: c.execute('TRUNCATE ' + ', '.join(tables) + ' CASCADE')")],
                env=src, check=True, capture_output=True, cwd=ROOT)
        size = ledger.stat().st_size

        # 2. Bare openpyxl read-only iteration of the same file.
        bare_wall, bare_rss, out = run([PY, "-c", BARE, str(ledger)], base)
        bare_rows, bare_seconds = out.split()
        bare_seconds = float(bare_seconds)

        # 3. The import into a fresh territory.
        dst = dict(base, MINSHENG_DATA_DIR=str(work / "dst"))
        subprocess.run([PY, "-m", m, "demo", "--territory-only"], env=dst, check=True, capture_output=True)
        wall, rss, out = run([PY, "-m", m, "import-ledger", str(ledger)], dst)
        count = subprocess.run([PY, "-c", (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'minsheng.settings'); django.setup()\n"
            "from minsheng.demands.models import Demand\nprint(Demand.objects.count())")],
            env=dst, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        if int(count) != a.rows:
            raise SystemExit(f"imported {count} demands, expected {a.rows}: {out[-500:]}")
        vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
        print(f"| ledger import ({vendor}), {a.rows:,} rows, {size / 2**20:.1f} MiB .xlsx | value |\n|---|---|")
        print(f"| bare openpyxl read-only iteration ({int(bare_rows) - 1:,} rows) | {bare_seconds:.1f} s "
              f"(process {bare_wall:.1f} s) |")
        print(f"| `minsheng import-ledger` (process, incl. start-up) | {wall:.1f} s |")
        print(f"| ratio import ÷ bare iteration | **{wall / bare_seconds:.2f}** (goal ≤ 3) |")
        print(f"| peak RSS of the import | {rss / 1024:,.0f} MiB (bare iteration {bare_rss / 1024:,.0f} MiB) |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
