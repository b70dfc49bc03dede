"""小区通行证: a community lets a rider through its gates; the gate shows who holds a valid pass.

The gate list is public (公示 at the gate, for property staff without accounts), so it shows only what
the article says is posted: the pass number, the rider's name with the middle masked, the company and
the validity. Never a phone number, a photo or an account id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.couriers import access
from service.couriers.companies import root_map
from service.couriers.models import CommunityPass, Company, Rider
from service.couriers.riders import get_rider
from service.errors import Conflict, Invalid, NotFound


def utcnow() -> datetime:
    return datetime.now(UTC)


def mask_name(name: str) -> str:
    """张有志 → 张*志, 王刚 → 王*, a single character stays."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def issue_pass(
    *,
    session: Session,
    community_code: str,
    rider_id: uuid.UUID,
    valid_from: datetime,
    valid_to: datetime,
    by: User,
    at: datetime | None = None,
) -> CommunityPass:
    """Issue the community's next pass number (<community code>-<sequence>) to a registered rider."""
    access.require_current_community(session=session, community_code=community_code)
    access.require_community_staff(session=session, user=by, community_code=community_code)
    get_rider(session=session, user_id=rider_id)
    if valid_to <= valid_from:
        raise Invalid("valid_to must be after valid_from", details={"field": "valid_to"})
    # Serialise numbering within the community: a transaction-scoped advisory lock on its code.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext("community_pass:" + community_code))))
    count = session.scalar(
        select(func.count()).select_from(CommunityPass).where(CommunityPass.community_code == community_code)
    )
    number = f"{community_code}-{int(count or 0) + 1:04d}"
    issued = CommunityPass(
        number=number,
        community_code=community_code,
        rider_id=rider_id,
        valid_from=valid_from,
        valid_to=valid_to,
        issued_at=at or utcnow(),
        issued_by=by.id,
    )
    session.add(issued)
    session.flush()
    return issued


def revoke_pass(
    *, session: Session, pass_id: uuid.UUID, by: User, at: datetime | None = None
) -> CommunityPass:
    issued = session.scalars(
        select(CommunityPass).where(CommunityPass.id == pass_id).with_for_update()
    ).one_or_none()
    if issued is None:
        raise NotFound(f"pass {pass_id} does not exist")
    access.require_community_staff(session=session, user=by, community_code=issued.community_code)
    if issued.revoked_at is not None:
        raise Conflict(f"pass {issued.number} was revoked already")
    issued.revoked_at = at or utcnow()
    issued.revoked_by = by.id
    session.flush()
    return issued


def list_passes(
    *,
    session: Session,
    community_code: str | None = None,
    rider_id: uuid.UUID | None = None,
    after_number: str | None = None,
    limit: int | None = None,
) -> list[CommunityPass]:
    """Passes by number; a page of `limit` after the number `after_number`."""
    stmt = select(CommunityPass).order_by(CommunityPass.number).limit(limit)
    if after_number is not None:
        stmt = stmt.where(CommunityPass.number > after_number)
    if community_code is not None:
        stmt = stmt.where(CommunityPass.community_code == community_code)
    if rider_id is not None:
        stmt = stmt.where(CommunityPass.rider_id == rider_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class GateEntry:
    number: str
    rider_name: str
    company: str
    outlet: str | None
    mobile_grid_worker: bool
    valid_from: datetime
    valid_to: datetime


def gate_list(
    *,
    session: Session,
    community_code: str,
    at: datetime | None = None,
    after_number: str | None = None,
    limit: int | None = None,
) -> list[GateEntry]:
    """The passes valid at ``at`` (default now) in one community, for the gate (公示), by number; a
    page of `limit` after the number `after_number`."""
    access.require_current_community(session=session, community_code=community_code)
    at = at or utcnow()
    stmt = (
        select(CommunityPass, User.display_name, Rider, Company)
        .join(Rider, Rider.user_id == CommunityPass.rider_id)
        .join(User, User.id == Rider.user_id)
        .join(Company, Company.id == Rider.company_id)
        .where(
            CommunityPass.community_code == community_code,
            CommunityPass.revoked_at.is_(None),
            CommunityPass.valid_from <= at,
            CommunityPass.valid_to > at,
            User.is_active.is_(True),
        )
        .order_by(CommunityPass.number)
        .limit(limit)
    )
    if after_number is not None:
        stmt = stmt.where(CommunityPass.number > after_number)
    rows = session.execute(stmt).all()
    roots = root_map(session=session)
    return [
        GateEntry(
            number=issued.number,
            rider_name=mask_name(name),
            company=roots[company.id].name,
            outlet=company.name if company.parent_id is not None else None,
            mobile_grid_worker=rider.mobile_grid_worker_since is not None,
            valid_from=issued.valid_from,
            valid_to=issued.valid_to,
        )
        for issued, name, rider, company in rows
    ]
