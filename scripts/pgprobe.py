"""Probe a PostgreSQL URL for the set-up scripts.

Exit codes: 0 usable (and PostGIS available when --need-postgis), 2 unreachable, 3 refused (auth or other),
4 PostGIS not available on that server.
"""

from __future__ import annotations

import sys

import psycopg


def main(argv: list[str]) -> int:
    url = argv[0].replace("postgresql+psycopg://", "postgresql://", 1)
    need_postgis = "--need-postgis" in argv
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
    except psycopg.OperationalError as exc:
        text = str(exc)
        unreachable = "Connection refused" in text or "timeout" in text or "No such file" in text
        print(f"[whistle] cannot use {argv[0]}: {text.strip().splitlines()[0]}", file=sys.stderr)
        return 2 if unreachable else 3
    if row is None or row[0] == 0:
        if need_postgis:
            print(f"[whistle] PostGIS is not available on {argv[0]}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
