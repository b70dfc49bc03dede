"""Community programmes: volunteer activities riders join (志愿活动) and service projects they claim
(服务项目: 隐患问题随手拍, 爱心寄送, 红色代跑, 直播助农 …). The community confirms the participation
(attended, or the project done); the confirmation writes the points, once per rider and programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.couriers import access
from service.couriers.companies import root_map
from service.couriers.models import EntryKind, Participation, Program, ProgramType, Rider
from service.couriers.points import append_entry
from service.couriers.riders import get_rider
from service.db import keyset
from service.errors import Conflict, Invalid, NotFound

# Known kinds, with their names as the article gives them; communities may use others.
PROJECT_KINDS = {
    "hazard_snap": "隐患问题随手拍",
    "love_delivery": "爱心寄送",
    "red_errand": "红色代跑",
    "livestream_farm": "直播助农",
}
ACTIVITY_KINDS = {
    "civility": "文明创建",
    "epidemic": "疫情防控",
    "hazard_report": "直报隐患",
    "anti_fraud": "反诈宣传",
    "party_day": "主题党日",
    "volunteer": "志愿服务",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_program(
    *,
    session: Session,
    community_code: str,
    type: ProgramType,
    kind: str,
    title: str,
    points: int,
    by: User | None,
    description: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    capacity: int | None = None,
    is_demo: bool = False,
) -> Program:
    access.require_current_community(session=session, community_code=community_code)
    if by is not None:
        access.require_community_staff(session=session, user=by, community_code=community_code)
    if points < 0:
        raise Invalid("points cannot be negative", details={"field": "points"})
    if starts_at and ends_at and ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at", details={"field": "ends_at"})
    program = Program(
        community_code=community_code,
        type=type.value,
        kind=kind,
        title=title,
        description=description,
        points=points,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=by.id if by else None,
        is_demo=is_demo,
    )
    session.add(program)
    session.flush()
    return program


def get_program(*, session: Session, program_id: uuid.UUID) -> Program:
    program = session.get(Program, program_id)
    if program is None:
        raise NotFound(f"programme {program_id} does not exist")
    return program


def list_programs(
    *,
    session: Session,
    community_code: str | None = None,
    type: ProgramType | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[Program]:
    """Programmes, newest first (key: created_at descending, id); a page of `limit` after `after`."""
    stmt = select(Program).order_by(Program.created_at.desc(), Program.id).limit(limit)
    if after is not None:
        stmt = stmt.where(keyset.after((Program.created_at, Program.id), after, descending=(True, False)))
    if community_code is not None:
        stmt = stmt.where(Program.community_code == community_code)
    if type is not None:
        stmt = stmt.where(Program.type == type.value)
    return list(session.scalars(stmt))


def join_program(
    *, session: Session, program_id: uuid.UUID, rider: User, at: datetime | None = None
) -> Participation:
    """Join an activity or claim a project (again: the first joining stands)."""
    get_rider(session=session, user_id=rider.id)
    program = session.scalars(select(Program).where(Program.id == program_id).with_for_update()).one_or_none()
    if program is None:
        raise NotFound(f"programme {program_id} does not exist")
    existing = session.get(Participation, (program_id, rider.id))
    if existing is not None:
        return existing
    at = at or utcnow()
    if program.ends_at is not None and at >= program.ends_at:
        raise Conflict(f"programme {program.title} has ended")
    if program.capacity is not None:
        taken = session.scalar(
            select(func.count()).select_from(Participation).where(Participation.program_id == program_id)
        )
        if int(taken or 0) >= program.capacity:
            raise Conflict(f"programme {program.title} is full", details={"capacity": program.capacity})
    participation = Participation(program_id=program_id, rider_id=rider.id, joined_at=at)
    session.add(participation)
    session.flush()
    return participation


def list_participants(
    *,
    session: Session,
    program_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[Participation]:
    """Who joined a programme, in the order they joined (key: joined_at, rider); a page after `after`."""
    key = (Participation.joined_at, Participation.rider_id)
    stmt = select(Participation).where(Participation.program_id == program_id).order_by(*key).limit(limit)
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    return list(session.scalars(stmt))


def confirm_participation(
    *,
    session: Session,
    program_id: uuid.UUID,
    rider_id: uuid.UUID,
    by: User | None,
    at: datetime | None = None,
) -> tuple[Participation, int | None]:
    """The community confirms attendance (or the project done): the points line, once."""
    program = get_program(session=session, program_id=program_id)
    if by is not None:
        access.require_community_staff(session=session, user=by, community_code=program.community_code)
    participation = session.scalars(
        select(Participation)
        .where(Participation.program_id == program_id, Participation.rider_id == rider_id)
        .with_for_update()
    ).one_or_none()
    if participation is None:
        raise NotFound(f"rider {rider_id} has not joined programme {program_id}")
    if participation.confirmed_at is None:
        participation.confirmed_at = at or utcnow()
        participation.confirmed_by = by.id if by else None
        session.flush()
    entry_id = None
    if program.points > 0:
        kind = EntryKind.activity if program.type == ProgramType.activity.value else EntryKind.project
        entry_id = append_entry(
            conn=session.connection(),
            user_id=rider_id,
            kind=kind,
            amount=program.points,
            reference_type="program",
            reference_id=str(program_id),
            note=program.title,
            actor_id=by.id if by else None,
        )
    return participation, entry_id


@dataclass(frozen=True)
class ProgramCount:
    group: str  # community code, or the top-level company's code
    name: str
    type: str
    programs: int
    participations: int
    confirmed: int


@dataclass
class _Tally:
    programs: set[uuid.UUID] = field(default_factory=set)
    participations: int = 0
    confirmed: int = 0


def counts(
    *, session: Session, by: str, after: tuple[str, str] | None = None, limit: int | None = None
) -> list[ProgramCount]:
    """Participations per community (of the programme) or per company (of the rider, top level), by
    group and type (the key); a page of `limit` groups after the key `after`."""
    rows = session.execute(
        select(Program.community_code, Program.type, Program.id, Rider.company_id, Participation.confirmed_at)
        .join(Participation, Participation.program_id == Program.id)
        .join(Rider, Rider.user_id == Participation.rider_id)
    ).all()
    roots = root_map(session=session) if by == "company" else {}
    tallies: dict[tuple[str, str], _Tally] = {}
    names: dict[str, str] = {}
    for community_code, ptype, program_id, company_id, confirmed_at in rows:
        key = community_code
        if by == "company":
            root = roots[company_id]
            key, names[root.code] = root.code, root.name
        tally = tallies.setdefault((key, ptype), _Tally())
        tally.programs.add(program_id)
        tally.participations += 1
        tally.confirmed += confirmed_at is not None
    page = [(k, t) for k, t in sorted(tallies.items()) if after is None or k > after][:limit]
    if by == "community":
        names = access.community_names(session=session, codes={k for (k, _), _t in page})
    return [
        ProgramCount(key, names.get(key, key), ptype, len(t.programs), t.participations, t.confirmed)
        for (key, ptype), t in page
    ]
