"""The grid worker's decision on site (核查): each unit's result in the task passes or fails.

One visit decides the units of a task together (`decide_task`: every pending unit's outcome, with
the photos taken there); the per-dispatch form (`verify`) decides one unit's result of a task and
leaves the others pending. A passed result closes its dispatch at once and scores it (another unit's
rework never makes it late); a failed one goes back to its unit as rework (返工) with the reason. The
task is done when no unit is left pending: `passed` when every unit passed, else `failed`.

The photos are recorded with the task, and their integrity flags (`verification_flags`) are judged
against the case's place and the latest result they check; flags never refuse a decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases.evaluation import evaluate_dispatch
from service.cases.models import Case, Dispatch, VerificationItem, VerificationTask
from service.cases.states import Action, DispatchState
from service.cases.verification import pending_items
from service.cases.verification_flags import verification_flags
from service.cases.workflow import audit, lock_case, next_state, transition_dispatch, utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.photos.pipeline import NewPhoto
from service.photos.service import record_photos
from service.settings import CasesSettings


@dataclass(frozen=True)
class Outcome:
    """The grid worker's finding on one unit's result: passed, or failed with what is still wrong."""

    passed: bool
    reason: str = ""


def _check_outcomes(
    pending: Sequence[uuid.UUID], outcomes: Mapping[uuid.UUID, Outcome], *, every: bool = True
) -> None:
    """Outcomes name pending units of the task only — every one of them unless `every` is False — and
    a failed one says why."""
    missing = [str(d) for d in pending if d not in outcomes] if every else []
    unknown = [str(d) for d in outcomes if d not in pending]
    if missing or unknown or not outcomes:
        raise Invalid(
            "核查结论须逐一对应任务中每个待核查的单位",
            details={"missing": missing, "unknown": unknown},
        )
    no_reason = [str(d) for d, o in outcomes.items() if not o.passed and not o.reason.strip()]
    if no_reason:
        raise Invalid("核查不通过的单位须说明原因", details={"dispatch_ids": no_reason})


def _task(session: Session, task_id: uuid.UUID, user: User, *, lock: bool) -> VerificationTask:
    task = session.get(VerificationTask, task_id, with_for_update=lock, populate_existing=lock)
    if task is None:
        raise NotFound(f"verification task {task_id} does not exist")
    if task.assignee_id != user.id:
        raise Forbidden("this verification is assigned to another grid worker")
    if task.state != "open":
        raise Conflict(f"the verification task is {task.state}", details={"state": task.state})
    return task


def check_decidable(
    *,
    session: Session,
    task_id: uuid.UUID,
    user: User,
    outcomes: Mapping[uuid.UUID, Outcome],
    every: bool = True,
) -> None:
    """Everything `decide_task` would refuse, checked without locking or writing: run it before the
    photos are processed and stored, so a refused decision stores nothing. Checked again under lock."""
    _task(session, task_id, user, lock=False)
    pending = [i.dispatch_id for i in pending_items(session=session, task_id=task_id)]
    _check_outcomes(pending, outcomes, every=every)


def decide_task(
    *,
    session: Session,
    task_id: uuid.UUID,
    user: User,
    outcomes: Mapping[uuid.UUID, Outcome],
    note: str = "",
    photos: Sequence[NewPhoto] = (),
    far_from_case_m: float = CasesSettings().verification_far_m,
    client: ClientInfo | None = None,
    at: datetime | None = None,
    every: bool = True,
) -> list[Dispatch]:
    """Record the outcome of each pending unit of the task: all of them (`every`), or — through
    `verify` — some, the others staying pending."""
    at = at or utcnow()
    case_id = session.scalar(select(VerificationTask.case_id).where(VerificationTask.id == task_id))
    if case_id is None:
        raise NotFound(f"verification task {task_id} does not exist")
    case = lock_case(session=session, case_id=case_id)
    task = _task(session, task_id, user, lock=True)
    pending = {i.dispatch_id: i for i in pending_items(session=session, task_id=task.id)}
    _check_outcomes(list(pending), outcomes, every=every)
    decided = dict(outcomes)
    dispatches = list(
        session.scalars(
            select(Dispatch)
            .where(Dispatch.id.in_(list(decided)))
            .order_by(Dispatch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    for dispatch in dispatches:
        next_state(DispatchState(dispatch.state), _action(decided[dispatch.id]))
    results = [d.result_at for d in dispatches if d.result_at is not None]
    flags = verification_flags(
        session=session,
        case=case,
        photos=photos,
        far_m=far_from_case_m,
        latest_result_at=max(results, default=None),
    )
    detail: dict[str, object] = {
        "task_id": str(task.id), "photos": [p.sha256 for p in photos], "flags": list(flags),
    }  # fmt: skip
    for dispatch in dispatches:
        _apply(session, case, task, pending[dispatch.id], dispatch, decided[dispatch.id], user, at, detail)
    task.photo_count += len(photos)
    task.flags = [*task.flags, *(code for code in flags if code not in task.flags)]
    task.flag_notes = {**task.flag_notes, **flags}
    task.note = note or task.note
    record_photos(session, photos, verification_task_id=task.id)
    session.flush()
    if not pending_items(session=session, task_id=task.id):
        outcomes_now = session.scalars(
            select(VerificationItem.outcome).where(VerificationItem.task_id == task.id)
        ).all()
        task.state = "passed" if set(outcomes_now) <= {"passed", "cancelled"} else "failed"
        task.done_at = at
        session.flush()
    for dispatch in dispatches:
        passed = decided[dispatch.id].passed
        audit(
            session, by=user, client=client, action="verify_pass" if passed else "verify_fail",
            subject_type="dispatch", subject_id=dispatch.id,
            detail={"photos": len(photos), "task_id": str(task.id)},
        )  # fmt: skip
    return dispatches


def _action(outcome: Outcome) -> Action:
    return Action.VERIFY_PASS if outcome.passed else Action.VERIFY_FAIL


def _apply(
    session: Session,
    case: Case,
    task: VerificationTask,
    item: VerificationItem,
    dispatch: Dispatch,
    outcome: Outcome,
    user: User,
    at: datetime,
    detail: dict[str, object],
) -> None:
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=_action(outcome),
        actor=user,
        at=at,
        note=outcome.reason,
        detail=detail,
    )
    item.outcome = "passed" if outcome.passed else "failed"
    item.reason = outcome.reason or None
    item.decided_at = at
    if outcome.passed:
        dispatch.closed_at = at
        session.flush()
        evaluate_dispatch(session=session, dispatch=dispatch, reason="closed", at=at)
    else:
        # Rework (返工): the handling clock runs on against the same deadline until a new result.
        dispatch.rework_count += 1
        dispatch.result_at = None
        dispatch.result_photo_count = 0
        session.flush()


def task_of_dispatch(*, session: Session, dispatch_id: uuid.UUID) -> VerificationTask | None:
    """The open task in which this dispatch's result waits for verification."""
    return session.scalars(
        select(VerificationTask)
        .join(VerificationItem, VerificationItem.task_id == VerificationTask.id)
        .where(VerificationItem.dispatch_id == dispatch_id, VerificationItem.outcome == "pending")
    ).one_or_none()


def check_verifiable(
    *, session: Session, dispatch_id: uuid.UUID, user: User, passed: bool, note: str
) -> uuid.UUID:
    """What `verify` would refuse, without locking or writing (before any photo is stored); returns
    the task the dispatch's result waits in."""
    if not passed and not note.strip():
        raise Invalid("reason: say what is still wrong")
    dispatch = session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    next_state(DispatchState(dispatch.state), Action.VERIFY_PASS if passed else Action.VERIFY_FAIL)
    task = task_of_dispatch(session=session, dispatch_id=dispatch_id)
    if task is None or task.assignee_id != user.id:
        raise Forbidden("this verification is assigned to another grid worker")
    return task.id


def verify(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    user: User,
    client: ClientInfo | None = None,
    passed: bool,
    note: str = "",
    photos: Sequence[NewPhoto] = (),
    far_from_case_m: float = CasesSettings().verification_far_m,
    at: datetime | None = None,
) -> Dispatch:
    """Pass (the dispatch closes and is scored) or fail (rework: back to the unit, with the reason) one
    unit's result; its task's other units stay pending. `note` is the pass note or the fail reason."""
    task_id = check_verifiable(session=session, dispatch_id=dispatch_id, user=user, passed=passed, note=note)
    outcome = Outcome(passed=passed, reason="" if passed else note)
    decide_task(
        session=session, task_id=task_id, user=user, outcomes={dispatch_id: outcome}, note=note,
        photos=photos, far_from_case_m=far_from_case_m, client=client, at=at, every=False,
    )  # fmt: skip
    dispatch = session.get(Dispatch, dispatch_id)
    assert dispatch is not None
    return dispatch
