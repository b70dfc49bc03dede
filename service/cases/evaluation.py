"""一事一案一评价 in the database: a stored score per dispatch, and the period's unit lists.

A dispatch is scored when it ends: closed after verification, sent back, finalised as a no-show
(report-in deadline passed without an answer: `finalise_no_shows`, run by a dispatcher or a job), or
withdrawn after the unit had missed a deadline (`service.cases.withdrawal`; a no-show is scored then
exactly as the scan would have, unless the scan already did).
The score, its deductions and the rules that produced them are stored together; scoring again (a
no-show that later answers and closes) replaces the row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases import scoring
from service.cases.calendar import WorkCalendar, default_calendar
from service.cases.command import CITY, Command, command_of
from service.cases.deadlines import LimitUnit
from service.cases.models import Dispatch, Evaluation
from service.cases.scoring import DispatchFacts, ListKind, ScoringRules
from service.cases.states import DispatchState
from service.cases.workflow import audit, utcnow
from service.db import keyset, refs

_RULES = ScoringRules()


def facts_of(dispatch: Dispatch) -> DispatchFacts:
    return DispatchFacts(
        dispatched_at=dispatch.dispatched_at,
        check_in_deadline=dispatch.check_in_deadline,
        handling_deadline=dispatch.handling_deadline,
        handling_unit=LimitUnit(dispatch.handling_unit),
        checked_in_at=dispatch.checked_in_at,
        result_at=dispatch.result_at if dispatch.state == DispatchState.CLOSED else None,
        sent_back_at=dispatch.sent_back_at,
        wrong_send_back=dispatch.send_back_rejected_at is not None,
        rework_count=dispatch.rework_count,
        result_photo_count=dispatch.result_photo_count,
        withdrawn_at=dispatch.withdrawn_at,
    )


def evaluate_dispatch(
    *,
    session: Session,
    dispatch: Dispatch,
    reason: str,
    at: datetime,
    calendar: WorkCalendar | None = None,
    rules: ScoringRules | None = None,
) -> Evaluation:
    rules = rules or _RULES
    facts = facts_of(dispatch)
    result = scoring.score(facts, as_of=at, calendar=calendar or default_calendar(), rules=rules)
    kind = scoring.classify(facts, as_of=at)
    values = {
        "dispatch_id": dispatch.id,
        "unit_id": dispatch.unit_id,
        "score": result.score,
        "list_kind": kind.value if kind else None,
        "breakdown": result.breakdown(),
        "rules": rules.to_mapping(),
        "reason": reason,
        "evaluated_at": at,
    }
    stmt = insert(Evaluation).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Evaluation.dispatch_id], set_={k: v for k, v in values.items() if k != "dispatch_id"}
    )
    session.execute(stmt)
    session.flush()
    evaluation = session.get(Evaluation, dispatch.id, populate_existing=True)
    assert evaluation is not None
    return evaluation


def finalise_no_shows(
    *,
    session: Session,
    as_of: datetime | None = None,
    by: User | None = None,
    client: ClientInfo | None = None,
) -> list[Evaluation]:
    """Score every dispatch still unanswered after its report-in deadline and not yet scored (约谈): in
    the division `by` commands, everywhere for the system.

    Audited as `case.finalise_no_shows` with the count, by `by`; a run by the system (`by` None, e.g. from
    cron every few minutes) is audited when it scored something."""
    as_of = as_of or utcnow()
    command = command_of(session=session, user=by) if by is not None else CITY
    pending = session.scalars(
        select(Dispatch)
        .outerjoin(Evaluation, Evaluation.dispatch_id == Dispatch.id)
        .where(
            Dispatch.state == DispatchState.DISPATCHED.value,
            Dispatch.check_in_deadline < as_of,
            Evaluation.dispatch_id.is_(None),
            command.where(Dispatch.district_code, Dispatch.street_code),
        )
        .order_by(Dispatch.check_in_deadline, Dispatch.id)
        .with_for_update(of=Dispatch, skip_locked=True)
    ).all()
    scored = [evaluate_dispatch(session=session, dispatch=d, reason="no_show", at=as_of) for d in pending]
    if not scored and by is None:
        return scored
    audit(
        session,
        by=by,
        client=client,
        action="finalise_no_shows",
        subject_type="evaluations",
        subject_id=uuid.UUID(int=0),
        detail={"count": len(scored)},
    )
    return scored


def list_evaluations(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    unit_id: uuid.UUID | None = None,
    limit: int = 500,
    after: tuple[datetime, uuid.UUID] | None = None,
    command: Command = CITY,
) -> list[Evaluation]:
    """Scores given in [since, until) to dispatches in the division, oldest first (key: evaluated_at,
    dispatch); a page after `after`."""
    key = (Evaluation.evaluated_at, Evaluation.dispatch_id)
    stmt = (
        select(Evaluation)
        .where(Evaluation.evaluated_at >= since, Evaluation.evaluated_at < until)
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    if unit_id is not None:
        stmt = stmt.where(Evaluation.unit_id == unit_id)
    if not command.is_city:
        in_division = select(Dispatch.id).where(command.where(Dispatch.district_code, Dispatch.street_code))
        stmt = stmt.where(Evaluation.dispatch_id.in_(in_division))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class UnitListEntry:
    unit_id: uuid.UUID
    unit_name: str
    dispatches: int
    mean_score: Decimal | None


def unit_lists(
    *, session: Session, since: datetime, until: datetime, as_of: datetime | None = None,
    command: Command = CITY,
) -> dict[ListKind, list[UnitListEntry]]:  # fmt: skip
    """通报表扬 / 提醒提示 / 约谈: units by their worst dispatch whistled in [since, until) in the division,
    at `as_of`."""
    as_of = as_of or utcnow()
    u = refs.department_units.c
    rows = session.execute(
        select(Dispatch, u.name, Evaluation.score)
        .join(refs.department_units, u.id == Dispatch.unit_id)
        .outerjoin(Evaluation, Evaluation.dispatch_id == Dispatch.id)
        .where(
            Dispatch.dispatched_at >= since,
            Dispatch.dispatched_at < until,
            command.where(Dispatch.district_code, Dispatch.street_code),
        )
        .order_by(Dispatch.dispatched_at, Dispatch.id)
    ).all()
    names: dict[uuid.UUID, str] = {}
    counts: dict[uuid.UUID, int] = {}
    scores: dict[uuid.UUID, list[Decimal]] = {}
    classified = []
    for dispatch, name, score in rows:
        names[dispatch.unit_id] = name
        counts[dispatch.unit_id] = counts.get(dispatch.unit_id, 0) + 1
        if score is not None:
            scores.setdefault(dispatch.unit_id, []).append(Decimal(score))
        classified.append((dispatch.unit_id, scoring.classify(facts_of(dispatch), as_of=as_of)))
    lists = scoring.unit_lists(classified)

    def entry(unit_id: uuid.UUID) -> UnitListEntry:
        given = scores.get(unit_id)
        mean = (sum(given, Decimal(0)) / len(given)).quantize(Decimal("0.01")) if given else None
        return UnitListEntry(unit_id, names[unit_id], counts[unit_id], mean)

    return {kind: [entry(unit) for unit in units] for kind, units in lists.items()}
