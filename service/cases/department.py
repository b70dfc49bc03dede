"""The department side (部门端): my dispatches, check in (报到), result, extension request, send back.

A unit sees only its own dispatches: another unit's dispatch answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from geo.crs import haversine_m
from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases.deadlines import LimitUnit
from service.cases.evaluation import evaluate_dispatch
from service.cases.models import Case, Dispatch
from service.cases.states import Action, DispatchState
from service.cases.verification import open_case_verification
from service.cases.verification_flags import case_position
from service.cases.workflow import audit, lock_dispatch, next_state, transition_dispatch, utcnow
from service.db import keyset
from service.errors import Forbidden, Invalid, NotFound
from service.photos.pipeline import NewPhoto
from service.photos.service import record_photos


def _unit_of(user: User) -> uuid.UUID:
    if user.unit_id is None:
        raise Forbidden("this account is not bound to a department unit")
    return user.unit_id


def list_my_dispatches(
    *,
    session: Session,
    user: User,
    states: Sequence[DispatchState] = (),
    limit: int = 100,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[tuple[Dispatch, Case]]:
    """The unit's dispatches, the most urgent handling deadline first (key: handling deadline, id); a
    page of `limit` after the key `after`."""
    key = (Dispatch.handling_deadline, Dispatch.id)
    stmt = (
        select(Dispatch, Case)
        .join(Case, Case.id == Dispatch.case_id)
        .where(Dispatch.unit_id == _unit_of(user))
        .options(selectinload(Case.supervision))
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    if states:
        stmt = stmt.where(Dispatch.state.in_([s.value for s in states]))
    return [(d, c) for d, c in session.execute(stmt).all()]


def get_my_dispatch(*, session: Session, user: User, dispatch_id: uuid.UUID) -> tuple[Dispatch, Case]:
    row = session.execute(
        select(Dispatch, Case)
        .join(Case, Case.id == Dispatch.case_id)
        .where(Dispatch.id == dispatch_id, Dispatch.unit_id == _unit_of(user))
    ).one_or_none()
    if row is None:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    return row[0], row[1]


def _lock_mine(session: Session, user: User, dispatch_id: uuid.UUID) -> tuple[Case, Dispatch]:
    unit = _unit_of(user)
    unit_of_dispatch = session.scalar(select(Dispatch.unit_id).where(Dispatch.id == dispatch_id))
    if unit_of_dispatch is None or unit_of_dispatch != unit:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    return lock_dispatch(session=session, dispatch_id=dispatch_id)


@dataclass(frozen=True, slots=True)
class OnSite:
    """Where the phone was at a report-in: a WGS-84 fix, or why it gave none (`error`)."""

    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    error: str | None = None  # denied | unavailable | timeout


def check_in(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    user: User,
    note: str = "",
    on_site: OnSite | None = None,
    photos: Sequence[NewPhoto] = (),
    far_m: float = 300.0,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Dispatch:
    """报到: the unit accepts the whistle; on time when at or before the report-in deadline.

    On site (the field app): the phone's position is stored with its distance from the case, flagged
    when farther than `far_m`; the photos taken there belong to the report-in."""
    at = at or utcnow()
    case, dispatch = _lock_mine(session, user, dispatch_id)
    on_time = at <= dispatch.check_in_deadline
    detail: dict[str, object] = {"on_time": on_time}
    if on_site is not None:
        _place(session, case, dispatch, on_site, far_m)
        detail |= {"distance_m": dispatch.check_in_distance_m, "far": dispatch.check_in_far}
        if on_site.error is not None:
            detail["position_error"] = on_site.error
    if photos:
        detail["photos"] = [p.sha256 for p in photos]
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.CHECK_IN,
        actor=user,
        at=at,
        note=note,
        detail=detail,
    )
    dispatch.checked_in_at = at
    dispatch.checked_in_by = user.id
    if photos:
        record_photos(session, photos, check_in_dispatch_id=dispatch.id)
    session.flush()
    audit(session, by=user, client=client, action="check_in", subject_type="dispatch", subject_id=dispatch_id)
    return dispatch


def _place(session: Session, case: Case, dispatch: Dispatch, on_site: OnSite, far_m: float) -> None:
    dispatch.check_in_position_error = on_site.error
    if on_site.lon is None or on_site.lat is None:
        return
    dispatch.check_in_lon, dispatch.check_in_lat = on_site.lon, on_site.lat
    dispatch.check_in_accuracy_m = on_site.accuracy_m
    place = case_position(session, case)
    if place is not None:
        distance = haversine_m(place, (on_site.lon, on_site.lat))
        dispatch.check_in_distance_m = round(distance, 1)
        dispatch.check_in_far = distance > far_m


def submit_result(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    user: User,
    client: ClientInfo | None = None,
    note: str,
    photos: Sequence[NewPhoto] = (),
    at: datetime | None = None,
) -> Dispatch:
    """处置反馈: the result with its photos; once every unit of the case has its result, the case's grid
    worker gets one verification task covering them all."""
    at = at or utcnow()
    case, dispatch = _lock_mine(session, user, dispatch_id)
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.SUBMIT_RESULT,
        actor=user,
        at=at,
        note=note,
        detail={"photos": [p.sha256 for p in photos], "on_time": at <= dispatch.handling_deadline},
    )
    dispatch.result_at = at
    dispatch.result_by = user.id
    dispatch.result_note = note
    dispatch.result_photo_count = len(photos)
    dispatch.extension_amount = dispatch.extension_unit = dispatch.extension_reason = None
    record_photos(session, photos, dispatch_id=dispatch.id)
    session.flush()
    # One verification for the case once every unit's result is in (a joint case waits for the last).
    open_case_verification(session=session, case=case, by=None, at=at)
    audit(
        session,
        by=user,
        client=client,
        action="submit_result",
        subject_type="dispatch",
        subject_id=dispatch_id,
        detail={"photos": len(photos)},
    )
    return dispatch


def request_extension(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    user: User,
    client: ClientInfo | None = None,
    amount: Decimal,
    unit: LimitUnit,
    reason: str,
    at: datetime | None = None,
) -> Dispatch:
    """申请延期: the dispatcher grants or denies; the unit may still submit its result meanwhile."""
    at = at or utcnow()
    if amount <= 0:
        raise Invalid("amount: an extension must be positive")
    case, dispatch = _lock_mine(session, user, dispatch_id)
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.REQUEST_EXTENSION,
        actor=user,
        at=at,
        note=reason,
        detail={"amount": str(amount), "unit": unit.value},
    )
    dispatch.extension_amount = amount
    dispatch.extension_unit = unit.value
    dispatch.extension_reason = reason
    session.flush()
    audit(
        session,
        by=user,
        client=client,
        action="request_extension",
        subject_type="dispatch",
        subject_id=dispatch_id,
    )
    return dispatch


def send_back(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    user: User,
    reason: str,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Dispatch:
    """退回 ("not ours"): the dispatch ends; with no live dispatch left the case returns to triage.

    It counts against the command center's accurate-dispatch rate (the dispatch is not accurate), and
    the unit's evaluation is stored now (a send-back after the report-in deadline is a late answer).
    """
    at = at or utcnow()
    if not reason.strip():
        raise Invalid("reason: say why this is not the unit's")
    case, dispatch = _lock_mine(session, user, dispatch_id)
    next_state(DispatchState(dispatch.state), Action.SEND_BACK)
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.SEND_BACK,
        actor=user,
        at=at,
        note=reason,
    )
    dispatch.sent_back_at = at
    dispatch.send_back_reason = reason
    session.flush()
    evaluate_dispatch(session=session, dispatch=dispatch, reason="sent_back", at=at)
    open_case_verification(session=session, case=case, by=None, at=at)  # the others' results may be all in
    audit(
        session, by=user, client=client, action="send_back", subject_type="dispatch", subject_id=dispatch_id
    )
    return dispatch
