"""The command center's decisions on a running dispatch: an extension (grant, deny), a unit's send-back
found wrong (退回不成立), and taking a whistle back — withdrawal (撤回) and reassignment (改派).

A unit that never reports in would keep a joint case open for ever: the dispatcher (or the street team,
for a case in its own street, as for the whistle itself) withdraws its dispatch with a reason, or
reassigns it — the withdrawal and a whistle to another unit in one transaction, with the same reason,
the new dispatch taking over the old one's role (`reassigned_from_id` names it). The case then closes
when every remaining dispatch is closed, and goes back to the whistle step (`filed`) when no dispatch
remains (`states.derive_case_state`); the remaining units' results may now all be in, so their
verification starts (`open_case_verification`).

Scores (`charged`): a withdrawal does not wipe out what the unit already owed. A dispatch withdrawn
after a deadline the unit had missed — no report-in by the report-in deadline (a no-show), or no
result by the handling deadline — is scored at the withdrawal, as it stood then: a no-show exactly as
the no-show scan (`finalise_no_shows`) would have scored it at that instant (reason `no_show`), unless
the scan already did (never twice); an overdue one with reason `withdrawn`. A dispatch withdrawn with
nothing missed yet (e.g. before its report-in deadline) is not scored at all. The indicators apply the
same rule (migration 0015_joint_workflow): a withdrawn dispatch is never accurately dispatched, and it
is due for handling and closure only when it was charged.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases import deadlines
from service.cases.calendar import WorkCalendar, default_calendar
from service.cases.command import check_acting
from service.cases.deadlines import Limit, LimitUnit
from service.cases.dispatching import WhistleLimits, whistle
from service.cases.evaluation import evaluate_dispatch
from service.cases.models import Case, Dispatch, Evaluation
from service.cases.sla import Clock
from service.cases.states import Action, CaseState, DispatchState
from service.cases.verification import cancel_item, open_case_verification
from service.cases.workflow import (
    audit,
    check_actor,
    lock_dispatch,
    next_state,
    transition_dispatch,
    utcnow,
)
from service.db import refs
from service.errors import Conflict, Invalid


def decide_extension(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    grant: bool,
    by: User,
    client: ClientInfo | None = None,
    note: str = "",
    amount: Decimal | None = None,
    unit: LimitUnit | None = None,
    at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Dispatch:
    """Grant (moving the handling deadline by the requested, or a corrected, amount) or deny."""
    at = at or utcnow()
    calendar = calendar or default_calendar()
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    action = Action.GRANT_EXTENSION if grant else Action.DENY_EXTENSION
    detail: dict[str, str] = {}
    if grant:
        next_state(DispatchState(dispatch.state), action)
        granted = Limit(
            amount if amount is not None else Decimal(dispatch.extension_amount or 0),
            unit or LimitUnit(dispatch.extension_unit or LimitUnit.WORK_DAYS.value),
        )
        if granted.amount <= 0:
            raise Invalid("amount: a granted extension must be positive")
        before = dispatch.handling_deadline
        dispatch.handling_deadline = deadlines.extend(before, granted, calendar)
        unit_of_limit = LimitUnit(dispatch.handling_unit)
        handling = Clock(dispatch.dispatched_at, dispatch.handling_deadline, unit_of_limit)
        dispatch.handling_yellow_at = handling.yellow_at(calendar)
        dispatch.extensions = [
            *dispatch.extensions,
            {"amount": str(granted.amount), "unit": granted.unit.value, "granted_at": at.isoformat()},
        ]
        detail = {
            "amount": str(granted.amount),
            "unit": granted.unit.value,
            "handling_deadline_before": before.isoformat(),
            "handling_deadline": dispatch.handling_deadline.isoformat(),
        }
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=action,
        actor=by,
        at=at,
        note=note,
        detail=detail,
    )
    dispatch.extension_amount = None
    dispatch.extension_unit = None
    dispatch.extension_reason = None
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="grant_extension" if grant else "deny_extension",
        subject_type="dispatch",
        subject_id=dispatch_id,
    )
    return dispatch


# Cases whose dispatches may no longer come back to life: finished, or parked by the command center.
_SETTLED_CASES = frozenset({CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED, CaseState.ON_HOLD})


def reject_send_back(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    by: User,
    reason: str,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Dispatch:
    """退回不成立: the command center finds the sent-back item is the unit's after all.

    The dispatch is back with the unit, checked in (the send-back was its answer to the whistle), to be
    handled against its original deadlines; its evaluation carries the wrong-send-back deduction and
    it counts as an accurate dispatch again. Refused (409) once the case is closed, voided, merged or
    on hold.
    """
    at = at or utcnow()
    if not reason.strip():
        raise Invalid("reason: say why the item is the unit's")
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    next_state(DispatchState(dispatch.state), Action.REJECT_SEND_BACK)
    if CaseState(case.state) in _SETTLED_CASES:
        raise Conflict(
            f"the case is {case.state}: a send-back can no longer be rejected",
            details={"case_state": case.state},
        )
    responded_at = dispatch.checked_in_at or dispatch.sent_back_at
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.REJECT_SEND_BACK,
        actor=by,
        at=at,
        note=reason,
        detail={"send_back_reason": dispatch.send_back_reason or ""},
    )
    dispatch.checked_in_at = responded_at
    dispatch.sent_back_at = None
    dispatch.send_back_rejected_at = at
    session.flush()
    audit(
        session,
        by=by,
        client=client,
        action="reject_send_back",
        subject_type="dispatch",
        subject_id=dispatch_id,
    )
    return dispatch


def charged(dispatch: Dispatch, at: datetime) -> bool:
    """Whether a dispatch withdrawn at `at` had already missed a deadline: never answered by the report-in
    deadline (a no-show), or no result by the handling deadline. The SQL form is migration
    0015_joint_workflow's `CHARGED` (the indicators' 应处置/应结案)."""
    no_show = (
        dispatch.checked_in_at is None and dispatch.sent_back_at is None and at > dispatch.check_in_deadline
    )
    overdue = dispatch.result_at is None and at > dispatch.handling_deadline
    return no_show or overdue


def _withdraw(
    session: Session, case: Case, dispatch: Dispatch, *, by: User, reason: str, at: datetime, derive: bool
) -> None:
    next_state(DispatchState(dispatch.state), Action.WITHDRAW)
    check_actor(by, Action.WITHDRAW)
    no_show = dispatch.checked_in_at is None and dispatch.sent_back_at is None
    is_charged = charged(dispatch, at)
    dispatch.withdrawn_at = at
    dispatch.withdrawn_by = by.id
    dispatch.withdraw_reason = reason
    dispatch.extension_amount = dispatch.extension_unit = dispatch.extension_reason = None
    transition_dispatch(
        session=session, case=case, dispatch=dispatch, action=Action.WITHDRAW, actor=by, at=at, note=reason,
        detail={"charged": is_charged, "no_show": no_show}, derive=derive,
    )  # fmt: skip
    cancel_item(session=session, dispatch=dispatch, reason=f"已撤回：{reason}", at=at)
    if not is_charged:
        return
    if no_show and session.get(Evaluation, dispatch.id) is not None:
        return  # the no-show scan scored it already: that score stands, never a second one
    evaluate_dispatch(session=session, dispatch=dispatch, reason="no_show" if no_show else "withdrawn", at=at)


def withdraw_dispatch(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    by: User,
    reason: str,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Dispatch:
    """撤回: take a running dispatch back from its unit, with the reason."""
    at = at or utcnow()
    if not reason.strip():
        raise Invalid("reason: 请说明撤回原因")
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    _withdraw(session, case, dispatch, by=by, reason=reason, at=at, derive=True)
    open_case_verification(session=session, case=case, by=None, at=at)
    audit(
        session, by=by, client=client, action="withdraw", subject_type="dispatch", subject_id=dispatch_id,
        detail={"case_state": case.state},
    )  # fmt: skip
    return dispatch


def reassign_dispatch(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    unit_id: uuid.UUID,
    by: User,
    reason: str,
    limits: WhistleLimits | None = None,
    client: ClientInfo | None = None,
    at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[Dispatch, Dispatch]:
    """改派: withdraw a running dispatch and whistle the case to another unit, with the same reason; the
    new dispatch's clocks start now (the category's limits, or `limits`). Returns (withdrawn, new)."""
    at = at or utcnow()
    if not reason.strip():
        raise Invalid("reason: 请说明改派原因")
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    if unit_id == dispatch.unit_id:
        raise Invalid("unit_id: 改派须选择另一个单位", details={"unit_id": str(unit_id)})
    u = refs.department_units.c
    if session.scalar(select(u.id).where(u.id == unit_id)) is None:
        raise Invalid(f"unknown units: {unit_id}", details={"unit_ids": [str(unit_id)]})
    _withdraw(session, case, dispatch, by=by, reason=reason, at=at, derive=False)
    next_state(CaseState(case.state), Action.DISPATCH)
    (created,) = whistle(
        session=session, case=case, unit_ids=[unit_id], by=by, note=reason, limits=limits, at=at,
        calendar=calendar or default_calendar(), replacing=dispatch,
    )  # fmt: skip
    audit(
        session, by=by, client=client, action="reassign", subject_type="dispatch", subject_id=dispatch_id,
        detail={"dispatch": str(created.id), "unit_id": str(unit_id)},
    )  # fmt: skip
    return dispatch, created
