#!/usr/bin/env bash
# `make bench`: every benchmark under bench/ (each module with a `__main__` block), one after the other,
# on the PostgreSQL that `make test` uses; each creates and drops its own database. Each one's output is
# kept in bench/results/<name>.log, and its last line (a JSON object of its figures) is printed here.
#   BENCH_ONLY="router tiles"  run only these;   BENCH_QUICK=1  pass --quick to those that take it.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1091
source "$STATE/server.env"
export WHISTLE_TEST_SERVER_URL="$WHISTLE_SERVER_URL"
cd "$ROOT"
mkdir -p bench/results

names=()
for file in bench/*.py; do
    grep -q '^if __name__ == "__main__":' "$file" && names+=("$(basename "$file" .py)")
done
if [ -n "${BENCH_ONLY:-}" ]; then read -r -a names <<<"$BENCH_ONLY"; fi

failed=()
summary=()
for name in "${names[@]}"; do
    args=()
    if [ -n "${BENCH_QUICK:-}" ] && grep -q -- '"--quick"' "bench/$name.py"; then args+=(--quick); fi
    say "bench.$name ${args[*]:-}"
    log="bench/results/$name.log"
    if "$PY" -m "bench.$name" "${args[@]}" 2>&1 | tee "$log"; then
        last="$(tail -n 1 "$log")"
        if "$PY" -c 'import json, sys; json.loads(sys.argv[1])' "$last" 2>/dev/null; then
            summary+=("$name $last")
            continue
        fi
        say "bench.$name: the last line is not a JSON object"
    fi
    failed+=("$name")
done

echo
say "figures (the last line of each benchmark)"
for line in "${summary[@]}"; do echo "$line"; done
if [ "${#failed[@]}" -gt 0 ]; then die "failed: ${failed[*]} (see bench/results/)"; fi
