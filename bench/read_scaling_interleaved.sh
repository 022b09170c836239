#!/usr/bin/env bash
# Reads at 10,000 and at 1,000,000 demands on PostgreSQL, measured back to back on two databases of one
# cluster (small, large, small, large), so that the machine's drift between the two columns cancels out.
#   scripts/with-postgres bench/read_scaling_interleaved.sh [RUNS]
# (about 20 minutes on 2 cores, most of it growing the large database).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
py=${PYTHON:-.venv/bin/python}
base=${DATABASE_URL%/*}
"$py" - "$base" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as c:
    c.execute("CREATE DATABASE small")
PY
load() {  # URL DATADIR N_HISTORY
  export DATABASE_URL=$1 MINSHENG_DATA_DIR=$2
  "$py" -m minsheng migrate -v0
  "$py" -m minsheng demo --territory-only -v0 >/dev/null
  "$py" -m minsheng bench-data --demands 8000 >/dev/null
  "$py" -m minsheng bench-data --demands 2000 --days 7 --seed 3 >/dev/null
  if [ "$3" -gt 0 ]; then "$py" -m minsheng bench-data --demands "$3" --seed 7 --ago 90 >/dev/null; fi
}
small_dir=$(mktemp -d); large_dir=$(mktemp -d)
trap 'rm -rf "$small_dir" "$large_dir"' EXIT
(load "$base/small" "$small_dir" 0)
t=$(date +%s); (load "$base/minsheng" "$large_dir" 990000); echo "# large database grown in $(( $(date +%s) - t )) s"
for round in 1 2; do
  for size in small large; do
    if [ $size = small ]; then url=$base/small dir=$small_dir; else url=$base/minsheng dir=$large_dir; fi
    echo "# round $round, $size"
    DATABASE_URL=$url MINSHENG_DATA_DIR=$dir "$py" bench/read_scaling.py --measure-only --runs "$runs"
  done
done
