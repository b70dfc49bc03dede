"""Counts the article reports (1744 registered, 539 hired, 364 pairs, 139 passes), per community and
per top-level company."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.couriers import access
from service.couriers.companies import root_map
from service.couriers.models import CommunityPass, Pairing, Rider


@dataclass
class GroupCount:
    group: str
    name: str
    registered: int = 0
    mobile_grid_workers: int = 0
    paired: int = 0
    valid_passes: int = 0


@dataclass
class CourierStats:
    registered: int = 0
    mobile_grid_workers: int = 0
    paired: int = 0
    grid_workers_paired: int = 0
    valid_passes: int = 0
    by_community: list[GroupCount] = field(default_factory=list)
    by_company: list[GroupCount] = field(default_factory=list)


def courier_stats(*, session: Session, at: datetime | None = None) -> CourierStats:
    at = at or datetime.now(UTC)
    paired_ids = set(session.scalars(select(Pairing.rider_id).where(Pairing.ended_at.is_(None))).all())
    riders = session.execute(
        select(Rider.user_id, Rider.community_code, Rider.company_id, Rider.mobile_grid_worker_since)
    ).all()
    passes = session.execute(
        select(CommunityPass.community_code, Rider.company_id)
        .join(Rider, Rider.user_id == CommunityPass.rider_id)
        .where(
            CommunityPass.revoked_at.is_(None), CommunityPass.valid_from <= at, CommunityPass.valid_to > at
        )
    ).all()
    roots = root_map(session=session)
    communities: dict[str, GroupCount] = {}
    companies: dict[str, GroupCount] = {}

    def of_company(company_id: object) -> GroupCount:
        root = roots[company_id]  # type: ignore[index]
        return companies.setdefault(root.code, GroupCount(root.code, root.name))

    stats = CourierStats()
    for user_id, community_code, company_id, since in riders:
        for group in (
            communities.setdefault(community_code, GroupCount(community_code, "")),
            of_company(company_id),
        ):
            group.registered += 1
            group.mobile_grid_workers += since is not None
            group.paired += user_id in paired_ids
        stats.registered += 1
        stats.mobile_grid_workers += since is not None
        stats.paired += user_id in paired_ids
    for community_code, company_id in passes:
        communities.setdefault(community_code, GroupCount(community_code, "")).valid_passes += 1
        of_company(company_id).valid_passes += 1
        stats.valid_passes += 1
    stats.grid_workers_paired = int(
        session.scalar(
            select(func.count(Pairing.grid_worker_id.distinct())).where(Pairing.ended_at.is_(None))
        )
        or 0
    )
    names = access.community_names(session=session, codes=set(communities))
    for code, group in communities.items():
        group.name = names.get(code, code)
    stats.by_community = sorted(communities.values(), key=lambda g: g.group)
    stats.by_company = sorted(companies.values(), key=lambda g: g.group)
    return stats
