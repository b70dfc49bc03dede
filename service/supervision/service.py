"""Supervising offices (list, create, deactivate) and the supervision row of a case. No HTTP.

An office is never deleted: cases and accounts keep pointing at it. A deactivated office takes no new
case and no new account; its cases and its existing accounts' view stay as they were.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.errors import Conflict, Invalid, NotFound
from service.supervision.models import CaseSupervision, SupervisingOffice


def list_offices(
    *,
    session: Session,
    active_only: bool = False,
    after: str | None = None,
    limit: int | None = None,
) -> list[SupervisingOffice]:
    """Offices by code; a page of `limit` after the code `after`."""
    stmt = select(SupervisingOffice).order_by(SupervisingOffice.code).limit(limit)
    if active_only:
        stmt = stmt.where(SupervisingOffice.active.is_(True))
    if after is not None:
        stmt = stmt.where(SupervisingOffice.code > after)
    return list(session.scalars(stmt))


def get_office(*, session: Session, office_id: uuid.UUID) -> SupervisingOffice:
    office = session.get(SupervisingOffice, office_id)
    if office is None:
        raise NotFound(f"督办单位 {office_id} 不存在")
    return office


def active_office(*, session: Session, office_id: uuid.UUID, field: str = "office_id") -> SupervisingOffice:
    """The office a new supervision or account names: it must exist and be active (else 422)."""
    office = session.get(SupervisingOffice, office_id)
    if office is None or not office.active:
        state = "不存在" if office is None else "已停用"
        raise Invalid(f"督办单位 {office_id} {state}", details={"field": field})
    return office


def create_office(
    *,
    session: Session,
    code: str,
    name: str,
    district_code: str | None = None,
    is_demo: bool = False,
) -> SupervisingOffice:
    taken = session.scalar(
        select(SupervisingOffice.code).where(
            or_(SupervisingOffice.code == code, SupervisingOffice.name == name)
        )
    )
    if taken is not None:
        raise Conflict(f"已有编码为 {code} 或名称为 {name} 的督办单位")
    office = SupervisingOffice(
        code=code, name=name, district_code=district_code, active=True, is_demo=is_demo
    )
    session.add(office)
    session.flush()
    return office


def deactivate_office(*, session: Session, office_id: uuid.UUID) -> SupervisingOffice:
    office = get_office(session=session, office_id=office_id)
    office.active = False
    session.flush()
    return office


def record_supervision(
    *,
    session: Session,
    case_id: uuid.UUID,
    office: SupervisingOffice,
    deadline: datetime,
    note: str,
    at: datetime,
    by_id: uuid.UUID | None,
) -> tuple[CaseSupervision, CaseSupervision | None]:
    """Put the case under the office's supervision, or change it (the caller holds the case's lock).

    Returns the row and a copy of what it was before (None when the case was not supervised).
    """
    row = session.get(CaseSupervision, case_id, populate_existing=True)
    before = None
    if row is None:
        row = CaseSupervision(case_id=case_id)
        session.add(row)
    else:
        before = CaseSupervision(
            case_id=row.case_id, office_id=row.office_id, deadline=row.deadline, note=row.note
        )
    row.office_id = office.id
    row.office = office
    row.deadline = deadline
    row.note = note
    row.set_at = at
    row.set_by = by_id
    session.flush()
    return row, before
