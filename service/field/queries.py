"""Reads of the field app, a page at a time: the unit's live whistles, one case page, the finished ones.

A page is built in a fixed number of queries whatever its length: the dispatches with their cases, then
the names (categories, places, units), the reports' text and position, the partners and the scores, each
for the whole page at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session, selectinload

from service.cases.models import FINISHED as FINISHED_STATES
from service.cases.models import Case, Dispatch, Evaluation
from service.cases.states import DispatchState
from service.db import keyset, refs
from service.errors import Forbidden
from service.photos.service import first_thumb_key

LIVE = (
    DispatchState.DISPATCHED, DispatchState.CHECKED_IN, DispatchState.EXTENSION_REQUESTED,
    DispatchState.HANDLED, DispatchState.VERIFYING,
)  # fmt: skip
FINISHED = (DispatchState.CLOSED, DispatchState.SENT_BACK, DispatchState.WITHDRAWN)
HANDLING = (DispatchState.CHECKED_IN, DispatchState.EXTENSION_REQUESTED)

# The whistles' order: a running clock first (0) by its deadline, then the ones waiting on others (1) by
# when they were handed in; ties newest whistle first.
RANK = case((Dispatch.state.in_([s.value for s in (DispatchState.DISPATCHED, *HANDLING)]), 0), else_=1)
DUE = case(
    (Dispatch.state == DispatchState.DISPATCHED.value, Dispatch.check_in_deadline),
    (Dispatch.state.in_([s.value for s in HANDLING]), Dispatch.handling_deadline),
    else_=func.coalesce(Dispatch.result_at, Dispatch.dispatched_at),
)
WHISTLE_KEY: tuple[Any, ...] = (RANK, DUE, Dispatch.dispatched_at, Dispatch.id)
FINISHED_AT = func.coalesce(
    Dispatch.closed_at, Dispatch.sent_back_at, Dispatch.withdrawn_at, Dispatch.dispatched_at
)
HISTORY_KEY: tuple[Any, ...] = (FINISHED_AT, Dispatch.id)


@dataclass
class Names:
    """The page's names: categories, places by level, units."""

    categories: dict[str, str] = field(default_factory=dict)
    places: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[uuid.UUID, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Partner:
    unit_id: uuid.UUID
    role: str
    state: str


@dataclass
class Page:
    """One page of the unit's dispatches and everything their cards show."""

    rows: list[tuple[Dispatch, Case]]
    names: Names
    reports: dict[uuid.UUID, Any]  # primary report id → (lon, lat, text, thumb_key)
    partners: dict[uuid.UUID, list[Partner]]  # case id → the other units' dispatches
    scores: dict[uuid.UUID, Evaluation]  # dispatch id → its evaluation


def unit_of(user: Any) -> uuid.UUID:
    if user.unit_id is None:
        raise Forbidden("该账号未绑定处置单位")
    unit: uuid.UUID = user.unit_id
    return unit


def whistles(*, session: Session, unit_id: uuid.UUID, limit: int, after: Sequence[Any] | None) -> Page:
    """The unit's live dispatches, the most urgent running clock first (`WHISTLE_KEY`)."""
    stmt = (
        _dispatches(unit_id)
        .where(Dispatch.state.in_([s.value for s in LIVE]))
        .order_by(RANK, DUE, Dispatch.dispatched_at.desc(), Dispatch.id)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(WHISTLE_KEY, after, descending=(False, False, True, False)))
    return _page(session, unit_id, [(d, c) for d, c in session.execute(stmt.limit(limit))])


def history(*, session: Session, unit_id: uuid.UUID, limit: int, after: Sequence[Any] | None) -> Page:
    """The unit's finished dispatches, newest finished first (`HISTORY_KEY`)."""
    # The states as literals: the planner proves the partial index `ix_dispatches_unit_finished` from them.
    stmt = _dispatches(unit_id).where(text(f"dispatches.{FINISHED_STATES}"))
    stmt = stmt.order_by(FINISHED_AT.desc(), Dispatch.id.desc())
    if after is not None:
        stmt = stmt.where(keyset.after(HISTORY_KEY, after, descending=(True, True)))
    return _page(session, unit_id, [(d, c) for d, c in session.execute(stmt.limit(limit))])


def one(*, session: Session, unit_id: uuid.UUID, dispatch: Dispatch, case_: Case) -> Page:
    return _page(session, unit_id, [(dispatch, case_)])


def _dispatches(unit_id: uuid.UUID) -> Any:
    return (
        select(Dispatch, Case)
        .join(Case, Case.id == Dispatch.case_id)
        .where(Dispatch.unit_id == unit_id)
        .options(selectinload(Case.supervision))
    )


def _page(session: Session, unit_id: uuid.UUID, rows: list[tuple[Dispatch, Case]]) -> Page:
    cases = {c.id: c for _, c in rows}
    partners = _partners(session, list(cases), [d.id for d, _ in rows])
    unit_ids = {unit_id} | {p.unit_id for ps in partners.values() for p in ps}
    return Page(
        rows=rows,
        names=_names(session, list(cases.values()), unit_ids),
        reports=_reports(session, [c.primary_report_id for c in cases.values()]),
        partners=partners,
        scores={
            e.dispatch_id: e
            for e in session.scalars(
                select(Evaluation).where(Evaluation.dispatch_id.in_([d.id for d, _ in rows]))
            )
        },
    )


def _partners(
    session: Session, case_ids: list[uuid.UUID], mine: list[uuid.UUID]
) -> dict[uuid.UUID, list[Partner]]:
    out: dict[uuid.UUID, list[Partner]] = defaultdict(list)
    if not case_ids:
        return out
    stmt = (
        select(Dispatch.case_id, Dispatch.unit_id, Dispatch.role, Dispatch.state)
        .where(
            Dispatch.case_id.in_(case_ids),
            Dispatch.id.not_in(mine),
            Dispatch.state != DispatchState.WITHDRAWN.value,
        )
        .order_by(Dispatch.case_id, Dispatch.dispatched_at, Dispatch.id)
    )
    for case_id, unit_id, role, state in session.execute(stmt):
        out[case_id].append(Partner(unit_id, role, state))
    return out


def _names(session: Session, cases: list[Case], unit_ids: set[uuid.UUID]) -> Names:
    names = Names()
    k, u = refs.categories.c, refs.department_units.c
    codes = {c.category_code for c in cases}
    names.categories = {
        code: name for code, name in session.execute(select(k.code, k.name).where(k.code.in_(codes)))
    }
    names.units = {i: name for i, name in session.execute(select(u.id, u.name).where(u.id.in_(unit_ids)))}
    levels = {
        "district": (refs.districts, {c.district_code for c in cases}),
        "street": (refs.streets, {c.street_code for c in cases}),
        "community": (refs.communities, {c.community_code for c in cases}),
        "grid": (refs.grids, {c.grid_code for c in cases}),
    }
    for level, (table, level_codes) in levels.items():
        t = table.c
        wanted = [code for code in level_codes if code]
        current = select(t.code, t.name).where(t.code.in_(wanted), t.valid_to.is_(None))
        names.places[level] = {code: name for code, name in session.execute(current)} if wanted else {}
    return names


def _reports(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not report_ids:
        return {}
    r = refs.reports.c
    stmt = select(r.id, r.lon, r.lat, r.text, first_thumb_key(r.id).label("thumb_key")).where(
        r.id.in_(report_ids)
    )
    return {row.id: row for row in session.execute(stmt)}


def running_clock(d: Dispatch) -> tuple[str, datetime] | None:
    """The clock the unit works against now, with its deadline."""
    state = DispatchState(d.state)
    if state is DispatchState.DISPATCHED:
        return "check_in", d.check_in_deadline
    if state in HANDLING:
        return "handling", d.handling_deadline
    return None


def whistle_key(d: Dispatch) -> tuple[int, datetime, datetime, uuid.UUID]:
    clock = running_clock(d)
    if clock is not None:
        return 0, clock[1], d.dispatched_at, d.id
    return 1, d.result_at or d.dispatched_at, d.dispatched_at, d.id


def finished_at(d: Dispatch) -> datetime:
    return d.closed_at or d.sent_back_at or d.withdrawn_at or d.dispatched_at


def place_label(district: str | None, street: str | None, community: str | None, grid: str | None) -> str:
    """区 · 街道 · 社区 · 网格, the community left out where the grid's name already starts with it."""
    parts = [district, street]
    if not (grid and community and grid.startswith(community)):
        parts.append(community)
    parts.append(grid)
    return " · ".join(p for p in parts if p) or "（位置未落入网格）"
