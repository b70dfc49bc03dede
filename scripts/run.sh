#!/usr/bin/env bash
# `make run`: prepare everything, create and migrate the database, load the demo city (and its couriers)
# when the database is empty, and serve on http://127.0.0.1:8000 (WHISTLE_SERVER__PORT to change).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
[ -f "$ROOT/scripts/build_web.sh" ] && bash "$ROOT/scripts/build_web.sh"

if [ -z "${WHISTLE_DATABASE__URL:-${DATABASE_URL:-}}" ]; then
    # shellcheck disable=SC1091
    source "$STATE/server.env"
    export WHISTLE_DATABASE__URL="${WHISTLE_SERVER_URL%/*}/whistle"
fi
W="$VENV/bin/whistle"
"$W" db ensure
"$W" db upgrade
if "$W" demo --help >/dev/null 2>&1; then
    "$W" demo load --if-empty --with-accounts
    "$W" demo load-couriers   # idempotent: the demo couriers, their companies, passes and points
fi
say "serving on http://${WHISTLE_SERVER__HOST:-127.0.0.1}:${WHISTLE_SERVER__PORT:-8000} (Ctrl-C to stop)"
exec "$W" serve
