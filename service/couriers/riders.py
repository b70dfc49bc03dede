"""Riders: registration with a community (社区报到), hiring as mobile grid workers (流动网格员), the grids
they cover (编入网格), and 1+N pairing with a grid worker (网格员与骑手结对)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.couriers import access
from service.couriers.companies import get_company, root_map, subtree_ids
from service.couriers.models import Company, Pairing, Rider, RiderGrid
from service.db import keyset, refs
from service.errors import Conflict, Forbidden, Invalid, NotFound


def utcnow() -> datetime:
    return datetime.now(UTC)


def get_rider(*, session: Session, user_id: uuid.UUID) -> Rider:
    rider = session.get(Rider, user_id)
    if rider is None:
        raise NotFound(f"rider {user_id} is not registered with a community")
    return rider


def lock_rider(*, session: Session, user_id: uuid.UUID) -> Rider:
    rider = session.scalars(
        select(Rider)
        .where(Rider.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if rider is None:
        raise NotFound(f"rider {user_id} is not registered with a community")
    return rider


def register_rider(
    *,
    session: Session,
    user: User,
    company_id: uuid.UUID,
    community_code: str,
    is_party_member: bool = False,
    at: datetime | None = None,
    is_demo: bool = False,
) -> Rider:
    """社区报到: a courier registers with a community (again: moves there, the time is renewed)."""
    if user.role_enum is not Role.courier:
        raise Forbidden("only courier accounts register as riders")
    get_company(session=session, company_id=company_id)
    access.require_current_community(session=session, community_code=community_code)
    at = at or utcnow()
    rider = session.get(Rider, user.id)
    if rider is None:
        rider = Rider(
            user_id=user.id,
            company_id=company_id,
            community_code=community_code,
            registered_at=at,
            is_party_member=is_party_member,
            is_demo=is_demo,
        )
        session.add(rider)
    else:
        if rider.community_code != community_code:
            rider.registered_at = at
            # A hire is a community's decision: moving to another community ends it.
            rider.mobile_grid_worker_since = None
            rider.hired_by = None
        rider.company_id = company_id
        rider.community_code = community_code
        rider.is_party_member = is_party_member
    session.flush()
    return rider


def list_riders(
    *,
    session: Session,
    community_code: str | None = None,
    company_id: uuid.UUID | None = None,
    hired: bool | None = None,
    communities: set[str] | None = None,
    after_username: str | None = None,
    limit: int | None = None,
) -> list[Rider]:
    """Riders by username; a page of `limit` after the username `after_username`."""
    stmt = select(Rider).join(User, User.id == Rider.user_id).order_by(User.username).limit(limit)
    if after_username is not None:
        stmt = stmt.where(User.username > after_username)
    if community_code is not None:
        stmt = stmt.where(Rider.community_code == community_code)
    if communities is not None:
        stmt = stmt.where(Rider.community_code.in_(communities))
    if company_id is not None:
        stmt = stmt.where(Rider.company_id.in_(subtree_ids(session=session, company_id=company_id)))
    if hired is not None:
        stmt = stmt.where(
            Rider.mobile_grid_worker_since.is_not(None) if hired else Rider.mobile_grid_worker_since.is_(None)
        )
    return list(session.scalars(stmt))


def hire_rider(*, session: Session, rider_id: uuid.UUID, by: User, at: datetime | None = None) -> Rider:
    """聘为流动网格员: the rider's community hires them (again: no change)."""
    rider = lock_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=by, community_code=rider.community_code)
    if rider.mobile_grid_worker_since is None:
        rider.mobile_grid_worker_since = at or utcnow()
        rider.hired_by = by.id
        session.flush()
    return rider


def dismiss_rider(*, session: Session, rider_id: uuid.UUID, by: User) -> Rider:
    rider = lock_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=by, community_code=rider.community_code)
    rider.mobile_grid_worker_since = None
    rider.hired_by = None
    session.flush()
    return rider


def rider_grid_codes(*, session: Session, rider_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(
            select(RiderGrid.grid_code).where(RiderGrid.rider_id == rider_id).order_by(RiderGrid.grid_code)
        )
    )


def set_rider_grids(
    *, session: Session, rider_id: uuid.UUID, grid_codes: list[str], by: User, at: datetime | None = None
) -> list[str]:
    """编入网格: the grids the rider's service area and routes cover (replaces the set).

    The acting staff member must act for the community of every grid added or removed.
    """
    lock_rider(session=session, user_id=rider_id)
    wanted = set(grid_codes)
    g = refs.grids.c
    known = set(session.scalars(select(g.code).where(g.code.in_(wanted), g.valid_to.is_(None))).all())
    missing = sorted(wanted - known)
    if missing:
        raise Invalid(
            f"no current grid {', '.join(missing)}", details={"field": "grid_codes", "missing": missing}
        )
    current = set(rider_grid_codes(session=session, rider_id=rider_id))
    for code in sorted((wanted - current) | (current - wanted)):
        access.require_community_staff(session=session, user=by, community_code=code[:12])
    gone = current - wanted
    if gone:
        session.execute(
            delete(RiderGrid).where(RiderGrid.rider_id == rider_id, RiderGrid.grid_code.in_(gone))
        )
    at = at or utcnow()
    for code in sorted(wanted - current):
        session.add(RiderGrid(rider_id=rider_id, grid_code=code, placed_at=at, placed_by=by.id))
    session.flush()
    return sorted(wanted)


@dataclass(frozen=True)
class Candidate:
    grid_worker: User
    shared_grids: list[str]


def pairing_candidates(*, session: Session, rider_id: uuid.UUID) -> list[Candidate]:
    """Grid workers responsible for grids the rider covers, most shared grids first."""
    get_rider(session=session, user_id=rider_id)
    ga = refs.grid_assignments.c
    rows = session.execute(
        select(ga.user_id, func.array_agg(ga.grid_code.distinct()))
        .join(RiderGrid, RiderGrid.grid_code == ga.grid_code)
        .join(User, User.id == ga.user_id)
        .where(RiderGrid.rider_id == rider_id, User.role == Role.grid_worker.value, User.is_active.is_(True))
        .group_by(ga.user_id)
    ).all()
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))}
    candidates = [Candidate(users[user_id], sorted(codes)) for user_id, codes in rows]
    return sorted(candidates, key=lambda c: (-len(c.shared_grids), c.grid_worker.username))


def current_pairing(*, session: Session, rider_id: uuid.UUID) -> Pairing | None:
    return session.scalar(select(Pairing).where(Pairing.rider_id == rider_id, Pairing.ended_at.is_(None)))


@dataclass(frozen=True)
class RiderProfile:
    """A rider with everything its public view shows."""

    rider: Rider
    user: User
    company: Company
    top_company: Company  # the top-level company the rider's company, branch or outlet hangs under
    community_name: str | None
    grid_codes: list[str]
    pairing: Pairing | None  # the current 1+N pairing
    grid_worker: User | None  # the grid worker of the current pairing


def rider_profile(*, session: Session, rider: Rider) -> RiderProfile:
    """The rider's account, company (and its top level), community name, grids and current pairing."""
    user = session.get(User, rider.user_id)
    assert user is not None
    pairing = current_pairing(session=session, rider_id=rider.user_id)
    grid_worker = session.get(User, pairing.grid_worker_id) if pairing else None
    names = access.community_names(session=session, codes={rider.community_code})
    company = get_company(session=session, company_id=rider.company_id)
    top = root_map(session=session)[company.id]
    return RiderProfile(
        rider=rider,
        user=user,
        company=company,
        top_company=top,
        community_name=names.get(rider.community_code),
        grid_codes=rider_grid_codes(session=session, rider_id=rider.user_id),
        pairing=pairing,
        grid_worker=grid_worker,
    )


def pair_rider(
    *,
    session: Session,
    rider_id: uuid.UUID,
    by: User,
    grid_worker_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Pairing:
    """1+N 结对 by service area: the grid worker must answer for a grid the rider covers. Without a
    named grid worker, the one sharing most grids is chosen. A new pairing ends the rider's previous one."""
    rider = lock_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=by, community_code=rider.community_code)
    candidates = pairing_candidates(session=session, rider_id=rider_id)
    if grid_worker_id is None:
        if not candidates:
            raise Invalid(
                "no grid worker answers for the rider's grids; place the rider in grids first",
                details={"field": "grid_worker_id"},
            )
        grid_worker_id = candidates[0].grid_worker.id
    else:
        access.get_grid_worker(session=session, user_id=grid_worker_id)
        if all(c.grid_worker.id != grid_worker_id for c in candidates):
            raise Invalid(
                "the grid worker answers for none of the grids the rider covers",
                details={"field": "grid_worker_id"},
            )
    at = at or utcnow()
    existing = current_pairing(session=session, rider_id=rider_id)
    if existing is not None:
        if existing.grid_worker_id == grid_worker_id:
            return existing
        existing.ended_at = at
        existing.ended_by = by.id
        session.flush()
    pairing = Pairing(grid_worker_id=grid_worker_id, rider_id=rider_id, started_at=at, started_by=by.id)
    session.add(pairing)
    session.flush()
    return pairing


def end_pairing(*, session: Session, pairing_id: uuid.UUID, by: User, at: datetime | None = None) -> Pairing:
    pairing = session.scalars(select(Pairing).where(Pairing.id == pairing_id).with_for_update()).one_or_none()
    if pairing is None:
        raise NotFound(f"pairing {pairing_id} does not exist")
    rider = get_rider(session=session, user_id=pairing.rider_id)
    if by.id != pairing.grid_worker_id:
        access.require_community_staff(session=session, user=by, community_code=rider.community_code)
    if pairing.ended_at is not None:
        raise Conflict(f"pairing {pairing_id} ended already")
    pairing.ended_at = at or utcnow()
    pairing.ended_by = by.id
    session.flush()
    return pairing


def paired_riders(
    *,
    session: Session,
    grid_worker_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[tuple[Pairing, Rider]]:
    """A grid worker's riders, first paired first (key: started_at, pairing); a page after `after`."""
    key = (Pairing.started_at, Pairing.id)
    stmt = (
        select(Pairing, Rider)
        .join(Rider, Rider.user_id == Pairing.rider_id)
        .where(Pairing.grid_worker_id == grid_worker_id, Pairing.ended_at.is_(None))
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False, False)))
    return [(p, r) for p, r in session.execute(stmt).all()]


@dataclass(frozen=True)
class RiderReport:
    id: uuid.UUID
    reporter_id: uuid.UUID
    reporter_name: str
    category_code: str
    text: str
    created_at: datetime
    community_code: str | None
    grid_code: str | None
    case_state: str | None
    flags: list[str]


def paired_reports(
    *,
    session: Session,
    grid_worker_id: uuid.UUID,
    limit: int = 100,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[RiderReport]:
    """The reports of the riders currently paired with a grid worker, newest first (key: created_at
    descending, id); a page of `limit` after the key `after`."""
    r, c = refs.reports.c, refs.cases.c
    stmt = (
        select(
            r.id,
            r.reporter_id,
            User.display_name,
            r.category_code,
            r.text,
            r.created_at,
            r.community_code,
            r.grid_code,
            c.state,
            r.flags,
        )
        .join(Pairing, Pairing.rider_id == r.reporter_id)
        .join(User, User.id == r.reporter_id)
        .outerjoin(refs.cases, c.id == r.case_id)
        .where(Pairing.grid_worker_id == grid_worker_id, Pairing.ended_at.is_(None))
        .order_by(r.created_at.desc(), r.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after((r.created_at, r.id), after, descending=(True, False)))
    rows = session.execute(stmt).all()
    return [
        RiderReport(
            id=row[0],
            reporter_id=row[1],
            reporter_name=row[2],
            category_code=row[3],
            text=row[4],
            created_at=row[5],
            community_code=row[6],
            grid_code=row[7],
            case_state=row[8],
            flags=list(row[9] or []),
        )
        for row in rows
    ]
