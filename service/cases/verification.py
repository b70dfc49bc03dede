"""Verification (核查): the case's grid worker re-checks the units' results on site, once per visit.

A joint case (联合执法) is verified once, not once per unit: when every live dispatch of the case has
its result (none is still waiting for a report-in or a result), the grid worker gets ONE task that
covers every unit's result (`VerificationItem`, one per unit). A unit whose result arrives while
another unit is still at work waits in `handled`. Results arriving while the case's task is still
open join that task; a single-unit case gets a task with one item, as before.

The verifier is the grid worker assigned to the case's grid (`grid_assignments`, 责任网格); when the
grid has none, the reporter if they are a grid worker; failing both, the dispatches wait in `handled`
for a dispatcher to name someone (`assign_verification`). The decision on each unit's result
(`service.cases.verification_decision`): pass closes that dispatch (the case closes when all its
dispatches are closed); fail sends it back to its unit as rework with the reason.
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
from service.cases.models import Case, Dispatch, VerificationItem, VerificationTask
from service.cases.states import Action, DispatchState
from service.cases.workflow import audit, lock_dispatch, next_state, transition_dispatch, utcnow
from service.db import keyset, refs
from service.errors import Invalid, NotFound


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


# A unit still owes its result: the case's verification waits for it.
AWAITING_RESULT = frozenset(
    {DispatchState.DISPATCHED, DispatchState.CHECKED_IN, DispatchState.EXTENSION_REQUESTED}
)


def open_task(*, session: Session, case_id: uuid.UUID, lock: bool = False) -> VerificationTask | None:
    """The case's open verification task, if any (at most one: `uq_verification_tasks_open_case`)."""
    stmt = select(VerificationTask).where(
        VerificationTask.case_id == case_id, VerificationTask.state == "open"
    )
    return session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()


def open_case_verification(
    *,
    session: Session,
    case: Case,
    by: User | None,
    at: datetime,
    assignee_id: uuid.UUID | None = None,
    wait_for_all: bool = True,
) -> VerificationTask | None:
    """Start verifying the case's results that wait for it (`handled`), in one task for the case.

    Called with the case locked after every change that can leave the case's results complete: a
    result, a send-back, a withdrawal. With `wait_for_all` (the automatic path) nothing happens while a
    live dispatch still owes its result; a dispatcher naming the verifier (`assign_verification`)
    starts at once with the results there are. Results join the case's open task when it has one;
    else a new task goes to `assignee_id` or the case's verifier (`find_verifier`), and with nobody to
    give it to, the results wait in `handled`. Returns the task, or None when nothing was started.
    """
    rows = list(
        session.scalars(
            select(Dispatch)
            .where(Dispatch.case_id == case.id)
            .order_by(Dispatch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if wait_for_all and any(DispatchState(d.state) in AWAITING_RESULT for d in rows):
        return None
    waiting = [d for d in rows if d.state == DispatchState.HANDLED]
    if not waiting:
        return None
    task = open_task(session=session, case_id=case.id, lock=True)
    if task is None:
        assignee = assignee_id or find_verifier(session=session, case=case)
        if assignee is None:
            return None
        task = VerificationTask(case_id=case.id, assignee_id=assignee, state="open", created_at=at)
        session.add(task)
        session.flush()
    elif assignee_id is not None:
        task.assignee_id = assignee_id  # the dispatcher gives the whole visit to the worker named
    for dispatch in waiting:
        transition_dispatch(
            session=session,
            case=case,
            dispatch=dispatch,
            action=Action.START_VERIFICATION,
            actor=by,
            at=at,
            detail={"assignee_id": str(task.assignee_id), "task_id": str(task.id)},
        )
        session.add(VerificationItem(task_id=task.id, dispatch_id=dispatch.id, outcome="pending"))
    session.flush()
    return task


def cancel_item(*, session: Session, dispatch: Dispatch, reason: str, at: datetime) -> None:
    """A dispatch leaves its pending verification (withdrawn): the item is cancelled, and the task too
    when nothing is left to check in it."""
    item = session.scalars(
        select(VerificationItem)
        .where(VerificationItem.dispatch_id == dispatch.id, VerificationItem.outcome == "pending")
        .with_for_update()
    ).one_or_none()
    if item is None:
        return
    item.outcome, item.reason, item.decided_at = "cancelled", reason, at
    session.flush()
    task = session.get(VerificationTask, item.task_id, with_for_update=True)
    assert task is not None
    if not pending_items(session=session, task_id=task.id):
        decided = session.scalars(
            select(VerificationItem.outcome).where(
                VerificationItem.task_id == task.id, VerificationItem.outcome != "cancelled"
            )
        ).all()
        task.state = "cancelled" if not decided else ("passed" if set(decided) == {"passed"} else "failed")
        task.done_at = at
    session.flush()


def pending_items(*, session: Session, task_id: uuid.UUID) -> list[VerificationItem]:
    return list(
        session.scalars(
            select(VerificationItem)
            .where(VerificationItem.task_id == task_id, VerificationItem.outcome == "pending")
            .order_by(VerificationItem.dispatch_id)
        )
    )


def assign_verification(
    *,
    session: Session,
    dispatch_id: uuid.UUID,
    assignee_id: uuid.UUID,
    by: User,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> VerificationTask:
    """The commanding level starts verification by hand, naming the grid worker who checks: the task
    covers every result of the case that waits for verification (this dispatch's among them), or the
    case's open task takes them and goes to the worker named."""
    at = at or utcnow()
    case, dispatch = lock_dispatch(session=session, dispatch_id=dispatch_id)
    check_acting(session, by, case)
    next_state(DispatchState(dispatch.state), Action.START_VERIFICATION)
    assignee = session.get(User, assignee_id)
    if assignee is None or assignee.role_enum is not Role.grid_worker or not assignee.is_active:
        raise Invalid("assignee_id: an active grid worker")
    task = open_case_verification(
        session=session, case=case, by=by, at=at, assignee_id=assignee_id, wait_for_all=False
    )
    assert task is not None
    audit(
        session,
        by=by,
        client=client,
        action="start_verification",
        subject_type="dispatch",
        subject_id=dispatch_id,
        detail={"task_id": str(task.id)},
    )
    return task


@dataclass(frozen=True)
class ItemView:
    """One unit's result in a task: the item (outcome), the dispatch, and the unit's name."""

    item: VerificationItem
    dispatch: Dispatch
    unit_name: str


@dataclass(frozen=True)
class TaskView:
    task: VerificationTask
    case: Case
    items: list[ItemView]


def item_views(session: Session, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ItemView]]:
    """The items of these tasks with their dispatches and unit names, by task (units in whistle order,
    then by name)."""
    out: dict[uuid.UUID, list[ItemView]] = {task_id: [] for task_id in task_ids}
    if not task_ids:
        return out
    u = refs.department_units.c
    rows = session.execute(
        select(VerificationItem, Dispatch, u.name)
        .join(Dispatch, Dispatch.id == VerificationItem.dispatch_id)
        .join(refs.department_units, u.id == Dispatch.unit_id)
        .where(VerificationItem.task_id.in_(list(task_ids)))
        .order_by(VerificationItem.task_id, Dispatch.dispatched_at, u.name, Dispatch.id)
    ).all()
    for item, dispatch, name in rows:
        out[item.task_id].append(ItemView(item, dispatch, name))
    return out


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
        select(VerificationTask, Case)
        .join(Case, Case.id == VerificationTask.case_id)
        .where(VerificationTask.assignee_id == user.id)
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    if not include_done:
        stmt = stmt.where(VerificationTask.state == "open")
    rows = session.execute(stmt).all()
    items = item_views(session, [t.id for t, _ in rows])
    return [TaskView(t, c, items[t.id]) for t, c in rows]


def get_task(*, session: Session, task_id: uuid.UUID) -> TaskView:
    row = session.execute(
        select(VerificationTask, Case)
        .join(Case, Case.id == VerificationTask.case_id)
        .where(VerificationTask.id == task_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"verification task {task_id} does not exist")
    return TaskView(row[0], row[1], item_views(session, [row[0].id])[row[0].id])
