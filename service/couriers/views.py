"""HTTP routers of the couriers domain (thin: parse, check the role, call the service, shape the answer).

Roles: riders are ``courier`` accounts; "community staff" are dispatchers and admins (every community)
and grid workers (the communities of their assigned grids), see ``service.couriers.access``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.deps import CurrentUser, require_roles
from service.accounts.models import Role, User
from service.couriers import (
    access,
    companies,
    export,
    passes,
    points,
    programs,
    redemptions,
    riders,
    settlement,
    stats,
)
from service.couriers import schemas as s
from service.couriers.models import CompanyKind, Participation, ProgramType, RedemptionItem, Rider
from service.deps import SessionDep
from service.errors import ErrorResponse, Forbidden, Invalid

Courier = Annotated[User, Depends(require_roles(Role.courier))]
GridWorker = Annotated[User, Depends(require_roles(Role.grid_worker))]
Staff = Annotated[User, Depends(require_roles(*access.STAFF_ROLES))]
CommandCenter = Annotated[User, Depends(require_roles(Role.admin, Role.dispatcher))]
Admin = Annotated[User, Depends(require_roles(Role.admin))]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)
}

companies_router = APIRouter(prefix="/api/v1/companies", tags=["couriers: companies"], responses=ERRORS)
riders_router = APIRouter(prefix="/api/v1/riders", tags=["couriers: riders"], responses=ERRORS)
pairings_router = APIRouter(prefix="/api/v1/pairings", tags=["couriers: 1+N pairing"], responses=ERRORS)
passes_router = APIRouter(prefix="/api/v1/passes", tags=["couriers: community passes"], responses=ERRORS)
gate_router = APIRouter(prefix="/api/v1/gate", tags=["couriers: community passes"], responses=ERRORS)
programs_router = APIRouter(
    prefix="/api/v1/programs", tags=["couriers: activities and projects"], responses=ERRORS
)
items_router = APIRouter(prefix="/api/v1/redemption-items", tags=["couriers: points"], responses=ERRORS)
redemptions_router = APIRouter(prefix="/api/v1/redemptions", tags=["couriers: points"], responses=ERRORS)
points_router = APIRouter(prefix="/api/v1/points", tags=["couriers: points"], responses=ERRORS)
stats_router = APIRouter(prefix="/api/v1/couriers", tags=["couriers: companies"], responses=ERRORS)

COURIERS_ROUTERS = (
    companies_router,
    riders_router,
    pairings_router,
    passes_router,
    gate_router,
    programs_router,
    items_router,
    redemptions_router,
    points_router,
    stats_router,
)


# ---------------------------------------------------------------- shaping


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


def staff_rider(session: Session, user: User, rider_id: uuid.UUID) -> Rider:
    """A rider a staff member may see: 404 when unknown, 403 outside their communities."""
    rider = riders.get_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=user, community_code=rider.community_code)
    return rider


# ---------------------------------------------------------------- companies


@companies_router.get(
    "", response_model=list[s.CompanyPublic], summary="Platform companies, branches, outlets"
)
def list_companies(
    session: SessionDep,
    _user: CurrentUser,
    kind: CompanyKind | None = None,
    under: Annotated[
        uuid.UUID | None, Query(description="Only this company and what hangs under it.")
    ] = None,
) -> Any:
    return companies.list_companies(session=session, kind=kind, under=under)


@companies_router.post(
    "",
    response_model=s.CompanyPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a company, branch or outlet",
)
def create_company(body: s.CompanyCreate, session: SessionDep, _user: CommandCenter) -> Any:
    company = companies.create_company(
        session=session,
        code=body.code,
        name=body.name,
        kind=body.kind,
        level=body.level,
        parent_id=body.parent_id,
        community_code=body.community_code,
    )
    session.commit()
    return company


@companies_router.get("/{company_id}", response_model=s.CompanyPublic, summary="One company")
def get_company(company_id: uuid.UUID, session: SessionDep, _user: CurrentUser) -> Any:
    return companies.get_company(session=session, company_id=company_id)


@companies_router.get(
    "/{company_id}/points.csv",
    summary="Points per rider in a period (CSV), for bonuses and promotion",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_points(
    company_id: uuid.UUID,
    session: SessionDep,
    _user: CommandCenter,
    start: Annotated[
        AwareDatetime, Query(description="Start of the period (inclusive), ISO 8601 with offset.")
    ],
    end: Annotated[AwareDatetime, Query(description="End of the period (exclusive), ISO 8601 with offset.")],
) -> Response:
    if end <= start:
        raise Invalid("end must be after start", details={"field": "end"})
    company = companies.get_company(session=session, company_id=company_id)
    rows = export.company_points(session=session, company_id=company_id, start=start, end=end)
    filename = f"points-{company.code}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return Response(
        content=export.to_csv(rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@stats_router.get(
    "/stats", response_model=s.CourierStatsPublic, summary="Riders, hires, pairs, passes by group"
)
def courier_stats(session: SessionDep, _user: CommandCenter) -> Any:
    return stats.courier_stats(session=session)


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
    return rider_public(session, rider)


@riders_router.get("/me", response_model=s.RiderPublic, summary="My rider profile")
def my_profile(session: SessionDep, user: Courier) -> Any:
    return rider_public(session, riders.get_rider(session=session, user_id=user.id))


@riders_router.get("", response_model=list[s.RiderPublic], summary="Riders of the communities I act for")
def list_riders(
    session: SessionDep,
    user: Staff,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    company_id: uuid.UUID | None = None,
    hired: Annotated[bool | None, Query(description="Only (not) hired as mobile grid workers.")] = None,
) -> Any:
    scope = access.staff_communities(session=session, user=user)
    if community is not None and scope is not None and community not in scope:
        raise Forbidden(f"you do not act for community {community}")
    found = riders.list_riders(
        session=session, community_code=community, company_id=company_id, hired=hired, communities=scope
    )
    return [rider_public(session, r) for r in found]


@riders_router.get("/{rider_id}", response_model=s.RiderPublic, summary="One rider")
def get_rider(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    return rider_public(session, staff_rider(session, user, rider_id))


@riders_router.post("/{rider_id}/hire", response_model=s.RiderPublic, summary="聘为流动网格员")
def hire(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    rider = riders.hire_rider(session=session, rider_id=rider_id, by=user)
    session.commit()
    return rider_public(session, rider)


@riders_router.post(
    "/{rider_id}/dismiss", response_model=s.RiderPublic, summary="End the mobile grid worker hire"
)
def dismiss(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    rider = riders.dismiss_rider(session=session, rider_id=rider_id, by=user)
    session.commit()
    return rider_public(session, rider)


@riders_router.put(
    "/{rider_id}/grids", response_model=s.RiderPublic, summary="编入网格: grids the rider covers"
)
def set_grids(rider_id: uuid.UUID, body: s.RiderGridsUpdate, session: SessionDep, user: Staff) -> Any:
    riders.set_rider_grids(session=session, rider_id=rider_id, grid_codes=body.grid_codes, by=user)
    session.commit()
    return rider_public(session, riders.get_rider(session=session, user_id=rider_id))


@riders_router.get(
    "/{rider_id}/pairing-candidates",
    response_model=list[s.CandidatePublic],
    summary="Grid workers by shared grids",
)
def candidates(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    staff_rider(session, user, rider_id)
    return [
        s.CandidatePublic(grid_worker=person(c.grid_worker), shared_grids=c.shared_grids)
        for c in riders.pairing_candidates(session=session, rider_id=rider_id)
    ]


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
def my_riders(session: SessionDep, user: GridWorker) -> Any:
    return [
        s.PairedRiderPublic(pairing_id=p.id, started_at=p.started_at, rider=rider_public(session, r))
        for p, r in riders.paired_riders(session=session, grid_worker_id=user.id)
    ]


@pairings_router.get("/mine/reports", response_model=list[s.RiderReportPublic], summary="My riders' reports")
def my_riders_reports(
    session: SessionDep, user: GridWorker, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> Any:
    found = riders.paired_reports(session=session, grid_worker_id=user.id, limit=limit)
    return [
        s.RiderReportPublic(
            id=r.id,
            reporter=s.PersonRef(id=r.reporter_id, username="", display_name=r.reporter_name),
            category_code=r.category_code,
            text=r.text,
            created_at=r.created_at,
            community_code=r.community_code,
            grid_code=r.grid_code,
            case_state=r.case_state,
            flags=r.flags,
        )
        for r in found
    ]


# ---------------------------------------------------------------- community passes


@passes_router.post(
    "", response_model=s.PassPublic, status_code=status.HTTP_201_CREATED, summary="Issue a 小区通行证"
)
def issue_pass(body: s.PassCreate, session: SessionDep, user: Staff) -> Any:
    issued = passes.issue_pass(
        session=session,
        community_code=body.community_code,
        rider_id=body.rider_id,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        by=user,
    )
    session.commit()
    return issued


@passes_router.get("", response_model=list[s.PassPublic], summary="Passes of a community (staff)")
def list_passes(
    session: SessionDep, user: Staff, community: Annotated[str, Query(pattern=r"^[0-9]{12}$")]
) -> Any:
    access.require_community_staff(session=session, user=user, community_code=community)
    return passes.list_passes(session=session, community_code=community)


@passes_router.get("/mine", response_model=list[s.PassPublic], summary="My passes (rider)")
def my_passes(session: SessionDep, user: Courier) -> Any:
    return passes.list_passes(session=session, rider_id=user.id)


@passes_router.post("/{pass_id}/revoke", response_model=s.PassPublic, summary="Revoke a pass")
def revoke_pass(pass_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    revoked = passes.revoke_pass(session=session, pass_id=pass_id, by=user)
    session.commit()
    return revoked


@gate_router.get(
    "/{community_code}/passes",
    response_model=list[s.GateEntryPublic],
    summary="公示: riders with a valid pass, for the gate (public)",
)
def gate(
    community_code: Annotated[str, Path(pattern=r"^[0-9]{12}$")],
    session: SessionDep,
    at: Annotated[AwareDatetime | None, Query(description="Valid at this time (default: now).")] = None,
) -> Any:
    return passes.gate_list(session=session, community_code=community_code, at=at)


# ---------------------------------------------------------------- activities and projects


@programs_router.post(
    "",
    response_model=s.ProgramPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Offer an activity or project",
)
def create_program(body: s.ProgramCreate, session: SessionDep, user: Staff) -> Any:
    program = programs.create_program(
        session=session,
        community_code=body.community_code,
        type=body.type,
        kind=body.kind,
        title=body.title,
        description=body.description,
        points=body.points,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        capacity=body.capacity,
        by=user,
    )
    session.commit()
    return program


@programs_router.get("", response_model=list[s.ProgramPublic], summary="Activities and projects")
def list_programs(
    session: SessionDep,
    _user: CurrentUser,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    type: ProgramType | None = None,
) -> Any:
    return programs.list_programs(session=session, community_code=community, type=type)


@programs_router.get("/counts", response_model=list[s.ProgramCountPublic], summary="Participations per group")
def program_counts(
    session: SessionDep, _user: Staff, by: Literal["community", "company"] = "community"
) -> Any:
    return programs.counts(session=session, by=by)


@programs_router.post(
    "/{program_id}/join", response_model=s.ParticipationPublic, summary="Join an activity / claim a project"
)
def join(program_id: uuid.UUID, session: SessionDep, user: Courier) -> Any:
    participation = programs.join_program(session=session, program_id=program_id, rider=user)
    session.commit()
    return participation


@programs_router.get(
    "/{program_id}/participants", response_model=list[s.ParticipationPublic], summary="Who joined (staff)"
)
def participants(program_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    program = programs.get_program(session=session, program_id=program_id)
    access.require_community_staff(session=session, user=user, community_code=program.community_code)
    return list(
        session.scalars(
            select(Participation)
            .where(Participation.program_id == program_id)
            .order_by(Participation.joined_at)
        )
    )


@programs_router.post(
    "/{program_id}/participants/{rider_id}/confirm",
    response_model=s.ConfirmationPublic,
    summary="Confirm attendance / completion: writes the points",
)
def confirm(program_id: uuid.UUID, rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    participation, entry_id = programs.confirm_participation(
        session=session, program_id=program_id, rider_id=rider_id, by=user
    )
    session.commit()
    return s.ConfirmationPublic(
        participation=s.ParticipationPublic.model_validate(participation), points_entry_id=entry_id
    )


# ---------------------------------------------------------------- redemption


@items_router.post(
    "", response_model=s.ItemPublic, status_code=status.HTTP_201_CREATED, summary="Offer an item for points"
)
def create_item(body: s.ItemCreate, session: SessionDep, user: Staff) -> Any:
    item = redemptions.create_item(
        session=session,
        community_code=body.community_code,
        name=body.name,
        cost=body.cost,
        stock=body.stock,
        by=user,
    )
    session.commit()
    return item


@items_router.get("", response_model=list[s.ItemPublic], summary="Items offered for points")
def list_items(
    session: SessionDep,
    _user: CurrentUser,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> Any:
    return redemptions.list_items(session=session, community_code=community)


@items_router.patch("/{item_id}", response_model=s.ItemPublic, summary="Restock or withdraw an item")
def update_item(item_id: uuid.UUID, body: s.ItemUpdate, session: SessionDep, user: Staff) -> Any:
    item = redemptions.update_item(
        session=session, item_id=item_id, by=user, add_stock=body.add_stock, active=body.active
    )
    session.commit()
    return item


@redemptions_router.post(
    "",
    response_model=s.RedemptionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Spend points on an item (409 insufficient_points / out_of_stock)",
)
def redeem(body: s.RedeemRequest, session: SessionDep, user: Courier, response: Response) -> Any:
    redemption, created = redemptions.redeem(
        session=session, user=user, item_id=body.item_id, redemption_id=body.id
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    item = session.get(RedemptionItem, redemption.item_id)
    assert item is not None
    return s.RedemptionPublic(
        id=redemption.id,
        item_id=redemption.item_id,
        item_name=item.name,
        cost=redemption.cost,
        at=redemption.at,
        balance=points.get_balance(session=session, user_id=user.id).balance,
    )


@redemptions_router.get("/mine", response_model=list[s.RedemptionPublic], summary="My redemptions")
def my_redemptions(session: SessionDep, user: Courier) -> Any:
    balance = points.get_balance(session=session, user_id=user.id).balance
    return [
        s.RedemptionPublic(id=r.id, item_id=i.id, item_name=i.name, cost=r.cost, at=r.at, balance=balance)
        for r, i in redemptions.list_redemptions(session=session, user_id=user.id)
    ]


# ---------------------------------------------------------------- points


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


@points_router.get("/me", response_model=s.PointsPublic, summary="My balance and ledger, newest first")
def my_points(
    session: SessionDep,
    user: CurrentUser,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    return points_public(session, user.id, before_id, limit)


@points_router.get(
    "/me/reports", response_model=list[s.ReportOutcomePublic], summary="What my reports earned, or why not"
)
def my_report_outcomes(session: SessionDep, user: CurrentUser) -> Any:
    return settlement.report_outcomes(session=session, user_id=user.id)


@points_router.get(
    "/users/{user_id}", response_model=s.PointsPublic, summary="A rider's balance and ledger (staff)"
)
def user_points(
    user_id: uuid.UUID,
    session: SessionDep,
    user: Staff,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    staff_rider(session, user, user_id)
    return points_public(session, user_id, before_id, limit)


@points_router.post(
    "/settle", response_model=s.SettledPublic, summary="Settle case events not yet settled (admin)"
)
def settle(session: SessionDep, _user: Admin) -> Any:
    count = settlement.settle_pending(session=session)
    session.commit()
    return s.SettledPublic(events=count)
