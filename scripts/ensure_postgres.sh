#!/usr/bin/env bash
# Make sure a PostgreSQL server with the PostGIS extension available is reachable, and write its URL
# (pointing at the maintenance database) to .whistle/server.env as WHISTLE_SERVER_URL.
#
# Order of preference:
#   1. WHISTLE_DATABASE__URL or DATABASE_URL, when given: used as it is (PostGIS must be available there);
#   2. the local server on 127.0.0.1:5432 (started with pg_ctlcluster when installed but stopped);
#   3. a private cluster in .whistle/pg (port 55432, trust auth) when no usable local server exists.
# PostgreSQL and the PostGIS package are installed from Debian when missing.
source "$(dirname "$0")/lib.sh"

probe() { "$PY" "$ROOT/scripts/pgprobe.py" "$@"; }   # exit 0 ok, 2 unreachable, 3 auth/other, 4 no postgis

given="${WHISTLE_DATABASE__URL:-${DATABASE_URL:-}}"
if [ -n "$given" ]; then
    say "using the database given in the environment"
    probe "$given" --need-postgis || die "the given database is not usable (see above)"
    echo "WHISTLE_SERVER_URL=$given" >"$STATE/server.env"
    exit 0
fi

pg_major() {  # newest installed server major version, empty when none
    ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1
}
ensure_server_packages() {
    if [ -z "$(pg_major)" ] || [ ! -x "/usr/lib/postgresql/$(pg_major)/bin/postgres" ]; then
        say "installing PostgreSQL (Debian packages)"
        apt_install postgresql
    fi
}
ensure_postgis_package() {
    local major; major="$(pg_major)"
    if [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
        say "installing PostGIS for PostgreSQL $major (postgresql-$major-postgis-3)"
        apt_install "postgresql-$major-postgis-3"
    fi
}

LOCAL_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PRIVATE_PORT=55432
PRIVATE_URL="postgresql+psycopg://postgres@127.0.0.1:$PRIVATE_PORT/postgres"

ensure_server_packages
ensure_postgis_package

rc=0; probe "$LOCAL_URL" 2>/dev/null || rc=$?
if [ "$rc" = 2 ] && command -v pg_ctlcluster >/dev/null; then
    major="$(pg_major)"
    if pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2" "$3}' | grep -q "^$major main 5432"; then
        say "starting the local PostgreSQL $major cluster"
        pg_ctlcluster --skip-systemctl-redirect "$major" main start >/dev/null 2>&1 || true
        for _ in $(seq 1 30); do probe "$LOCAL_URL" 2>/dev/null && break; sleep 1; done
        rc=0; probe "$LOCAL_URL" 2>/dev/null || rc=$?
    fi
fi
if [ "$rc" = 0 ]; then
    echo "WHISTLE_SERVER_URL=$LOCAL_URL" >"$STATE/server.env"
    say "PostgreSQL with PostGIS at 127.0.0.1:5432"
    exit 0
fi

# No usable local server: run a private cluster owned by the postgres system user.
major="$(pg_major)"; bin="/usr/lib/postgresql/$major/bin"
data="$STATE/pg/data"
id postgres >/dev/null 2>&1 || as_root useradd --system --home "$STATE/pg" postgres
if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a private PostgreSQL $major cluster in $data (port $PRIVATE_PORT)"
    mkdir -p "$data"; chown -R postgres "$STATE/pg"; chmod 700 "$data"
    as_root runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 >"$STATE/initdb.log" 2>&1 \
        || die "initdb failed; see $STATE/initdb.log"
fi
if ! probe "$PRIVATE_URL" 2>/dev/null; then
    say "starting the private cluster"
    as_root runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$STATE/pg/server.log" -w \
        -o "-p $PRIVATE_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null \
        || die "the private cluster did not start; see $STATE/pg/server.log"
fi
probe "$PRIVATE_URL" --need-postgis || die "the private cluster is not usable"
echo "WHISTLE_SERVER_URL=$PRIVATE_URL" >"$STATE/server.env"
say "PostgreSQL with PostGIS at 127.0.0.1:$PRIVATE_PORT (private cluster)"
