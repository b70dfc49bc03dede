#!/usr/bin/env bash
# Preparation shared by `make run` and `make test`:
#   1. a virtual environment with the project installed (reinstalled when pyproject.toml changes);
#   2. a reachable PostgreSQL with PostGIS (see scripts/ensure_postgres.sh);
# It writes the server URL to .whistle/server.env for the callers.
source "$(dirname "$0")/lib.sh"

if [ ! -x "$PY" ]; then
    say "creating virtual environment in .venv"
    python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
fi
stamp="$STATE/pip.stamp"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing the project and its development tools (pip)"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -e "$ROOT[dev]" || die "pip install failed"
    echo "$want" >"$stamp"
fi

bash "$ROOT/scripts/ensure_postgres.sh"
