"""Whistle (吹哨): the suggested units for a case, dispatching to one or several units.

The suggestion is the router's choice stored with the report at intake (`reports.routing.units`)
while the case keeps the reported category. When the dispatcher corrected the category at filing
(or the report was unrouted), the units are chosen again by the router's rule (DESIGN.md §5): an
item on the street enforcement list goes to the street's own enforcement team directly — and when the
category also names joint department kinds (private wiring: the power company, emergency management,
the fire brigade), the departments of the category's kinds join the street team, which leads;
otherwise, for the category's primary and joint department kinds, the unit of that kind whose
jurisdiction covers the report's point (the smallest such jurisdiction, then the district's unit of
that kind).

The whistle may set its own report-in and handling limits instead of the category's
(`WhistleLimits`, within `deadlines.WHISTLE_LIMIT_MAXIMA`); the dispatch records that they were set
by hand (`check_in_custom`, `handling_custom`), and every clock runs on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases import deadlines
from service.cases.calendar import WorkCalendar, default_calendar
from service.cases.command import check_acting
from service.cases.deadlines import Limit, LimitUnit
from service.cases.models import Case, Dispatch
from service.cases.sla import Clock
from service.cases.states import Action, CaseState, DispatchState
from service.cases.workflow import (
    append_event,
    audit,
    check_actor,
    derive_case,
    lock_case_or_triage,
    next_state,
    transition_case,
    utcnow,
)
from service.db import refs
from service.errors import Conflict, Invalid, NotFound
from service.outbound.dispatch_events import enqueue_whistles


@dataclass(frozen=True)
class UnitRef:
    id: uuid.UUID
    code: str
    name: str
    kind_code: str
    kind_name: str
    role: str  # primary | joint | street_team


@dataclass(frozen=True)
class Suggestion:
    case_id: uuid.UUID
    category_code: str
    category_name: str
    on_street_list: bool
    street_code: str | None
    units: list[UnitRef]
    trace: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryLimits:
    code: str
    name: str
    primary_kind: str
    joint_kinds: list[str]
    on_street_list: bool
    check_in: Limit
    handling: Limit


def category_limits(*, session: Session, code: str) -> CategoryLimits:
    c = refs.categories.c
    row = session.execute(
        select(
            c.code,
            c.name,
            c.primary_kind,
            c.joint_kinds,
            c.on_street_list,
            c.report_in_amount,
            c.report_in_unit,
            c.handling_amount,
            c.handling_unit,
        ).where(c.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"category {code} does not exist")
    return CategoryLimits(
        code=row.code,
        name=row.name,
        primary_kind=row.primary_kind,
        joint_kinds=list(row.joint_kinds or []),
        on_street_list=bool(row.on_street_list),
        check_in=Limit(Decimal(row.report_in_amount), LimitUnit(row.report_in_unit)),
        handling=Limit(Decimal(row.handling_amount), LimitUnit(row.handling_unit)),
    )


_UNIT_COLUMNS = "u.id, u.code, u.name, u.kind_code, coalesce(k.name, u.kind_code) AS kind_name"

_STREET_TEAM_SQL = text(
    f"SELECT {_UNIT_COLUMNS} FROM department_units u LEFT JOIN department_kinds k ON k.code = u.kind_code "
    "WHERE u.is_street_team AND u.street_code = :street ORDER BY u.code LIMIT 1"
)
_COVERING_SQL = text(
    f"SELECT {_UNIT_COLUMNS} FROM department_units u LEFT JOIN department_kinds k ON k.code = u.kind_code "
    "WHERE u.kind_code = :kind AND NOT u.is_street_team AND u.active AND u.jurisdiction IS NOT NULL "
    "AND ST_Covers(u.jurisdiction, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    "ORDER BY ST_Area(u.jurisdiction), u.code LIMIT 1"
)
_DISTRICT_SQL = text(
    f"SELECT {_UNIT_COLUMNS} FROM department_units u LEFT JOIN department_kinds k ON k.code = u.kind_code "
    "WHERE u.kind_code = :kind AND NOT u.is_street_team AND u.district_code = :district "
    "ORDER BY u.code LIMIT 1"
)


def _unit_ref(row: Any, role: str) -> UnitRef:
    return UnitRef(row.id, row.code, row.name, row.kind_code, row.kind_name, role)


def _units_routed_at_intake(session: Session, routing: Any) -> list[UnitRef]:
    """The units the router chose when the report arrived (`reports.routing.units`), still existing."""
    listed = routing.get("units") if isinstance(routing, dict) else None
    if not listed:
        return []
    roles: dict[uuid.UUID, str] = {}
    for item in listed:
        try:
            roles.setdefault(uuid.UUID(str(item["id"])), str(item["role"]))
        except (KeyError, TypeError, ValueError):
            continue
    rows = session.execute(
        text(
            f"SELECT {_UNIT_COLUMNS} FROM department_units u "
            "LEFT JOIN department_kinds k ON k.code = u.kind_code WHERE u.id = ANY(:ids)"
        ),
        {"ids": list(roles)},
    ).all()
    found = {row.id: row for row in rows}
    return [_unit_ref(found[i], role) for i, role in roles.items() if i in found]


def suggest_units(*, session: Session, case: Case) -> Suggestion:
    """The units the router would whistle for this case, with a trace saying why (pre-fills dispatch)."""
    limits = category_limits(session=session, code=case.category_code)
    r = refs.reports.c
    point = session.execute(
        select(r.lon, r.lat, r.category_code, r.routing).where(r.id == case.primary_report_id)
    ).one_or_none()
    trace = [f"类别 {limits.code} {limits.name}"]
    units: list[UnitRef] = []
    if point is not None and point.category_code == case.category_code:
        routed = _units_routed_at_intake(session, point.routing)
        if routed:
            trace.append("沿用上报时空间路由给出的责任单位")
            return Suggestion(
                case.id, limits.code, limits.name, limits.on_street_list, case.street_code, routed, trace
            )
    if limits.on_street_list:
        row = (
            session.execute(_STREET_TEAM_SQL, {"street": case.street_code}).one_or_none()
            if case.street_code
            else None
        )
        if row is not None:
            units.append(_unit_ref(row, "street_team"))
            if not limits.joint_kinds:
                trace.append("列入街道综合执法清单：由街道综合执法队直接处置")
                return Suggestion(case.id, limits.code, limits.name, True, case.street_code, units, trace)
            trace.append("列入街道综合执法清单且需部门联合执法：街道综合执法队主办，相关部门协办")
        else:
            trace.append("列入街道综合执法清单，但所在街道没有综合执法队：按部门派遣")
    # With the street team leading, every department of the category's kinds joins it (联合执法).
    led = bool(units)
    for role, kinds in (
        ("joint" if led else "primary", [limits.primary_kind]),
        ("joint", limits.joint_kinds),
    ):
        for kind in kinds:
            row = None
            if point is not None:
                row = session.execute(
                    _COVERING_SQL, {"kind": kind, "lon": float(point.lon), "lat": float(point.lat)}
                ).one_or_none()
            if row is None and case.district_code:
                row = session.execute(
                    _DISTRICT_SQL, {"kind": kind, "district": case.district_code}
                ).one_or_none()
                if row is not None:
                    trace.append(f"{kind}: 无辖区覆盖该点的单位，取所在区的单位")
            if row is None:
                trace.append(f"{kind}: 没有可派遣的单位，请手工选择")
                continue
            unit = _unit_ref(row, role)
            if all(u.id != unit.id for u in units):
                units.append(unit)
                trace.append(f"{kind}: {unit.name}（{'主办' if role == 'primary' else '协办'}）")
    return Suggestion(
        case.id, limits.code, limits.name, limits.on_street_list, case.street_code, units, trace
    )


def _unit_rows(session: Session, unit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    u = refs.department_units.c
    rows = session.execute(select(u.id, u.name, u.street_code).where(u.id.in_(unit_ids))).all()
    return {row.id: (row.name, row.street_code) for row in rows}


@dataclass(frozen=True)
class WhistleLimits:
    """Limits a whistle sets by hand (自定时限) instead of the category's; None keeps the category's."""

    check_in: Limit | None = None
    handling: Limit | None = None


def _limits(
    category: CategoryLimits, chosen: WhistleLimits | None, at: datetime, calendar: WorkCalendar
) -> tuple[Limit, Limit, deadlines.DispatchDeadlines]:
    """The whistle's two limits and deadlines; a limit set by hand within `WHISTLE_LIMIT_MAXIMA`."""
    chosen = chosen or WhistleLimits()
    for name, limit in (("check_in_limit", chosen.check_in), ("handling_limit", chosen.handling)):
        problem = limit and deadlines.whistle_limit_problem(limit.amount, limit.unit)
        if problem:
            raise Invalid(f"{name}: {problem}", details={"field": name})
    check_in = chosen.check_in or category.check_in
    handling = chosen.handling or category.handling
    due = deadlines.dispatch_deadlines(
        dispatched_at=at, check_in=check_in, handling=handling, calendar=calendar
    )
    problem = (chosen.check_in or chosen.handling) and deadlines.whistle_limits_problem(due)
    if problem:
        raise Invalid(f"handling_limit: {problem}", details={"field": "handling_limit"})
    return check_in, handling, due


def dispatch_case(
    *,
    session: Session,
    case_id: uuid.UUID,
    unit_ids: Sequence[uuid.UUID],
    by: User,
    client: ClientInfo | None = None,
    note: str = "",
    limits: WhistleLimits | None = None,
    at: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> list[Dispatch]:
    """吹哨: dispatch the case to each unit, with deadlines on the calendar from the category's limits,
    or from the limits the whistle sets by hand."""
    at = at or utcnow()
    if not unit_ids or len(set(unit_ids)) != len(unit_ids):
        raise Invalid("unit_ids: one or more distinct units")
    case = lock_case_or_triage(session=session, case_id=case_id, action=Action.DISPATCH)
    check_acting(session, by, case)
    next_state(CaseState(case.state), Action.DISPATCH)
    check_actor(by, Action.DISPATCH)
    created = whistle(
        session=session, case=case, unit_ids=unit_ids, by=by, note=note, limits=limits, at=at,
        calendar=calendar or default_calendar(),
    )  # fmt: skip
    audit(
        session,
        by=by,
        client=client,
        action="dispatch",
        subject_type="case",
        subject_id=case_id,
        detail={"dispatches": [str(d.id) for d in created]},
    )
    return created


def whistle(
    *,
    session: Session,
    case: Case,
    unit_ids: Sequence[uuid.UUID],
    by: User,
    note: str,
    limits: WhistleLimits | None,
    at: datetime,
    calendar: WorkCalendar,
    replacing: Dispatch | None = None,
) -> list[Dispatch]:
    """Dispatch a locked case, which the caller checked may be whistled by `by`, to each unit; with
    `replacing`, the new dispatch takes over that (withdrawn) dispatch's role (改派)."""
    units = _unit_rows(session, unit_ids)
    missing = [str(u) for u in unit_ids if u not in units]
    if missing:
        raise Invalid(f"unknown units: {', '.join(missing)}", details={"unit_ids": missing})
    ended = [DispatchState.SENT_BACK.value, DispatchState.CLOSED.value, DispatchState.WITHDRAWN.value]
    live = set(
        session.scalars(
            select(Dispatch.unit_id).where(Dispatch.case_id == case.id, Dispatch.state.not_in(ended))
        )
    )
    again = [str(u) for u in unit_ids if u in live]
    if again:
        raise Conflict(f"already dispatched to {', '.join(again)}", details={"unit_ids": again})
    category = category_limits(session=session, code=case.category_code)
    check_in, handling, due = _limits(category, limits, at, calendar)
    roles = {u.id: u.role for u in suggest_units(session=session, case=case).units}
    transition_case(
        session=session,
        case=case,
        action=Action.DISPATCH,
        actor=by,
        at=at,
        note=note,
        detail={"unit_ids": [str(u) for u in unit_ids]},
    )
    created = []
    for unit_id in unit_ids:
        dispatch = Dispatch(
            case_id=case.id,
            unit_id=unit_id,
            role=replacing.role if replacing is not None else roles.get(unit_id, "manual"),
            district_code=case.district_code,
            street_code=case.street_code,
            state=DispatchState.DISPATCHED.value,
            dispatched_at=at,
            dispatched_by=by.id,
            note=note,
            check_in_amount=check_in.amount,
            check_in_unit=check_in.unit.value,
            handling_amount=handling.amount,
            handling_unit=handling.unit.value,
            check_in_custom=limits is not None and limits.check_in is not None,
            handling_custom=limits is not None and limits.handling is not None,
            check_in_deadline=due.check_in,
            handling_deadline=due.handling,
            check_in_yellow_at=Clock(at, due.check_in, check_in.unit).yellow_at(calendar),
            handling_yellow_at=Clock(at, due.handling, handling.unit).yellow_at(calendar),
            extensions=[],
            rework_count=0,
            result_photo_count=0,
            reassigned_from_id=replacing.id if replacing is not None else None,
        )
        session.add(dispatch)
        created.append(dispatch)
    derive_case(session=session, case=case, at=at)
    for dispatch in created:
        append_event(
            session=session,
            case=case,
            dispatch=dispatch,
            action=Action.DISPATCH,
            actor=by,
            from_state=None,
            to_state=DispatchState.DISPATCHED.value,
            at=at,
            note=note,
            detail={
                "unit_id": str(dispatch.unit_id),
                "unit_name": units[dispatch.unit_id][0],
                "check_in_deadline": dispatch.check_in_deadline.isoformat(),
                "handling_deadline": dispatch.handling_deadline.isoformat(),
                "check_in_limit": _limit_detail(check_in, dispatch.check_in_custom),
                "handling_limit": _limit_detail(handling, dispatch.handling_custom),
            }
            | ({"reassigned_from": str(replacing.id)} if replacing is not None else {}),
        )
    session.flush()
    enqueue_whistles(session=session, dispatch_ids=[d.id for d in created])  # webhooks, sent later
    return created


def _limit_detail(limit: Limit, custom: bool) -> dict[str, object]:
    return {"amount": str(limit.amount), "unit": limit.unit.value, "custom": custom}
