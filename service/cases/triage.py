"""Triage (研判) for dispatchers: the queue of reports without a case, file, void, merge, hold, resume.

A report with `case_id IS NULL` is in the queue (state `reported`). Filing makes a case (`filed`);
voiding makes a case in state `voided` that keeps the reason; merging attaches the report to an
existing case. The queue is keyset-paged on (created_at, id) and served by partial indexes on
`reports WHERE case_id IS NULL` (see migration 0004_cases).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, literal_column, or_, select, update
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases.command import CITY, Command, check_acting, check_place
from service.cases.models import Case
from service.cases.sources import CaseOrigin, origin_of
from service.cases.states import Action, CaseState
from service.cases.workflow import (
    TriageReport,
    append_event,
    audit,
    check_actor,
    lock_case,
    lock_case_or_triage,
    lock_report,
    next_state,
    transition_case,
    utcnow,
)
from service.db import refs
from service.errors import Conflict, Invalid, NotFound

Order = Literal["newest", "oldest"]
MAX_PAGE = 200

# Cases that can still take in a duplicate report.
_OPEN_FOR_MERGE = frozenset(
    {
        CaseState.FILED,
        CaseState.ON_HOLD,
        CaseState.DISPATCHED,
        CaseState.CHECKED_IN,
        CaseState.HANDLED,
        CaseState.VERIFYING,
    }
)


@dataclass(frozen=True)
class QueueFilters:
    street_code: str | None = None
    district_code: str | None = None
    category_code: str | None = None
    flag: str | None = None
    unflagged: bool = False
    min_age: timedelta | None = None  # at least this old
    max_age: timedelta | None = None  # at most this old


@dataclass(frozen=True)
class QueueRow:
    id: uuid.UUID
    category_code: str
    text: str
    created_at: datetime
    lon: float
    lat: float
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    flags: list[str]


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueRow]
    next_cursor: str | None


def encode_cursor(created_at: datetime, report_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{report_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, ident = raw.split("|", 1)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("cursor: not a cursor this queue handed out") from exc


def list_queue(
    *,
    session: Session,
    filters: QueueFilters = QueueFilters(),
    order: Order = "newest",
    limit: int = 50,
    cursor: str | None = None,
    now: datetime | None = None,
    command: Command = CITY,
) -> QueuePage:
    """One page of reports awaiting triage in the `command`'s division, newest or oldest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit: between 1 and {MAX_PAGE}")
    r = refs.reports.c
    now = now or utcnow()
    stmt = select(
        r.id,
        r.category_code,
        r.text,
        r.created_at,
        r.lon,
        r.lat,
        r.district_code,
        r.street_code,
        r.community_code,
        r.grid_code,
        r.flags,
    ).where(r.case_id.is_(None), command.where(r.district_code, r.street_code))
    if filters.street_code:
        stmt = stmt.where(r.street_code == filters.street_code)
    if filters.district_code:
        stmt = stmt.where(r.district_code == filters.district_code)
    if filters.category_code:
        stmt = stmt.where(r.category_code == filters.category_code)
    if filters.flag:
        stmt = stmt.where(r.flags.contains([filters.flag]))
    if filters.unflagged:
        stmt = stmt.where(r.flags == [])
    if filters.min_age is not None:
        stmt = stmt.where(r.created_at <= now - filters.min_age)
    if filters.max_age is not None:
        stmt = stmt.where(r.created_at >= now - filters.max_age)
    if cursor:
        at, ident = decode_cursor(cursor)
        if order == "newest":
            stmt = stmt.where(or_(r.created_at < at, and_(r.created_at == at, r.id < ident)))
        else:
            stmt = stmt.where(or_(r.created_at > at, and_(r.created_at == at, r.id > ident)))
    if order == "newest":
        stmt = stmt.order_by(r.created_at.desc(), r.id.desc())
    else:
        stmt = stmt.order_by(r.created_at.asc(), r.id.asc())
    # The page size as a literal (a validated int): with a bound LIMIT, a prepared statement's generic
    # plan cannot tell a page from a scan and may sort the whole queue.
    rows = session.execute(stmt.limit(literal_column(str(int(limit) + 1)))).all()
    items = [
        QueueRow(
            id=row.id,
            category_code=row.category_code,
            text=row.text or "",
            created_at=row.created_at,
            lon=float(row.lon),
            lat=float(row.lat),
            district_code=row.district_code,
            street_code=row.street_code,
            community_code=row.community_code,
            grid_code=row.grid_code,
            flags=list(row.flags or []),
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return QueuePage(items=items, next_cursor=next_cursor)


def _check_category(session: Session, code: str) -> None:
    c = refs.categories.c
    if session.scalar(select(c.code).where(c.code == code)) is None:
        raise Invalid(f"category {code} does not exist", details={"field": "category_code"})


def _new_case(
    session: Session, report: TriageReport, by: User, at: datetime, category_code: str, command: Command
) -> Case:
    case = Case(
        state=CaseState.REPORTED.value,
        category_code=category_code,
        primary_report_id=report.id,
        district_code=report.district_code,
        street_code=report.street_code,
        community_code=report.community_code,
        grid_code=report.grid_code,
        command_level=command.level.value,
        created_by=by.id,
        created_at=at,
        updated_at=at,
        source=origin_of(session, report.id),
    )
    session.add(case)
    session.flush()
    session.execute(update(refs.reports).where(refs.reports.c.id == report.id).values(case_id=case.id))
    return case


def _reject_filed_report(
    session: Session, report_id: uuid.UUID, action: Action, by: User
) -> tuple[TriageReport, Command]:
    """Lock a report for a triage action by `by`: 404 outside their division; a report already in a case
    answers 409 from that case's state."""
    report = lock_report(session=session, report_id=report_id)
    command = check_place(session, by, report.district_code, report.street_code)
    if report.case_id is not None:
        case = lock_case(session=session, case_id=report.case_id)
        next_state(CaseState(case.state), action)
        raise AssertionError("the case state admits no triage action on its report")
    return report, command


def file_report(
    *,
    session: Session,
    report_id: uuid.UUID,
    by: User,
    client: ClientInfo | None = None,
    category_code: str | None = None,
    note: str = "",
    at: datetime | None = None,
    origin: CaseOrigin | None = None,
) -> Case:
    """研判立案: a new case from a report, optionally under a corrected category (which re-routes).
    `origin`: what a case made by hand says of where it came from (else derived from the report)."""
    at = at or utcnow()
    report, command = _reject_filed_report(session, report_id, Action.FILE, by)
    reported = report.category_code
    category = category_code or reported
    if category_code:
        _check_category(session, category_code)
    case = _new_case(session, report, by, at, category, command)
    case.note = note
    if origin is not None:
        case.source, case.source_ref = origin.source, origin.source_ref
        case.caller_name, case.caller_phone = origin.caller_name, origin.caller_phone
    case.filed_at = at
    detail = {"category_code": category, "source": case.source}
    if category != reported:
        detail["reported_category_code"] = reported
    transition_case(
        session=session,
        case=case,
        action=Action.FILE,
        actor=by,
        at=at,
        note=note,
        detail=detail,
        report_id=report_id,
    )
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="file",
        subject_type="report",
        subject_id=report_id,
        detail={"case_id": str(case.id)},
    )
    return case


def void_report(
    *,
    session: Session,
    report_id: uuid.UUID,
    by: User,
    reason: str,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Case:
    """作废: the report leaves the queue as a voided case that keeps the reason."""
    at = at or utcnow()
    report, command = _reject_filed_report(session, report_id, Action.VOID, by)
    case = _new_case(session, report, by, at, report.category_code, command)
    case.void_reason = reason
    transition_case(
        session=session, case=case, action=Action.VOID, actor=by, at=at, note=reason, report_id=report_id
    )
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="void",
        subject_type="report",
        subject_id=report_id,
        detail={"case_id": str(case.id)},
    )
    return case


def merge_report(
    *,
    session: Session,
    report_id: uuid.UUID,
    into_case_id: uuid.UUID,
    by: User,
    client: ClientInfo | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """合并: a duplicate report joins an open case (its reporter's report counts toward that case)."""
    at = at or utcnow()
    target = lock_case(session=session, case_id=into_case_id)
    _reject_filed_report(session, report_id, Action.MERGE, by)
    check_acting(session, by, target)
    if CaseState(target.state) not in _OPEN_FOR_MERGE:
        raise Conflict(
            f"case {target.id} is {target.state} and takes no more reports",
            details={"state": target.state, "action": Action.MERGE.value, "allowed": []},
        )
    check_actor(by, Action.MERGE)
    session.execute(update(refs.reports).where(refs.reports.c.id == report_id).values(case_id=target.id))
    append_event(
        session=session,
        case=target,
        action=Action.MERGE,
        actor=by,
        from_state=CaseState.REPORTED.value,
        to_state=CaseState.MERGED.value,
        at=at,
        report_id=report_id,
        note=note,
        detail={"into_case_id": str(target.id)},
    )
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="merge",
        subject_type="report",
        subject_id=report_id,
        detail={"case_id": str(target.id)},
    )
    return target


def merge_case(
    *, session: Session, case_id: uuid.UUID, into_case_id: uuid.UUID, by: User, note: str = "",
    client: ClientInfo | None = None, at: datetime | None = None,
) -> Case:  # fmt: skip
    """A filed duplicate case is merged into another, which then answers for its reports."""
    at = at or utcnow()
    if case_id == into_case_id:
        raise Invalid("a case cannot be merged into itself")
    # Lock both in id order so that two opposite merges cannot deadlock.
    first, second = sorted([case_id, into_case_id])
    locked = {first: lock_case_or_triage(session=session, case_id=first, action=Action.MERGE)}
    locked[second] = lock_case_or_triage(session=session, case_id=second, action=Action.MERGE)
    case, target = locked[case_id], locked[into_case_id]
    check_acting(session, by, case)
    check_acting(session, by, target)
    if CaseState(target.state) not in _OPEN_FOR_MERGE:
        raise Conflict(
            f"case {target.id} is {target.state} and takes no more reports",
            details={"state": target.state, "action": Action.MERGE.value, "allowed": []},
        )
    transition_case(
        session=session,
        case=case,
        action=Action.MERGE,
        actor=by,
        at=at,
        note=note,
        detail={"into_case_id": str(target.id)},
    )
    # Its reports stay with it (the record of what was merged); the survivor lists them as its own.
    case.merged_into_id = target.id
    append_event(
        session=session,
        case=target,
        action=Action.MERGE,
        actor=by,
        from_state=target.state,
        to_state=target.state,
        at=at,
        note=note,
        detail={"merged_case_id": str(case.id)},
    )
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="merge",
        subject_type="case",
        subject_id=case_id,
        detail={"into_case_id": str(into_case_id)},
    )
    return case


def act_on_case(
    *,
    session: Session,
    case_id: uuid.UUID,
    action: Action,
    by: User,
    client: ClientInfo | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """Void (with its reason in `note`), hold, resume or close a case."""
    if action not in (Action.VOID, Action.HOLD, Action.RESUME, Action.CLOSE):
        raise ValueError(f"{action} is not a plain case action")
    at = at or utcnow()
    case = lock_case_or_triage(session=session, case_id=case_id, action=action)
    check_acting(session, by, case)
    transition_case(session=session, case=case, action=action, actor=by, at=at, note=note)
    if action is Action.VOID:
        case.void_reason = note
    session.flush()
    audit(session, by=by, client=client, action=action.value, subject_type="case", subject_id=case_id)
    return case


def get_case(*, session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case
