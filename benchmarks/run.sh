#!/usr/bin/env bash
# Every benchmark in one command (also `make bench`): build the databases, score (ranking and
# full pass vs bare SQL, CPU), the stored live results' daily pass, pages over HTTP (p50/p95,
# write → county page, worker memory) on PostgreSQL, render.
#
#   benchmarks/run.sh                      # medium: 150 generated units (a few minutes)
#   BENCH_UNITS=1500 benchmarks/run.sh     # full size of DESIGN.md's budget
#
# Environment:
#   BENCH_UNITS       generated units (150)
#   BENCH_PG_URL      PostgreSQL server database for the generated county, created and dropped
#                     here (postgresql+psycopg://postgres@127.0.0.1:5432/bm_bench); empty: SQLite only
#   BENCH_DIR         where SQLite files go (instance/bench)
#   BENCH_CARDS       branch cards timed one by one (30)
#   BENCH_BULK_UNITS  units in the bulk "download all" job (40)
#   BENCH_PORT        port of the server the page benchmark starts (5210)
#   BENCH_REUSE=1     keep an existing generated PostgreSQL database (generation takes minutes)
#   BENCH_KEEP=1      keep the databases afterwards
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${VENV:-$ROOT/.venv}/bin/python
BRANCHMARK=${VENV:-$ROOT/.venv}/bin/branchmark
UNITS=${BENCH_UNITS:-150}
PG_URL=${BENCH_PG_URL-postgresql+psycopg://postgres@127.0.0.1:5432/bm_bench}
DIR=${BENCH_DIR:-$ROOT/instance/bench}
CARDS=${BENCH_CARDS:-30}
BULK_UNITS=${BENCH_BULK_UNITS:-40}
cd "$ROOT"
mkdir -p "$DIR"
DEMO_URL="sqlite:///$DIR/demo.db"
SQLITE_URL="sqlite:///$DIR/county-$UNITS.db"
export BRANCHMARK_DB_APP_ROLE=   # benchmarks connect as the tables' owner

pg() {  # pg create|drop URL — a fresh PostgreSQL database, or none
  "$PY" - "$1" "$2" <<'EOF'
import sys
from sqlalchemy import create_engine, make_url, text
action, url = sys.argv[1], make_url(sys.argv[2])
admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    if action == "create":
        c.execute(text(f'CREATE DATABASE "{url.database}"'))
EOF
}

echo "== demo county ($DEMO_URL)"
rm -f "$DIR/demo.db"
BRANCHMARK_DATABASE_URL=$DEMO_URL "$BRANCHMARK" db upgrade >/dev/null 2>&1
BRANCHMARK_DATABASE_URL=$DEMO_URL "$BRANCHMARK" demo | sed -n 1p

echo "== generate $UNITS units (SQLite)"
rm -f "$DIR/county-$UNITS.db"
"$PY" benchmarks/generate.py --units "$UNITS" --database-url "$SQLITE_URL" --migrate 2>&1 | grep '^done'
SCORE_URLS=(--database-url "$SQLITE_URL")
if [[ -n "$PG_URL" ]]; then
  if [[ -n "${BENCH_REUSE:-}" ]]; then
    echo "== reuse the generated county in $PG_URL"
    BRANCHMARK_DATABASE_URL=$PG_URL "$BRANCHMARK" db upgrade >/dev/null 2>&1
  else
    echo "== generate $UNITS units (PostgreSQL)"
    pg create "$PG_URL"
    "$PY" benchmarks/generate.py --units "$UNITS" --database-url "$PG_URL" --migrate 2>&1 | grep '^done'
  fi
  SCORE_URLS+=(--database-url "$PG_URL")
fi

echo "== score every branch (ranking pass, full pass) vs a bare SQL pass"
"$PY" benchmarks/score.py "${SCORE_URLS[@]}" 2>&1 | grep -v '^INFO'

if [[ -n "$PG_URL" ]]; then
  echo "== stored live results of every unit: the daily pass (branchmark results refresh)"
  start=$(date +%s.%N)
  BRANCHMARK_DATABASE_URL=$PG_URL "$BRANCHMARK" results refresh
  echo "took $(echo "$(date +%s.%N) - $start" | bc) s"
  echo "== pages over HTTP (branchmark serve, PostgreSQL)"
  "$PY" benchmarks/pages.py --database-url "$PG_URL" --port "${BENCH_PORT:-5210}" --label "generated-$UNITS" 2>&1 | grep -v -E '^(INFO|WARNI)'
fi

echo "== render: demo county"
"$PY" benchmarks/render.py --database-url "$DEMO_URL" --label demo --cards "$CARDS" --bulk-units 12 2>&1 | grep -v -E '^(INFO|WARNI)'
echo "== render: generated county ($UNITS units, SQLite)"
"$PY" benchmarks/render.py --database-url "$SQLITE_URL" --label "generated-$UNITS" --cards "$CARDS" --bulk-units "$BULK_UNITS" 2>&1 | grep -v -E '^(INFO|WARNI)'

if [[ -z "${BENCH_KEEP:-}" ]]; then
  rm -f "$DIR/demo.db" "$DIR/county-$UNITS.db"
  [[ -z "$PG_URL" ]] || pg drop "$PG_URL"
fi
