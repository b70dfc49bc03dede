"""Verification (核查): the case's grid worker re-checks a unit's result on site.

The verifier is the grid worker assigned to the case's grid (`grid_assignments`, 责任网格); when the
grid has none, the reporter if they are a grid worker; failing both, the dispatch waits in `handled`
for a dispatcher to assign someone (`assign_verification`). Pass closes the dispatch (the case closes
when all its dispatches are closed); fail sends it back to the unit as rework with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.audit.service import ClientInfo
from service.cases.command import check_acting
from service.cases.evaluation import evaluate_dispatch
from service.cases.models import Case, Dispatch, VerificationTask
from service.cases.states import Action, DispatchState
from service.cases.verification_flags import verification_flags
from service.cases.workflow import audit, lock_dispatch, next_state, transition_dispatch, utcnow
from service.db import keyset, refs
from service.errors import Forbidden, Invalid, NotFound
from service.photos.pipeline import NewPhoto
from service.photos.service import record_photos
from service.settings import CasesSettings


def find_verifier(*, session: Session, case: Case) -> uuid.UUID | None:
    g = refs.grid_assignments.c
    r = refs.reports.c
    if case.grid_code:
        worker = session.scalar(
            select(User.id)
            .join(refs.grid_assignments, g.user_id == User.id)
            .where(
                g.grid_code == case.grid_code,
                User.role == Role.grid_worker.value,
                User.is_active.is_(True),
            )
            .order_by(User.created_at, User.id)
            .limit(1)
        )
        if worker is not None:
            return worker
    reporter = session.scalar(
        select(User.id)
        .join(refs.reports, r.reporter_id == User.id)
        .where(r.id == case.primary_report_id, User.role == Role.grid_worker.value, User.is_active.is_(True))
    )
    return reporter


@dataclass(frozen=True)
class VerifierCandidate:
    """A grid worker the command center may name to verify a case by hand, and why they fit."""

    user_id: uuid.UUID
    username: str
    display_name: str
    why: str  # responsible_grid | same_community | reporter


def verifier_candidates(*, session: Session, case: Case, limit: int = 50) -> list[VerifierCandidate]:
    """Active grid workers for a hand-assigned verification, the closest first: the case's grid (责任网格),
    then the other grids of its community, then the reporter when they are a grid worker."""
    g, a, r = refs.grids.c, refs.grid_assignments.c, refs.reports.c
    workers = select(User.id, User.username, User.display_name).where(
        User.role == Role.grid_worker.value, User.is_active.is_(True)
    )
    found: dict[uuid.UUID, VerifierCandidate] = {}

    def add(stmt: Select[uuid.UUID, str, str], why: str) -> None:
        for user_id, username, name in session.execute(stmt.order_by(User.display_name, User.username)):
            found.setdefault(user_id, VerifierCandidate(user_id, username, name or username, why))

    if case.grid_code:
        add(workers.join(refs.grid_assignments, a.user_id == User.id).where(a.grid_code == case.grid_code),
            "responsible_grid")  # fmt: skip
    if case.community_code:
        community_grids = select(g.code).where(g.community_code == case.community_code, g.valid_to.is_(None))
        add(workers.join(refs.grid_assignments, a.user_id == User.id).where(a.grid_code.in_(community_grids))
            .distinct(), "same_community")  # fmt: skip
    add(
        workers.join(refs.reports, r.reporter_id == User.id).where(r.id == case.primary_report_id), "reporter"
    )
    return list(found.values())[:limit]


def open_verification(
    *,
    session: Session,
    case: Case,
    dispatch: Dispatch,
    by: User | None,
    at: datetime,
    assignee_id: uuid.UUID | None = None,
) -> VerificationTask | None:
    """Start verification of a handled dispatch (automatic after the result, or by a dispatcher)."""
    assignee = assignee_id or find_verifier(session=session, case=case)
    if assignee is None:
        return None
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=Action.START_VERIFICATION,
        actor=by,
        at=at,
        detail={"assignee_id": str(assignee)},
    )
    task = VerificationTask(
        dispatch_id=dispatch.id, case_id=case.id, assignee_id=assignee, state="open", created_at=at
    )
    session.add(task)
    session.flush()
    return task


def assign_verification(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    assignee_id: uuid.UUID,
    by: User,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> VerificationTask:
    """The commanding level starts verification by hand, naming the grid worker who checks."""
    at = at or utcnow()
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    next_state(DispatchState(dispatch.state), Action.START_VERIFICATION)
    assignee = session.get(User, assignee_id)
    if assignee is None or assignee.role_enum is not Role.grid_worker or not assignee.is_active:
        raise Invalid("assignee_id: an active grid worker")
    task = open_verification(
        session=session, case=case, dispatch=dispatch, by=by, at=at, assignee_id=assignee_id
    )
    assert task is not None
    audit(
        session,
        by=by,
        client=client,
        action="start_verification",
        subject_type="dispatch",
        subject_id=dispatch_id,
    )
    return task


@dataclass(frozen=True)
class TaskView:
    task: VerificationTask
    dispatch: Dispatch
    case: Case


def list_tasks(
    *,
    session: Session,
    user: User,
    include_done: bool = False,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[TaskView]:
    """The grid worker's tasks, oldest first (key: created_at, id); a page of `limit` after `after`."""
    key = (VerificationTask.created_at, VerificationTask.id)
    stmt = (
        select(VerificationTask, Dispatch, Case)
        .join(Dispatch, Dispatch.id == VerificationTask.dispatch_id)
        .join(Case, Case.id == VerificationTask.case_id)
        .where(VerificationTask.assignee_id == user.id)
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    if not include_done:
        stmt = stmt.where(VerificationTask.state == "open")
    return [TaskView(t, d, c) for t, d, c in session.execute(stmt).all()]


def check_verifiable(
    *, session: Session, dispatch_id: uuid.UUID, user: User, passed: bool, note: str
) -> None:
    """Everything `verify` would refuse, checked without locking or writing: run it before the photos
    are processed and stored, so a refused decision stores nothing. `verify` checks again under lock."""
    if not passed and not note.strip():
        raise Invalid("reason: say what is still wrong")
    dispatch = session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    next_state(DispatchState(dispatch.state), Action.VERIFY_PASS if passed else Action.VERIFY_FAIL)
    _assigned_task(session, dispatch_id, user, lock=False)


def _assigned_task(session: Session, dispatch_id: uuid.UUID, user: User, *, lock: bool) -> VerificationTask:
    stmt = select(VerificationTask).where(
        VerificationTask.dispatch_id == dispatch_id, VerificationTask.state == "open"
    )
    task = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if task is None or task.assignee_id != user.id:
        raise Forbidden("this verification is assigned to another grid worker")
    return task


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
    """Pass (the dispatch closes and is scored) or fail (rework: back to the unit, with the reason).

    `photos` are the grid worker's on-site photos (核查照片), already stored; they are recorded with the
    task in the same transaction as the decision, with their integrity flags
    (`service.cases.verification_flags`; a photo farther than `far_from_case_m` from the case is one)."""
    at = at or utcnow()
    action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
    if not passed and not note.strip():
        raise Invalid("reason: say what is still wrong")
    unit_exists = session.scalar(select(Dispatch.id).where(Dispatch.id == dispatch_id))
    if unit_exists is None:
        raise NotFound(f"dispatch {dispatch_id} does not exist")
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    next_state(DispatchState(dispatch.state), action)
    task = _assigned_task(session, dispatch.id, user, lock=True)
    flags = verification_flags(
        session=session, case=case, dispatch=dispatch, photos=photos, far_m=far_from_case_m
    )
    transition_dispatch(
        session=session,
        case=case,
        dispatch=dispatch,
        action=action,
        actor=user,
        at=at,
        note=note,
        detail={"photos": [p.sha256 for p in photos], "flags": list(flags)} if photos else None,
    )
    task.state = "passed" if passed else "failed"
    task.done_at = at
    task.note = note
    task.photo_count = len(photos)
    task.flags = list(flags)
    task.flag_notes = flags
    record_photos(session, photos, verification_task_id=task.id)
    if passed:
        dispatch.closed_at = at
        session.flush()
        evaluate_dispatch(session=session, dispatch=dispatch, reason="closed", at=at)
    else:
        # Rework (返工): the handling clock runs on against the same deadline until a new result.
        dispatch.rework_count += 1
        dispatch.result_at = None
        dispatch.result_photo_count = 0
        session.flush()
    audit(
        session,
        by=user,
        client=client,
        action="verify_pass" if passed else "verify_fail",
        subject_type="dispatch",
        subject_id=dispatch_id,
        detail={"photos": len(photos)},
    )
    return dispatch


def get_task(*, session: Session, task_id: uuid.UUID) -> TaskView:
    row = session.execute(
        select(VerificationTask, Dispatch, Case)
        .join(Dispatch, Dispatch.id == VerificationTask.dispatch_id)
        .join(Case, Case.id == VerificationTask.case_id)
        .where(VerificationTask.id == task_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"verification task {task_id} does not exist")
    return TaskView(row[0], row[1], row[2])
