"""What a department unit hears of the case workflow: a new whistle, a clock turning yellow or red.

The case workflow calls `enqueue_whistles` inside the whistle's own transaction (a rolled-back
whistle enqueues nothing). Deadlines are not inserts, so `scan_deadlines` looks for them: it reads the
instants the case workflow stored with each deadline (`dispatches.check_in_yellow_at`, `…_deadline`,
`handling_yellow_at`, `…_deadline`; `service.cases.sla`) and recomputes no calendar. Dispatches and
cases are read through `service.db.refs`; this module never imports `service.cases`.

Which clocks: the report-in clock while the unit has neither reported in nor sent the item back; the
handling clock while no result is in; both only while the dispatch is dispatched, checked in or has
an extension requested. Which instants, between the previous scan's `until` and this one's:

* yellow — `since < yellow_at <= until`, unless the deadline has passed by `until` too (then only red
  is worth saying),
* red — `since <= deadline < until`,

the board's own rule (`sla.RULE`: yellow from the yellow instant on, red after the deadline), so an
event goes out from the first scan at whose `until` the board shows the new colour. Consecutive
windows partition time, so however irregularly the scan runs, each clock is announced at most once per
colour; the idempotency keys (`dispatch:<id>:check_in:yellow`, `dispatch:<id>:handling:red`, with
`:ext<n>` after the n-th granted extension moved the handling deadline) make that hold even when
windows overlap: each scan looks `overlap_s` behind its watermark, so a dispatch committed just after
a scan passed one of its instants is still announced by the next, and two scans at once are harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.db import refs
from service.outbound.models import Endpoint, ScanMark
from service.outbound.service import EventType, Message, enqueue, listening

CITY_TZ = ZoneInfo("Asia/Shanghai")  # the summary line's clock: the city's
DEADLINES_MARK = "dispatch_deadlines"
RUNNING = ("dispatched", "checked_in", "extension_requested")
CLOCK_WORDS = {"check_in": "报到", "handling": "办结"}

d, c = refs.dispatches.c, refs.cases.c


def _columns() -> list[Any]:
    k, u, s, m = refs.categories.c, refs.department_units.c, refs.streets.c, refs.communities.c
    return [
        d.id, d.case_id, d.unit_id, d.dispatched_at, d.check_in_deadline, d.handling_deadline,
        d.check_in_yellow_at, d.handling_yellow_at,
        func.coalesce(func.jsonb_array_length(d.extensions), 0).label("extension_count"),
        c.number, c.category_code, c.district_code, c.street_code, c.community_code,
        select(k.name).where(k.code == c.category_code).scalar_subquery().label("category_name"),
        select(u.code).where(u.id == d.unit_id).scalar_subquery().label("unit_code"),
        select(u.name).where(u.id == d.unit_id).scalar_subquery().label("unit_name"),
        select(s.name).where(s.code == c.street_code, s.valid_to.is_(None)).limit(1).scalar_subquery()
        .label("street_name"),
        select(m.name).where(m.code == c.community_code, m.valid_to.is_(None)).limit(1).scalar_subquery()
        .label("community_name"),
    ]  # fmt: skip


def _rows(session: Session, *where: ColumnElement[bool]) -> list[Any]:
    source = refs.dispatches.join(refs.cases, c.id == d.case_id)
    return list(session.execute(select(*_columns()).select_from(source).where(*where).order_by(d.id)))


def local(at: datetime) -> str:
    return at.astimezone(CITY_TZ).strftime("%m-%d %H:%M")


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def summary(row: Any, event: EventType, clock: str, deadline: datetime) -> str:
    """The human line (an SMS gateway may send it as it is)."""
    case = f"案卷 {row.number} {row.category_name or row.category_code}"
    words = CLOCK_WORDS[clock]
    if event is EventType.WHISTLE:
        return f"【吹哨】{case}，请于 {local(deadline)} 前报到"
    if event is EventType.YELLOW:
        return f"【即将超时】{case}，请于 {local(deadline)} 前{words}"
    return f"【已超时】{case}，{words}时限 {local(deadline)} 已过，请尽快{words}"


def payload(
    row: Any, event: EventType, *, clock: str, deadline: datetime, occurred_at: datetime
) -> dict[str, Any]:
    """What the receiver reads (README, "Webhooks"); `event` and `key` are added by `enqueue`."""

    def place(code: str | None, name: str | None) -> dict[str, str | None] | None:
        return {"code": code, "name": name} if code else None

    return {
        "occurred_at": _iso(occurred_at),
        "summary": summary(row, event, clock, deadline),
        "unit": {"id": str(row.unit_id), "code": row.unit_code, "name": row.unit_name},
        "case": {
            "id": str(row.case_id),
            "number": row.number,
            "category_code": row.category_code,
            "category_name": row.category_name,
            "district_code": row.district_code,
            "street": place(row.street_code, row.street_name),
            "community": place(row.community_code, row.community_name),
        },
        "dispatch": {
            "id": str(row.id),
            "dispatched_at": _iso(row.dispatched_at),
            "check_in_deadline": _iso(row.check_in_deadline),
            "handling_deadline": _iso(row.handling_deadline),
        },
        "clock": None if event is EventType.WHISTLE else clock,
        "deadline": _iso(deadline),
    }


def _listeners(event: EventType) -> Any:
    """The units with an active endpoint that wants the event (a subquery)."""
    return select(Endpoint.unit_id).where(listening(event.value))


def _messages(
    session: Session, rows: Iterable[Any], event: EventType, clock: str, colour: str | None = None
) -> list[Message]:
    rows = list(rows)
    if not rows:
        return []
    targets: dict[uuid.UUID, list[uuid.UUID]] = {}
    wanted = select(Endpoint.id, Endpoint.unit_id).where(
        Endpoint.unit_id.in_({r.unit_id for r in rows}), listening(event.value)
    )
    for endpoint_id, unit_id in session.execute(wanted):
        targets.setdefault(unit_id, []).append(endpoint_id)
    messages = []
    for row in rows:
        deadline = row.check_in_deadline if clock == "check_in" else row.handling_deadline
        if event is EventType.WHISTLE:
            key, occurred = f"dispatch:{row.id}:whistle", row.dispatched_at
        else:
            yellow_at = row.check_in_yellow_at if clock == "check_in" else row.handling_yellow_at
            extended = f":ext{row.extension_count}" if clock == "handling" and row.extension_count else ""
            key = f"dispatch:{row.id}:{clock}:{colour}{extended}"
            occurred = yellow_at if event is EventType.YELLOW else deadline
        body = payload(row, event, clock=clock, deadline=deadline, occurred_at=occurred)
        messages += [Message(e, event.value, key, body) for e in targets.get(row.unit_id, [])]
    return messages


def enqueue_whistles(*, session: Session, dispatch_ids: Sequence[uuid.UUID]) -> int:
    """吹哨: one `dispatch.whistle` message per new dispatch for each endpoint of its unit that wants
    it, in the caller's transaction, due at once. Sends nothing. Returns the rows added."""
    if not dispatch_ids:
        return 0
    rows = _rows(session, d.id.in_(list(dispatch_ids)), d.unit_id.in_(_listeners(EventType.WHISTLE)))
    messages = _messages(session, rows, EventType.WHISTLE, "check_in")
    return enqueue(session=session, messages=messages, at=min((r.dispatched_at for r in rows), default=None))


def _clock_columns(clock: str) -> tuple[Any, Any, ColumnElement[bool]]:
    if clock == "check_in":
        running = and_(d.state.in_(RUNNING), d.checked_in_at.is_(None), d.sent_back_at.is_(None))
        return d.check_in_yellow_at, d.check_in_deadline, running
    return d.handling_yellow_at, d.handling_deadline, and_(d.state.in_(RUNNING), d.result_at.is_(None))


def scan_window(*, session: Session, since: datetime, until: datetime) -> int:
    """Enqueue the yellow and red events of the running clocks whose instants fall in the window
    (see the module's docstring); returns the rows added (repeats are skipped by key)."""
    added = 0
    for clock in ("check_in", "handling"):
        yellow_at, deadline, running = _clock_columns(clock)
        for event, colour, window in (
            (EventType.YELLOW, "yellow", and_(yellow_at > since, yellow_at <= until, deadline >= until)),
            (EventType.RED, "red", and_(deadline >= since, deadline < until)),
        ):
            rows = _rows(session, window, running, d.unit_id.in_(_listeners(event)))
            added += enqueue(
                session=session, messages=_messages(session, rows, event, clock, colour), at=until
            )
    return added


@dataclass(frozen=True)
class Scan:
    since: datetime | None
    until: datetime | None
    enqueued: int
    skipped: bool = False  # another scan held the watermark


def scan_deadlines(*, session: Session, now: datetime | None = None, overlap_s: float = 0.0) -> Scan:
    """One scan from the stored watermark to `now` (default: the wall clock), moving the watermark.
    Another process scanning at the same moment makes this one skip (`FOR UPDATE SKIP LOCKED`); a
    `now` not after the watermark scans nothing. The caller commits."""
    until = now or datetime.now(UTC)
    mark = session.scalar(
        select(ScanMark)
        .where(ScanMark.name == DEADLINES_MARK)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # the locked row as it is now, not as last loaded
    )
    if mark is None:
        if session.scalar(select(ScanMark.name).where(ScanMark.name == DEADLINES_MARK)) is not None:
            return Scan(None, None, 0, skipped=True)  # locked by another scan
        # The row is gone (the migration made it): start again from now.
        session.execute(
            insert(ScanMark).values(name=DEADLINES_MARK, scanned_until=until).on_conflict_do_nothing()
        )
        return Scan(None, until, 0)
    if until <= mark.scanned_until:
        return Scan(mark.scanned_until, until, 0)
    since = mark.scanned_until - timedelta(seconds=overlap_s)
    enqueued = scan_window(session=session, since=since, until=until)
    mark.scanned_until = until
    session.flush()
    return Scan(since, until, enqueued)
