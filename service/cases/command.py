"""Command at three levels (市 · 区 · 街道): who commands what, and the checks every console read and action
makes.

The city's command center (指挥中心) commands the whole city, a district's command staff their district,
a street's (乡镇/街道) its street. A dispatcher's level and division come from the account
(`users.division_code`: NULL, a district code or a street code); a member of a street's enforcement
team (综合执法队, role `street_team`) commands the street of their unit; an admin reads the whole city
and acts on nothing.

* **Reads are scoped by division.** Every console list (triage queue, cases, board, clocks, scores,
  indicators, the live feed, the staff tiles) shows only what lies in the caller's division, and
  anything outside it is answered 404, as if it did not exist.
* **Acting needs the division and the level.** A case is commanded by the level that filed it until it
  is escalated (上报) to a higher level, which then commands it, or taken over (接管) by a higher level
  whose division covers it. A level that does not command a case may read it (in its division); acting
  on it is answered 409 naming who commands it (`details.command_level`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select, text, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.accounts.models import Role, User
from service.audit.service import ClientInfo
from service.cases.models import Case
from service.cases.states import CASE_STATE_LABELS, IN_PROGRESS_STATES, Action, CaseState
from service.cases.workflow import append_event, audit, check_actor, lock_case, utcnow
from service.db import refs
from service.errors import Conflict, Forbidden, Invalid, NotFound

_Column = ColumnElement[Any] | InstrumentedAttribute[Any]


class Level(StrEnum):
    STREET = "street"
    DISTRICT = "district"
    CITY = "city"


RANK = {Level.STREET: 0, Level.DISTRICT: 1, Level.CITY: 2}
LEVEL_LABELS = {Level.STREET: "街道", Level.DISTRICT: "区指挥中心", Level.CITY: "市指挥中心"}
_CODE_LEVELS = {6: Level.DISTRICT, 12: Level.STREET}


@dataclass(frozen=True)
class Command:
    """What one caller commands: a level and, below the city, the division's code."""

    level: Level
    code: str | None  # the district's or the street's code; None for the city
    may_act: bool = True  # admins read the city's console and act on nothing

    def covers(self, district_code: str | None, street_code: str | None) -> bool:
        """Whether a place (a report's, a case's, a dispatch's codes) lies in this division."""
        if self.level is Level.CITY:
            return True
        if self.level is Level.DISTRICT:
            return district_code == self.code
        return street_code == self.code

    def where(self, district: _Column, street: _Column) -> ColumnElement[bool]:
        """The same test in SQL, over the given district and street columns."""
        if self.level is Level.CITY:
            return true()
        return (district if self.level is Level.DISTRICT else street) == self.code

    @property
    def is_city(self) -> bool:
        return self.level is Level.CITY

    @property
    def params(self) -> dict[str, str | None]:
        """Bind values for `scope_sql` (both NULL for the city)."""
        return {
            "scope_district": self.code if self.level is Level.DISTRICT else None,
            "scope_street": self.code if self.level is Level.STREET else None,
        }


CITY = Command(Level.CITY, None)


def scope_sql(district: str, street: str) -> str:
    """A WHERE fragment for fixed SQL texts, bound by `Command.params` (true for the city)."""
    return (
        f"(CAST(:scope_district AS text) IS NULL OR {district} = :scope_district) "
        f"AND (CAST(:scope_street AS text) IS NULL OR {street} = :scope_street)"
    )


def command_of(*, session: Session, user: User) -> Command:
    """The caller's command, from the account (a street team's from its unit's street)."""
    role = user.role_enum
    if role is Role.admin:
        return Command(Level.CITY, None, may_act=False)
    if role is Role.dispatcher:
        code = user.division_code
        return CITY if code is None else Command(_CODE_LEVELS[len(code)], code)
    if role is Role.street_team:
        u = refs.department_units.c
        street = session.scalar(select(u.street_code).where(u.id == user.unit_id)) if user.unit_id else None
        if street is None:
            raise Forbidden("该执法队未关联街道，不能指挥案件")
        return Command(Level.STREET, street)
    raise Forbidden(f"角色 {role.value} 不参与指挥")


@dataclass(frozen=True)
class Division:
    name: str  # 吉林市 / 船营区 / 德胜街道
    bbox: tuple[float, float, float, float] | None  # west, south, east, north (WGS-84); None: the city


_DIVISION_SQL = {
    level: text(
        f"SELECT name, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM {table} "
        "WHERE code = :code AND valid_to IS NULL"
    )
    for level, table in ((Level.DISTRICT, "districts"), (Level.STREET, "streets"))
}


def division_of(*, session: Session, command: Command) -> Division:
    """The division's name and extent, for people and the console's first map view."""
    if command.level is Level.CITY:
        return Division("吉林市", None)
    row = session.execute(_DIVISION_SQL[command.level], {"code": command.code}).one_or_none()
    if row is None:
        return Division(str(command.code), None)
    return Division(row[0], (row[1], row[2], row[3], row[4]))


def case_not_found(case_id: uuid.UUID) -> NotFound:
    return NotFound(f"案卷 {case_id} 不存在")


def check_readable(command: Command, case: Case) -> None:
    """404 for a case outside the caller's division."""
    if not command.covers(case.district_code, case.street_code):
        raise case_not_found(case.id)


def check_commands(command: Command, case: Case) -> None:
    """The caller may act on the case: it lies in their division (else 404) and their level commands
    it (else 409 naming who does)."""
    check_readable(command, case)
    if not command.may_act:
        raise Forbidden("管理员只能查看，不能指挥案件")
    if case.command_level != command.level.value:
        commanding = LEVEL_LABELS[Level(case.command_level)]
        advice = "接管" if _above(command, case) else "联系" + commanding
        raise Conflict(
            f"本案卷由{commanding}指挥；如需处理，请{advice}",
            details={"command_level": case.command_level, "your_level": command.level.value},
        )


def check_acting(session: Session, by: User | None, case: Case) -> None:
    """`check_commands` for a user acting on a locked case; the system (None) acts everywhere."""
    if by is not None:
        check_commands(command_of(session=session, user=by), case)


def check_place(session: Session, by: User, district_code: str | None, street_code: str | None) -> Command:
    """404 unless the place (a report in triage) lies in the caller's division; the caller's command."""
    command = command_of(session=session, user=by)
    if not command.covers(district_code, street_code):
        raise NotFound("上报不存在")
    if not command.may_act:
        raise Forbidden("管理员只能查看，不能指挥案件")
    return command


def _above(command: Command, case: Case) -> bool:
    return RANK[command.level] > RANK[Level(case.command_level)]


def _lock_open_case(session: Session, case_id: uuid.UUID, by: User, action: Action) -> tuple[Command, Case]:
    check_actor(by, action)
    case = lock_case(session=session, case_id=case_id)
    command = command_of(session=session, user=by)
    check_readable(command, case)
    if CaseState(case.state) not in IN_PROGRESS_STATES:
        verb = "上报" if action is Action.ESCALATE else "接管"
        raise Conflict(
            f"案卷{CASE_STATE_LABELS[CaseState(case.state)]}，不能再{verb}",
            details={"state": case.state, "action": action.value, "allowed": []},
        )
    return command, case


def _change_level(
    session: Session, case: Case, by: User, action: Action, to: Level, note: str, at: datetime,
    client: ClientInfo | None,
) -> Case:  # fmt: skip
    before = case.command_level
    case.command_level = to.value
    case.updated_at = at
    detail = {"from_level": before, "to_level": to.value}
    append_event(
        session=session, case=case, action=action, actor=by, from_state=case.state, to_state=case.state,
        at=at, note=note, detail=detail,
    )  # fmt: skip
    session.flush()
    audit(session, by=by, client=client, action=action.value, subject_type="case", subject_id=case.id,
          detail=detail)  # fmt: skip
    return case


def escalate(
    *, session: Session, case_id: uuid.UUID, by: User, to: Level, reason: str,
    client: ClientInfo | None = None, at: datetime | None = None,
) -> Case:  # fmt: skip
    """上报: the commanding level hands the case up to the district or the city, with the reason."""
    command, case = _lock_open_case(session, case_id, by, Action.ESCALATE)
    check_commands(command, case)
    if RANK[to] <= RANK[command.level]:
        raise Invalid("只能上报给上级（区或市指挥中心）", details={"field": "to_level"})
    if to is Level.DISTRICT and case.district_code is None:
        raise Invalid("案卷没有所属区，只能上报市指挥中心", details={"field": "to_level"})
    return _change_level(session, case, by, Action.ESCALATE, to, reason, at or utcnow(), client)


def take_over(
    *, session: Session, case_id: uuid.UUID, by: User, note: str = "",
    client: ClientInfo | None = None, at: datetime | None = None,
) -> Case:  # fmt: skip
    """接管: a higher level whose division covers the case commands it from now on."""
    command, case = _lock_open_case(session, case_id, by, Action.TAKE_OVER)
    if not command.may_act:
        raise Forbidden("管理员只能查看，不能指挥案件")
    if not _above(command, case):
        raise Conflict(
            f"只有上级可以接管；本案卷由{LEVEL_LABELS[Level(case.command_level)]}指挥",
            details={"command_level": case.command_level, "your_level": command.level.value},
        )
    return _change_level(session, case, by, Action.TAKE_OVER, command.level, note, at or utcnow(), client)
