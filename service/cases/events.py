"""The console's live feed: server-sent events fed by PostgreSQL LISTEN/NOTIFY.

Triggers on `reports` and `case_events` inserts NOTIFY the channel `whistle_feed` when their
transaction commits (migration 0004_cases), so every instance's streams see every committed event,
whichever instance wrote it. Each stream holds one dedicated psycopg connection (autocommit, LISTEN),
never a pooled one. Deadlines turning red are not inserts: each stream polls the turned-red window
[last check, now) on the database clock every `red_check_s`, which reports every deadline passing
during the stream exactly once (the board's own query, `board.TURNED_RED_SQL`).

Each stream carries what its audience may see: a console its division only (`service.cases.command`:
reports and state events name their district and street, as the triggers put them in the payload; red
clocks their dispatch's), a unit's field app its own dispatches (`service.field.feed`).

Wire format (text/event-stream): `event: report|state|red`, `id:`, one JSON `data:` line; comment
lines (`: heartbeat`) every `heartbeat_s` keep proxies from closing an idle stream. The stream ends
when the client disconnects or the server is shutting down (`service.lifecycle`, checked each tick),
and its connection is closed either way.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg
from fastapi import Request
from sqlalchemy import make_url
from sqlalchemy.dialects import postgresql

from service.cases.board import TURNED_RED_SQL
from service.cases.command import CITY, Command
from service.schemas import utc_iso, utc_times

log = logging.getLogger(__name__)

CHANNEL = "whistle_feed"
TICK_S = 0.5
# The board's turned-red query, compiled once for psycopg's own parameter style (%(since)s).
_TURNED_RED = str(TURNED_RED_SQL.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]


def conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL the service uses."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def sse(event: str, data: dict[str, Any], event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(utc_times(data), ensure_ascii=False, default=_json_value))
    return "\n".join(lines) + "\n\n"


def _json_value(value: Any) -> str:
    """Times as every answer writes them (UTC, `Z`); anything else as its string."""
    if isinstance(value, datetime):
        return utc_iso(value)
    return str(value)


class Audience(Protocol):
    """Who a stream is for: which notifications and red clocks it carries, and under which event name."""

    async def notification(
        self, conn: psycopg.AsyncConnection[Any], data: dict[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        """The (event name, data) to send for one notification, or None to skip it."""
        ...

    def sees_red(self, unit_id: uuid.UUID, district: str | None, street: str | None) -> bool: ...


@dataclass(frozen=True)
class CommandAudience:
    """A console: every report and event of its division, under their own kind (report | state)."""

    command: Command = CITY

    async def notification(
        self, conn: psycopg.AsyncConnection[Any], data: dict[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        if not self.command.covers(data.get("district_code"), data.get("street_code")):
            return None
        return data.get("type", "state"), data

    def sees_red(self, unit_id: uuid.UUID, district: str | None, street: str | None) -> bool:
        return self.command.covers(district, street)


def _event_id(kind: str, data: dict[str, Any]) -> str:
    ident = data.get("report_id") if kind == "report" else data.get("event_id")
    return f"{kind}-{ident}"


async def _turned_red(
    conn: psycopg.AsyncConnection[Any], since: datetime, audience: Audience
) -> tuple[list[str], datetime]:
    cur = await conn.execute("SELECT now()")
    row = await cur.fetchone()
    assert row is not None
    until: datetime = row[0]
    cur = await conn.execute(_TURNED_RED, {"since": since, "until": until})
    events = [
        sse(
            "red",
            {
                "dispatch_id": str(d),
                "case_id": str(c),
                "unit_id": str(u),
                "clock": clock,
                "deadline": deadline,
            },
            f"red-{d}-{clock}",
        )
        for d, c, u, clock, deadline, district, street in await cur.fetchall()
        if audience.sees_red(u, district, street)
    ]
    return events, until


async def feed_stream(
    *, request: Request, database_url: str, heartbeat_s: float = 15.0, red_check_s: float = 5.0,
    audience: Audience = CommandAudience(),
) -> AsyncIterator[str]:  # fmt: skip
    conn = await psycopg.AsyncConnection.connect(conninfo(database_url), autocommit=True)
    try:
        await conn.execute(f"LISTEN {CHANNEL}")
        cur = await conn.execute("SELECT now()")
        row = await cur.fetchone()
        assert row is not None
        red_since: datetime = row[0]
        yield "retry: 3000\n: connected\n\n"
        last_sent = last_red = time.monotonic()
        shutdown = getattr(request.app.state, "shutdown", None)
        while not (shutdown is not None and shutdown.is_set()) and not await request.is_disconnected():
            # Gathered first: an audience may query on this connection, which the iterator holds.
            payloads = [note.payload async for note in conn.notifies(timeout=TICK_S)]
            for payload in payloads:
                shown = await audience.notification(conn, json.loads(payload))
                if shown is not None:
                    kind, data = shown
                    last_sent = time.monotonic()
                    yield sse(kind, data, _event_id(kind, data))
            now = time.monotonic()
            if now - last_red >= red_check_s:
                events, red_since = await _turned_red(conn, red_since, audience)
                last_red = now
                for event in events:
                    last_sent = now
                    yield event
            if now - last_sent >= heartbeat_s:
                last_sent = now
                yield ": heartbeat\n\n"
    finally:
        await conn.close()
