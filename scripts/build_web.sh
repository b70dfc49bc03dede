#!/usr/bin/env bash
# Build the three web apps (web/ → service/web/static/) with Vite; called by `make run` and `make test`.
#   - Node.js and npm from Debian when missing (Vite 8 needs Node ≥ 20.19);
#   - `npm ci` when package-lock.json changed (or node_modules is missing);
#   - `npm run build` when any web source changed (or the build output is missing);
#   - with --with-browser: Debian's chromium for the browser tests when /usr/bin/chromium is missing,
#     and a small Chinese font (fonts-wqy-microhei) so that the tests' screenshots are readable.
# Idempotent and quiet when nothing changed: stamps live in .whistle/.
source "$(dirname "$0")/lib.sh"

WEB="$ROOT/web"
# One build at a time (several test runs may start together); the others wait, then find it done.
exec 9>"$STATE/build_web.lock"
flock 9
OUT="$ROOT/service/web/static"
with_browser=0
for arg in "$@"; do
    case "$arg" in
        --with-browser) with_browser=1 ;;
        *) die "build_web.sh: unknown option $arg" ;;
    esac
done

node_is_recent() {
    # Vite 8 runs on Node 20.19+ or 22.12+.
    command -v node >/dev/null && node -e '
        const [a, b] = process.versions.node.split(".").map(Number);
        process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1);'
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm (Debian packages)"
    apt_install nodejs npm
fi
node_is_recent || die "Node.js $(node --version) is too old for Vite 8 (needs 20.19+ or 22.12+); install a newer nodejs package"

# Dependencies: reinstall exactly the locked versions when the lock file (or Node) changed.
deps_stamp="$STATE/npm-ci.stamp"
deps_want="$(sha256sum <"$WEB/package-lock.json" | cut -d' ' -f1) $(node --version)"
if [ ! -d "$WEB/node_modules" ] || [ ! -f "$deps_stamp" ] || [ "$(cat "$deps_stamp")" != "$deps_want" ]; then
    say "installing web dependencies (npm ci)"
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error >"$STATE/npm-ci.log" 2>&1) \
        || { cat "$STATE/npm-ci.log" >&2; die "npm ci failed; see $STATE/npm-ci.log"; }
    echo "$deps_want" >"$deps_stamp"
fi

# Sources: every file under web/ except node_modules, hashed by path and content.
sources_hash() {
    (cd "$WEB" && find . -path ./node_modules -prune -o -type f -print0 \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
build_stamp="$STATE/web-build.stamp"
build_want="$(sources_hash) $deps_want"
if [ ! -f "$OUT/app/index.html" ] || [ ! -f "$build_stamp" ] || [ "$(cat "$build_stamp")" != "$build_want" ]; then
    say "building the web apps (vite build → service/web/static/)"
    (cd "$WEB" && npm run build --silent >"$STATE/web-build.log" 2>&1) \
        || { cat "$STATE/web-build.log" >&2; die "web build failed; see $STATE/web-build.log"; }
    echo "$build_want" >"$build_stamp"
fi

if [ "$with_browser" = 1 ]; then
    if [ ! -x /usr/bin/chromium ]; then
        say "installing Chromium for the browser tests (Debian package)"
        apt_install chromium
    fi
    if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
        say "installing a Chinese font for the browser tests' screenshots (Debian package)"
        apt_install fonts-wqy-microhei
    fi
fi
