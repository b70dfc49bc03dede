"""Supervision (督办) in the case workflow: putting a case under a supervising office, whether it is
overdue, and the office's own list of the cases it referred (a supervisor's view: its office's cases,
404 for any other).

Overdue (超期) is one rule, in Python (`is_overdue`, for answers) and SQL (`overdue_sql`, for the
filter): the supervision deadline has passed while the case was still open — at `now` for an open case,
at its closing for a closed one (closed late stays overdue); a voided or merged case is never overdue.
A reading exactly at the deadline is not overdue yet (as the SLA clocks: red only once it has passed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, literal, not_, select
from sqlalchemy.orm import Session, selectinload

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases import sla
from service.cases.command import check_acting
from service.cases.detail import CaseDetail, case_detail
from service.cases.models import Case, Dispatch
from service.cases.states import CaseState
from service.cases.workflow import append_event, audit, lock_case, utcnow
from service.db import refs
from service.errors import Conflict, Invalid, NotFound
from service.photos.models import Photo
from service.photos.service import report_photos
from service.supervision import service as offices
from service.supervision.models import CaseSupervision

# How far ahead a supervision deadline may lie.
MAX_AHEAD = timedelta(days=366)
# A case in these states takes no (new) supervision: finished or folded into another.
_NOT_SUPERVISABLE = frozenset({CaseState.REPORTED, CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED})
_NEVER_OVERDUE = (CaseState.VOIDED.value, CaseState.MERGED.value)


@dataclass(frozen=True)
class SupervisionView:
    office_id: uuid.UUID
    office_code: str
    office_name: str
    deadline: datetime
    note: str
    overdue: bool


def is_overdue(*, deadline: datetime, state: str, closed_at: datetime | None, now: datetime) -> bool:
    if state in _NEVER_OVERDUE:
        return False
    reading = closed_at if closed_at is not None and closed_at < now else now
    return reading > deadline


def overdue_sql(now: datetime) -> ColumnElement[bool]:
    """`is_overdue` over `cases` joined with `case_supervisions`."""
    reading = case(
        (and_(Case.closed_at.is_not(None), Case.closed_at < now), Case.closed_at), else_=literal(now)
    )
    return and_(Case.state.not_in(_NEVER_OVERDUE), reading > CaseSupervision.deadline)


def supervision_of(case_row: Case, now: datetime | None = None) -> SupervisionView | None:
    """What every answer shows of a case's supervision (None: not supervised)."""
    row = case_row.supervision
    if row is None:
        return None
    return SupervisionView(
        office_id=row.office_id,
        office_code=row.office.code,
        office_name=row.office.name,
        deadline=row.deadline,
        note=row.note,
        overdue=is_overdue(
            deadline=row.deadline, state=case_row.state, closed_at=case_row.closed_at, now=now or utcnow()
        ),
    )


def supervise_case(
    *,
    session: Session,
    case_id: uuid.UUID,
    office_id: uuid.UUID,
    deadline: datetime,
    by: User,
    note: str = "",
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Case:
    """督办: name the case's supervising office, deadline and note (or change them), in the case log."""
    at = at or utcnow()
    case_row = lock_case(session=session, case_id=case_id)
    check_acting(session, by, case_row)
    if CaseState(case_row.state) in _NOT_SUPERVISABLE:
        raise Conflict(
            f"案卷状态为 {case_row.state}，不能再设督办",
            details={"state": case_row.state, "action": "supervise", "allowed": []},
        )
    if deadline.tzinfo is None:
        raise Invalid(
            "deadline：督办时限须带时区（如 2026-12-10T09:00:00+08:00）", details={"field": "deadline"}
        )
    if not at < deadline <= at + MAX_AHEAD:
        raise Invalid("deadline：督办时限须晚于现在，且不超过一年", details={"field": "deadline"})
    office = offices.active_office(session=session, office_id=office_id)
    row, before = offices.record_supervision(
        session=session, case_id=case_row.id, office=office, deadline=deadline, note=note, at=at, by_id=by.id
    )
    session.refresh(case_row, ["supervision"])
    case_row.updated_at = at
    detail: dict[str, str] = {
        "office_id": str(office.id),
        "office_name": office.name,
        "deadline": row.deadline.isoformat(),
    }
    if before is not None:
        detail["previous_office_id"] = str(before.office_id)
        detail["previous_deadline"] = before.deadline.isoformat()
    append_event(
        session=session, case=case_row, action="supervise", actor=by, from_state=case_row.state,
        to_state=case_row.state, at=at, note=note, detail=detail,
    )  # fmt: skip
    session.flush()
    audit(
        session, by=by, client=client, action="supervise", subject_type="case", subject_id=case_row.id,
        detail={"office_id": str(office.id), "deadline": row.deadline.isoformat()},
    )  # fmt: skip
    return case_row


def list_supervised(
    *,
    session: Session,
    office_id: uuid.UUID,
    state: CaseState | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
    limit: int = 100,
    before_number: int | None = None,
) -> list[Case]:
    """The office's cases, newest first (by number); a page of `limit` older than `before_number`."""
    stmt = (
        select(Case)
        .join(CaseSupervision, CaseSupervision.case_id == Case.id)
        .where(CaseSupervision.office_id == office_id)
        .options(selectinload(Case.supervision))
        .order_by(Case.number.desc())
        .limit(limit)
    )
    if before_number is not None:
        stmt = stmt.where(Case.number < before_number)
    if state is not None:
        stmt = stmt.where(Case.state == state.value)
    if overdue is not None:
        late = overdue_sql(now or utcnow())
        stmt = stmt.where(late if overdue else not_(late))
    return list(session.scalars(stmt))


def get_supervised(*, session: Session, office_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    """One of the office's cases; any other case (or none) is 404, so case ids cannot be probed."""
    found = session.scalar(
        select(Case)
        .join(CaseSupervision, CaseSupervision.case_id == Case.id)
        .where(Case.id == case_id, CaseSupervision.office_id == office_id)
    )
    if found is None:
        raise NotFound(f"案卷 {case_id} 不存在")
    return found


def clock_colours(d: Dispatch, now: datetime) -> tuple[sla.Colour, sla.Colour]:
    """Both clocks' colours of a dispatch at `now` (`sla.colour_of`; a stopped clock keeps its colour)."""
    check_in = sla.colour_of(
        sla.reading(d.checked_in_at or d.sent_back_at, now),
        yellow_at=d.check_in_yellow_at,
        deadline=d.check_in_deadline,
    )
    handling = sla.colour_of(
        sla.reading(d.result_at or d.sent_back_at, now),
        yellow_at=d.handling_yellow_at,
        deadline=d.handling_deadline,
    )
    return check_in, handling


def positions(session: Session, rows: Sequence[Case]) -> dict[uuid.UUID, tuple[float, float]]:
    """Each case's place on the map: its primary report's position (WGS-84)."""
    r = refs.reports.c
    ids = {c.primary_report_id: c.id for c in rows}
    found = session.execute(select(r.id, r.lon, r.lat).where(r.id.in_(ids))).all() if ids else []
    return {ids[row.id]: (float(row.lon), float(row.lat)) for row in found}


@dataclass(frozen=True)
class SupervisedDetail:
    detail: CaseDetail
    position: tuple[float, float] | None
    description: str
    unit_names: dict[uuid.UUID, str]
    report_photos: list[Photo]


def supervised_detail(*, session: Session, case_row: Case) -> SupervisedDetail:
    """What a supervising office reads of one of its cases: `case_detail` (dispatches, log, results,
    verifications), the reported text and photos, and the units by name."""
    detail = case_detail(session=session, case=case_row)
    r, u = refs.reports.c, refs.department_units.c
    text_ = session.scalar(select(r.text).where(r.id == case_row.primary_report_id)) or ""
    unit_ids = {d.unit_id for d in detail.dispatches}
    names: dict[uuid.UUID, str] = {}
    if unit_ids:
        names = {row.id: row.name for row in session.execute(select(u.id, u.name).where(u.id.in_(unit_ids)))}
    photos = report_photos(session=session, report_ids=detail.report_ids)
    return SupervisedDetail(
        detail=detail,
        position=positions(session, [case_row]).get(case_row.id),
        description=text_,
        unit_names=names,
        report_photos=[p for rid in detail.report_ids for p in photos.get(rid, [])],
    )
