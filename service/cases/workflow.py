"""The one path every transition takes: lock, `states.apply`, write the new state, append the event; and
the audit record of every action (`audit`), written in the same transaction whoever calls the action (the
console, a unit's phone, `whistle cases score-no-shows`).

Locking order is always case row, then dispatch row (`SELECT ... FOR UPDATE`), so two dispatchers
filing the same report, or a unit checking in while the dispatcher whistles another unit, serialise
on the case instead of deadlocking or both succeeding. A report still in triage is locked by its own
row (it has no case yet).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.audit import service as audit_log
from service.audit.service import ClientInfo
from service.cases import states
from service.cases.models import Case, CaseEvent, Dispatch
from service.cases.states import Action, Actor, CaseState, DispatchState
from service.db import refs
from service.errors import Conflict, Forbidden, NotFound

_ROLE_ACTORS = {
    Role.dispatcher: Actor.DISPATCHER,
    Role.officer: Actor.OFFICER,
    Role.street_team: Actor.STREET_TEAM,
    Role.grid_worker: Actor.GRID_WORKER,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def actor_of(user: User | None) -> Actor:
    """The workflow actor a user acts as; None is the system (automatic steps)."""
    if user is None:
        return Actor.SYSTEM
    actor = _ROLE_ACTORS.get(user.role_enum)
    if actor is None:
        raise Forbidden(f"role {user.role} takes no part in the case workflow")
    return actor


def conflict(exc: states.InvalidTransition) -> Conflict:
    """The 409 for an action the state does not allow, naming the actions it does allow."""
    return Conflict(
        str(exc),
        details={
            "state": exc.state.value,
            "action": exc.action.value,
            "allowed": [a.value for a in exc.allowed],
        },
    )


def check_actor(user: User | None, action: Action) -> Actor:
    actor = actor_of(user)
    if not states.may_perform(actor, action):
        allowed = sorted(a.value for a in states.ACTION_ACTORS[action])
        raise Forbidden(f"{actor.value} may not {action.value}; allowed: {', '.join(allowed)}")
    return actor


def next_state(state: states.S, action: Action) -> states.S:
    try:
        return states.apply(state, action)
    except states.InvalidTransition as exc:
        raise conflict(exc) from None


@dataclass(frozen=True)
class TriageReport:
    """A report row locked for triage, with the columns triage needs."""

    id: uuid.UUID
    case_id: uuid.UUID | None
    category_code: str
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None


def lock_report(*, session: Session, report_id: uuid.UUID) -> TriageReport:
    r = refs.reports.c
    row = session.execute(
        select(
            r.id, r.case_id, r.category_code, r.district_code, r.street_code, r.community_code, r.grid_code
        )
        .where(r.id == report_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"report {report_id} does not exist")
    return TriageReport(*row)


def lock_case(*, session: Session, case_id: uuid.UUID) -> Case:
    case = session.scalars(
        select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case


def lock_case_or_triage(*, session: Session, case_id: uuid.UUID, action: Action) -> Case:
    """The case to act on; a report still in triage is a case in state `reported` (so: 409 or 404)."""
    case = session.scalars(
        select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if case is not None:
        return case
    r = refs.reports.c
    in_triage = session.execute(select(r.case_id).where(r.id == case_id)).one_or_none()
    if in_triage is not None and in_triage[0] is None:
        next_state(CaseState.REPORTED, action)
    raise NotFound(f"case {case_id} does not exist")


def lock_dispatch(*, session: Session, dispatch_id: uuid.UUID) -> tuple[Case, Dispatch]:
    case_id = session.scalar(select(Dispatch.case_id).where(Dispatch.id == dispatch_id))
    if case_id is None:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    case = lock_case(session=session, case_id=case_id)
    dispatch = session.scalars(
        select(Dispatch)
        .where(Dispatch.id == dispatch_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return case, dispatch


def append_event(
    *,
    session: Session,
    case: Case,
    action: Action | str,
    actor: User | None,
    from_state: str | None,
    to_state: str,
    at: datetime,
    dispatch: Dispatch | None = None,
    report_id: uuid.UUID | None = None,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        dispatch_id=dispatch.id if dispatch is not None else None,
        report_id=report_id,
        at=at,
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else Actor.SYSTEM.value,
        action=str(action),
        from_state=from_state,
        to_state=to_state,
        case_state=case.state,
        note=note,
        detail=detail or {},
    )
    session.add(event)
    return event


def transition_case(
    *,
    session: Session,
    case: Case,
    action: Action,
    actor: User | None,
    at: datetime,
    note: str = "",
    detail: dict[str, Any] | None = None,
    report_id: uuid.UUID | None = None,
) -> CaseEvent:
    """Apply a case-level action to a locked case and log it."""
    check_actor(actor, action)
    before = case.state
    case.state = next_state(CaseState(before), action).value
    case.updated_at = at
    if case.state == CaseState.CLOSED:
        case.closed_at = at
    return append_event(
        session=session,
        case=case,
        action=action,
        actor=actor,
        from_state=before,
        to_state=case.state,
        at=at,
        note=note,
        detail=detail,
        report_id=report_id,
    )


def derive_case(*, session: Session, case: Case, at: datetime) -> None:
    """Re-derive a dispatched case's state from its dispatches (after any dispatch-level change)."""
    session.flush()
    dispatch_states = session.scalars(select(Dispatch.state).where(Dispatch.case_id == case.id)).all()
    derived = states.derive_case_state(DispatchState(s) for s in dispatch_states)
    if derived.value != case.state:
        case.state = derived.value
        case.updated_at = at
        case.closed_at = at if derived is CaseState.CLOSED else None


def transition_dispatch(
    *,
    session: Session,
    case: Case,
    dispatch: Dispatch,
    action: Action,
    actor: User | None,
    at: datetime,
    note: str = "",
    detail: dict[str, Any] | None = None,
    derive: bool = True,
) -> CaseEvent:
    """Apply a dispatch-level action to a locked dispatch, re-derive the case, log it.

    The state check comes first (409 names what is allowed), the actor's role second. `derive` False
    leaves the case's state to the caller's next step (a reassignment whistles the new unit before the
    case is derived again, so it never passes through `closed` or `filed` in between).
    """
    before = dispatch.state
    after = next_state(DispatchState(before), action)
    check_actor(actor, action)
    dispatch.state = after.value
    if derive:
        derive_case(session=session, case=case, at=at)
    else:
        session.flush()
    return append_event(
        session=session,
        case=case,
        dispatch=dispatch,
        action=action,
        actor=actor,
        from_state=before,
        to_state=after.value,
        at=at,
        note=note,
        detail=detail,
    )


def audit(
    session: Session,
    *,
    by: User | None,
    client: ClientInfo | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the audit record of one workflow action (`case.<action>`); `by` None is the system."""
    audit_log.record(
        session=session,
        action=f"case.{action}",
        actor_id=by.id if by is not None else None,
        actor_username=by.username if by is not None else Actor.SYSTEM.value,
        subject_type=subject_type,
        subject_id=str(subject_id),
        client=client,
        detail=detail or {},
    )
