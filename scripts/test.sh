#!/usr/bin/env bash
# Run the whole test suite in the venv. Run scripts/setup.sh first.
#
#   scripts/test.sh [PYTEST_ARG ...]
#
# Exits with pytest's own exit code (5 = no tests collected). When BRANCHMARK_PYTEST_RC_FILE
# is set, the code is also written there (make itself only ever exits 0 or 2).
# Environment: PROJECT_DIR, VENV (as in setup.sh); BRANCHMARK_TEST_DATABASE_URL selects
# PostgreSQL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/branchmark_test.
# BRANCHMARK_TEST_WORKERS: pytest-xdist processes (default: one per core; 1 runs in-process). Each
# worker has its own database; a test module stays on one worker (--dist loadfile).
set -uo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "${PROJECT_DIR:-$SCRIPTS_DIR/..}" && pwd)
VENV=${VENV:-$PROJECT_DIR/.venv}

cd "$PROJECT_DIR" || exit 1
if [[ -n "${BRANCHMARK_TEST_DATABASE_URL:-}" ]]; then
  url=$BRANCHMARK_TEST_DATABASE_URL
  [[ $url != *@* ]] || url="${url%%://*}://…@${url##*@}"   # never print a password
  echo "==> pytest on $url"
else
  echo "==> pytest on SQLite"
fi
workers=${BRANCHMARK_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}
parallel=()
if [[ "$workers" =~ ^[0-9]+$ ]] && (( workers > 1 )); then
  parallel=(-n "$workers" --dist loadfile)
  echo "==> $workers test processes (BRANCHMARK_TEST_WORKERS=1 for one)"
fi
"$VENV/bin/python" -m pytest "${parallel[@]}" "$@"
rc=$?
[[ -z "${BRANCHMARK_PYTEST_RC_FILE:-}" ]] || echo "$rc" > "$BRANCHMARK_PYTEST_RC_FILE"
case $rc in
  0) ;;
  5) echo "pytest: no tests collected (exit 5)" >&2 ;;
  *) echo "pytest: exit $rc" >&2 ;;
esac
exit "$rc"
