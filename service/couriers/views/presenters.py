"""Shaping: rows of the couriers domain turned into the ``schemas`` models the routers answer with."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from service.accounts.models import User
from service.couriers import access, companies, points, riders
from service.couriers import schemas as s
from service.couriers.models import CompanyKind, Rider


def person(user: User) -> s.PersonRef:
    return s.PersonRef(id=user.id, username=user.username, display_name=user.display_name)


def company_ref(session: Session, company_id: uuid.UUID) -> s.CompanyRef:
    company = companies.get_company(session=session, company_id=company_id)
    top = companies.root_map(session=session)[company.id]
    return s.CompanyRef(
        id=company.id,
        code=company.code,
        name=company.name,
        kind=CompanyKind(company.kind),
        top_code=top.code,
        top_name=top.name,
    )


def rider_public(session: Session, rider: Rider) -> s.RiderPublic:
    user = session.get(User, rider.user_id)
    assert user is not None
    pairing = riders.current_pairing(session=session, rider_id=rider.user_id)
    grid_worker = session.get(User, pairing.grid_worker_id) if pairing else None
    names = access.community_names(session=session, codes={rider.community_code})
    return s.RiderPublic(
        user_id=rider.user_id,
        username=user.username,
        display_name=user.display_name,
        company=company_ref(session, rider.company_id),
        community_code=rider.community_code,
        community_name=names.get(rider.community_code),
        registered_at=rider.registered_at,
        is_party_member=rider.is_party_member,
        mobile_grid_worker=rider.mobile_grid_worker_since is not None,
        mobile_grid_worker_since=rider.mobile_grid_worker_since,
        grid_codes=riders.rider_grid_codes(session=session, rider_id=rider.user_id),
        grid_worker=person(grid_worker) if grid_worker else None,
        pairing_id=pairing.id if pairing else None,
    )


def points_public(session: Session, user_id: uuid.UUID, before_id: int | None, limit: int) -> s.PointsPublic:
    balance = points.get_balance(session=session, user_id=user_id)
    entries = points.list_entries(session=session, user_id=user_id, before_id=before_id, limit=limit)
    return s.PointsPublic(
        balance=balance.balance,
        earned=balance.earned,
        spent=balance.spent,
        reversed=balance.reversed,
        entries=[s.PointsEntryPublic.model_validate(e) for e in entries],
        next_before_id=entries[-1].id if len(entries) == limit else None,
    )
