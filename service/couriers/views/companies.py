"""Platform companies, branches and outlets; the courier statistics; the points CSV of a company."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime

from service.accounts.deps import Member
from service.couriers import companies, export, stats
from service.couriers import schemas as s
from service.couriers.models import CompanyKind
from service.couriers.views.common import ERRORS, CommandCenter
from service.deps import SessionDep
from service.errors import Invalid
from service.paging import Page

companies_router = APIRouter(prefix="/api/v1/companies", tags=["couriers: companies"], responses=ERRORS)
stats_router = APIRouter(prefix="/api/v1/couriers", tags=["couriers: companies"], responses=ERRORS)


@companies_router.get(
    "", response_model=list[s.CompanyPublic], summary="Platform companies, branches, outlets"
)
def list_companies(
    session: SessionDep,
    _user: Member,
    page: Page,
    kind: CompanyKind | None = None,
    under: Annotated[
        uuid.UUID | None, Query(description="Only this company and what hangs under it.")
    ] = None,
) -> Any:
    """By code (paged: `limit`, `cursor`)."""
    rows = companies.list_companies(
        session=session, kind=kind, under=under, after_code=page.after_value(str), limit=page.fetch
    )
    return page.cut(rows, key=lambda c: (c.code,))


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
def get_company(company_id: uuid.UUID, session: SessionDep, _user: Member) -> Any:
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
