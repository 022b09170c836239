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
small_dir=$(mktemp -d); large_dir=$(mktemp -d)
trap 'rm -rf "$small_dir" "$large_dir"' EXIT
DATABASE_URL=$base/small MINSHENG_DATA_DIR=$small_dir "$py" bench/read_scaling.py --load-only --small 10000 --large 10000
DATABASE_URL=$base/minsheng MINSHENG_DATA_DIR=$large_dir "$py" bench/read_scaling.py --load-only --small 10000 --large 1000000
for round in 1 2; do
  for size in small large; do
    if [ $size = small ]; then url=$base/small dir=$small_dir; else url=$base/minsheng dir=$large_dir; fi
    echo "# round $round, $size"
    DATABASE_URL=$url MINSHENG_DATA_DIR=$dir "$py" bench/read_scaling.py --measure-only --runs "$runs"
  done
done
