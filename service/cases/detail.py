"""What the case pages read: the list of cases, and one case with everything about it (its reports,
dispatches, event log, the units' result and the grid workers' verification photos, verifications)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from service.cases.command import CITY, Command
from service.cases.models import Case, CaseEvent, Dispatch, VerificationItem, VerificationTask
from service.cases.states import CaseState
from service.db import refs
from service.photos.service import DispatchPhoto, dispatch_photos
from service.supervision.models import CaseSupervision


def supervised_filter(supervised: bool) -> ColumnElement[bool]:
    """Cases under supervision (督办), or not: for the lists' `supervised` filter."""
    exists = select(CaseSupervision.case_id).where(CaseSupervision.case_id == Case.id).exists()
    return exists if supervised else ~exists


def list_cases(
    *,
    session: Session,
    state: CaseState | None = None,
    street_code: str | None = None,
    limit: int = 100,
    before_number: int | None = None,
    source: str | None = None,
    supervised: bool | None = None,
    command: Command = CITY,
) -> list[Case]:
    """Cases in the `command`'s division, newest first (by number); a page of `limit` older than the case
    `before_number`; only those of a `source`, or (not) under supervision, when asked."""
    stmt = (
        select(Case)
        .options(selectinload(Case.supervision))
        .where(command.where(Case.district_code, Case.street_code))
        .order_by(Case.number.desc())
        .limit(limit)
    )
    if source is not None:
        stmt = stmt.where(Case.source == source)
    if supervised is not None:
        stmt = stmt.where(supervised_filter(supervised))
    if before_number is not None:
        stmt = stmt.where(Case.number < before_number)
    if state is not None:
        stmt = stmt.where(Case.state == state.value)
    if street_code:
        stmt = stmt.where(Case.street_code == street_code)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    report_ids: list[uuid.UUID]  # its own and those merged into it, oldest first
    dispatches: list[Dispatch]
    events: list[CaseEvent]
    photos: list[DispatchPhoto]
    verifications: list[tuple[VerificationTask, VerificationItem]]  # each unit's result in each task


def case_detail(*, session: Session, case: Case) -> CaseDetail:
    r = refs.reports.c
    merged = select(Case.id).where(Case.merged_into_id == case.id)
    report_ids = list(
        session.scalars(
            select(r.id).where(or_(r.case_id == case.id, r.case_id.in_(merged))).order_by(r.created_at)
        )
    )
    dispatches = list(
        session.scalars(
            select(Dispatch).where(Dispatch.case_id == case.id).order_by(Dispatch.dispatched_at, Dispatch.id)
        )
    )
    events = list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    )
    tasks = [
        (task, item)
        for task, item in session.execute(
            select(VerificationTask, VerificationItem)
            .join(VerificationItem, VerificationItem.task_id == VerificationTask.id)
            .where(VerificationTask.case_id == case.id)
            .order_by(VerificationTask.created_at, VerificationTask.id, VerificationItem.dispatch_id)
        ).all()
    ]
    return CaseDetail(
        case=case,
        report_ids=report_ids,
        dispatches=dispatches,
        events=events,
        photos=dispatch_photos(session, [d.id for d in dispatches]),
        verifications=tasks,
    )
