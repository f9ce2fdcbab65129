#!/usr/bin/env bash
# Migrate the database, load the demo county, print the address and logins, then
# replace this shell with the web server (+ job consumer). Run scripts/setup.sh first.
#
# Environment: PROJECT_DIR, VENV (as in setup.sh); DEMO_HOST (127.0.0.1), DEMO_PORT (5000);
# BRANCHMARK_DATABASE_URL (default: SQLite file instance/branchmark.db, made by the app).
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "${PROJECT_DIR:-$SCRIPTS_DIR/..}" && pwd)
VENV=${VENV:-$PROJECT_DIR/.venv}
HOST=${DEMO_HOST:-127.0.0.1}
PORT=${DEMO_PORT:-5000}
BM=$VENV/bin/branchmark

cd "$PROJECT_DIR"

echo "==> branchmark db upgrade"
"$BM" db upgrade
echo "==> branchmark demo"
"$BM" demo --as-of-today

case $HOST in
  *:*) URL_HOST="[$HOST]" ;;
  0.0.0.0) URL_HOST=127.0.0.1 ;;
  *) URL_HOST=$HOST ;;
esac
cat <<MSG

==> 演示已就绪 / Demo ready
    地址 / Address:  http://$URL_HOST:$PORT/
    登录 / Logins:   见上方 branchmark demo 列出的账号 / listed above by branchmark demo
                     (demo county: tenants/README.md)
    停止 / Stop:     Ctrl-C

MSG
exec "$BM" serve --host "$HOST" --port "$PORT"
