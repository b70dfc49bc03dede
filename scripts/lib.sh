# Shared helpers for the set-up scripts. Sourced, not executed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STATE="$ROOT/.whistle"          # local, git-ignored state: stamps, private cluster, media
mkdir -p "$STATE"

say() { printf '\033[1;34m[whistle]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[whistle] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "need root to run: $*"; fi
}

apt_install() {
    # Install Debian packages, refreshing the package lists once if the first attempt fails.
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y -q "$@" >"$STATE/apt.log" 2>&1; then
        say "refreshing package lists (apt-get update)"
        as_root apt-get update -q >>"$STATE/apt.log" 2>&1 || true
        as_root apt-get install -y -q "$@" >>"$STATE/apt.log" 2>&1 \
            || die "apt-get install $* failed; see $STATE/apt.log"
    fi
}
