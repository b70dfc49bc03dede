#!/usr/bin/env bash
# `make test`: the same preparation as `make run`, then lint, type-check, and the whole suite against
# throwaway databases on that real PostGIS (created fresh for the run, migrated to head, dropped afterwards:
# see tests/support/databases.py). Extra arguments go to pytest.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
[ -f "$ROOT/scripts/build_web.sh" ] && bash "$ROOT/scripts/build_web.sh" --with-browser
# shellcheck disable=SC1091
source "$STATE/server.env"
export WHISTLE_TEST_SERVER_URL="$WHISTLE_SERVER_URL"
cd "$ROOT"

say "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
say "mypy"
"$VENV/bin/mypy"
say "pytest"
"$VENV/bin/pytest" "$@"
