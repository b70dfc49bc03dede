"""Riders (社区报到, 聘为流动网格员, 编入网格) and their 1+N pairing with grid workers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from service.couriers import access, riders
from service.couriers import schemas as s
from service.couriers.models import Rider
from service.couriers.views.common import ERRORS, Courier, GridWorker, Staff, StaffRider, load_staff_rider
from service.couriers.views.presenters import (
    candidate_public,
    paired_rider_public,
    rider_public,
    rider_report_public,
)
from service.deps import SessionDep
from service.errors import Forbidden
from service.paging import Page
from service.params import PAGE_MAX

riders_router = APIRouter(prefix="/api/v1/riders", tags=["couriers: riders"], responses=ERRORS)
pairings_router = APIRouter(prefix="/api/v1/pairings", tags=["couriers: 1+N pairing"], responses=ERRORS)


def answer(session: Session, rider: Rider) -> s.RiderPublic:
    """The rider's public view: its profile loaded by the service layer, then shaped."""
    return rider_public(riders.rider_profile(session=session, rider=rider))


# ---------------------------------------------------------------- riders


@riders_router.put("/me", response_model=s.RiderPublic, summary="社区报到: register with a community")
def register(body: s.RiderRegister, session: SessionDep, user: Courier) -> Any:
    rider = riders.register_rider(
        session=session,
        user=user,
        company_id=body.company_id,
        community_code=body.community_code,
        is_party_member=body.is_party_member,
    )
    session.commit()
    return answer(session, rider)


@riders_router.get("/me", response_model=s.RiderPublic, summary="My rider profile")
def my_profile(session: SessionDep, user: Courier) -> Any:
    return answer(session, riders.get_rider(session=session, user_id=user.id))


@riders_router.get("", response_model=list[s.RiderPublic], summary="Riders of the communities I act for")
def list_riders(
    session: SessionDep,
    user: Staff,
    page: Page,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    company_id: uuid.UUID | None = None,
    hired: Annotated[bool | None, Query(description="Only (not) hired as mobile grid workers.")] = None,
) -> Any:
    """By username (paged: `limit`, `cursor`)."""
    scope = access.staff_communities(session=session, user=user)
    if community is not None and scope is not None and community not in scope:
        raise Forbidden(f"you do not act for community {community}")
    found = riders.list_riders(
        session=session, community_code=community, company_id=company_id, hired=hired, communities=scope,
        after_username=page.after_value(str), limit=page.fetch,
    )  # fmt: skip
    profiles = [riders.rider_profile(session=session, rider=r) for r in found]
    return [rider_public(p) for p in page.cut(profiles, key=lambda p: (p.user.username,))]


@riders_router.get("/{rider_id}", response_model=s.RiderPublic, summary="One rider")
def get_rider(rider: StaffRider, session: SessionDep) -> Any:
    return answer(session, rider)


@riders_router.post("/{rider_id}/hire", response_model=s.RiderPublic, summary="聘为流动网格员")
def hire(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    rider = riders.hire_rider(session=session, rider_id=rider_id, by=user)
    session.commit()
    return answer(session, rider)


@riders_router.post(
    "/{rider_id}/dismiss", response_model=s.RiderPublic, summary="End the mobile grid worker hire"
)
def dismiss(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    rider = riders.dismiss_rider(session=session, rider_id=rider_id, by=user)
    session.commit()
    return answer(session, rider)


@riders_router.put(
    "/{rider_id}/grids", response_model=s.RiderPublic, summary="编入网格: grids the rider covers"
)
def set_grids(rider_id: uuid.UUID, body: s.RiderGridsUpdate, session: SessionDep, user: Staff) -> Any:
    riders.set_rider_grids(session=session, rider_id=rider_id, grid_codes=body.grid_codes, by=user)
    session.commit()
    return answer(session, riders.get_rider(session=session, user_id=rider_id))


@riders_router.get(
    "/{rider_id}/pairing-candidates",
    response_model=list[s.CandidatePublic],
    summary="Grid workers by shared grids",
)
def candidates(
    rider_id: uuid.UUID,
    session: SessionDep,
    user: Staff,
    # Small by nature (the grid workers of the rider's few grids): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_MAX,
) -> Any:
    # Loaded here, not by StaffRider: a bad `limit` is 422 before an unknown rider is 404.
    rider = load_staff_rider(session=session, user=user, rider_id=rider_id)
    found = riders.pairing_candidates(session=session, rider_id=rider.user_id)
    return [candidate_public(c) for c in found[:limit]]


# ---------------------------------------------------------------- pairings (1+N)


@pairings_router.post(
    "",
    response_model=s.PairingPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Pair a rider with a grid worker",
)
def pair(body: s.PairingCreate, session: SessionDep, user: Staff) -> Any:
    pairing = riders.pair_rider(
        session=session, rider_id=body.rider_id, grid_worker_id=body.grid_worker_id, by=user
    )
    session.commit()
    return pairing


@pairings_router.post("/{pairing_id}/end", response_model=s.PairingPublic, summary="End a pairing")
def end_pairing(pairing_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    pairing = riders.end_pairing(session=session, pairing_id=pairing_id, by=user)
    session.commit()
    return pairing


@pairings_router.get("/mine", response_model=list[s.PairedRiderPublic], summary="My riders (grid worker)")
def my_riders(session: SessionDep, user: GridWorker, page: Page) -> Any:
    """First paired first (paged: `limit`, `cursor`)."""
    rows = riders.paired_riders(
        session=session, grid_worker_id=user.id, after=page.after(datetime, uuid.UUID), limit=page.fetch
    )
    return [
        paired_rider_public(p, riders.rider_profile(session=session, rider=r))
        for p, r in page.cut(rows, key=lambda row: (row[0].started_at, row[0].id))
    ]


@pairings_router.get("/mine/reports", response_model=list[s.RiderReportPublic], summary="My riders' reports")
def my_riders_reports(session: SessionDep, user: GridWorker, page: Page) -> Any:
    """Newest first (paged: `limit`, `cursor`)."""
    found = riders.paired_reports(
        session=session, grid_worker_id=user.id, limit=page.fetch, after=page.after(datetime, uuid.UUID)
    )
    return [rider_report_public(r) for r in page.cut(found, key=lambda r: (r.created_at, r.id))]
