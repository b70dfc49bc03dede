"""Public map API (anonymous): stations, nearest stations, pairing points, warm-new streets, reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from service.deps import PublicMapSettingsDep, SessionDep
from service.errors import ErrorResponse
from service.paging import Page, Paging, paged
from service.params import PAGE_MAX, Latitude, Longitude
from service.photos.service import public_link
from service.photos.store import MediaStoreDep
from service.publicmap import service
from service.publicmap.public_reports import ReportFilter, list_public_reports
from service.publicmap.schemas import (
    CommercialStreetPublic,
    CommunityRef,
    FirstSecretary,
    PairingPublic,
    PhotoLinks,
    PublicReportPublic,
    StationPublic,
)

router = APIRouter(prefix="/api/v1/public", tags=["public map"])
ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorResponse}}

ServiceQuery = Annotated[
    list[str],
    Query(description="Service code(s) every answer must offer; repeat or comma-separate."),
]
BBoxQuery = Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS-84)")]


def _services(values: list[str]) -> list[str]:
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def station_public(row: service.StationRow) -> StationPublic:
    values = {k: v for k, v in row.values.items() if k not in ("open_now", "distance_m")}
    return StationPublic(**values, open_now=row.open_now, distance_m=row.distance_m)


@router.get("/stations", response_model=list[StationPublic], responses=ERRORS)
def list_stations(
    session: SessionDep,
    settings: PublicMapSettingsDep,
    page: Page,
    service_: Annotated[list[str], Query(alias="service")] = [],  # noqa: B006 - FastAPI query list
    open_now: bool = False,
    bbox: BBoxQuery = None,
) -> list[StationPublic]:
    """暖新驿站: every station, or those offering the given services, open now, inside a box; by code,
    paged (`limit`, `cursor`)."""
    rows = service.list_stations(
        session=session,
        services=_services(service_),
        at=datetime.now(UTC),
        timezone=settings.timezone,
        open_now=open_now,
        bbox=service.parse_bbox(bbox),
        after_code=page.after_value(str),
        limit=page.fetch,
    )
    return [station_public(r) for r in page.cut(rows, key=lambda r: (r.values["code"],))]


@router.get("/stations/nearest", response_model=list[StationPublic], responses=ERRORS)
def nearest_stations(
    session: SessionDep,
    settings: PublicMapSettingsDep,
    lon: Longitude,
    lat: Latitude,
    service_: Annotated[list[str], Query(alias="service")] = [],  # noqa: B006 - FastAPI query list
    open_now: bool = True,
    # Small by nature (the nearest few): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[StationPublic]:
    """The nearest stations (WGS-84 point) offering the services, open now by default; distance in metres."""
    rows = service.nearest_stations(
        session=session,
        lon=lon,
        lat=lat,
        services=_services(service_),
        at=datetime.now(UTC),
        timezone=settings.timezone,
        open_now=open_now,
        limit=limit,
    )
    return [station_public(r) for r in rows]


def pairing_public(row: dict[str, Any]) -> PairingPublic:
    return PairingPublic(
        id=row["id"],
        code=row["code"],
        unit_name=row["unit_name"],
        community=CommunityRef(code=row["community_code"], name=row["community_name"]),
        lon=row["lon"],
        lat=row["lat"],
        first_secretary=FirstSecretary(role=row["first_secretary_role"], name=row["first_secretary_name"]),
        liaison_name=row["liaison_name"],
        projects=list(row["projects"]),
        is_demo=row["is_demo"],
    )


@router.get("/pairings", response_model=list[PairingPublic], responses=ERRORS)
def list_pairings(
    session: SessionDep, page: Page, bbox: BBoxQuery = None, community: str | None = None
) -> list[PairingPublic]:
    """包联点位: municipal units paired with communities, with the first secretary and joint projects;
    by code, paged (`limit`, `cursor`)."""
    rows = service.list_pairings(
        session=session, bbox=service.parse_bbox(bbox), community_code=community,
        after_code=page.after_value(str), limit=page.fetch,
    )  # fmt: skip
    return [pairing_public(r) for r in page.cut(rows, key=lambda r: (r["code"],))]


@router.get("/commercial-streets", response_model=list[CommercialStreetPublic])
def list_commercial_streets(
    session: SessionDep,
    # Small by nature (the city has three): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_MAX,
) -> list[CommercialStreetPublic]:
    """暖新商街: the warm-new commercial streets (GeoJSON lines)."""
    return [
        CommercialStreetPublic(**r) for r in service.list_commercial_streets(session=session, limit=limit)
    ]


@router.get("/reports", response_model=list[PublicReportPublic], responses=ERRORS)
def list_reports(
    request: Request,
    session: SessionDep,
    settings: PublicMapSettingsDep,
    store: MediaStoreDep,
    page: Annotated[Paging, Depends(paged(default=200, maximum=1000))],
    bbox: BBoxQuery = None,
    category: str | None = None,
    status: Literal["open", "closed"] | None = None,
) -> list[PublicReportPublic]:
    """Public reports, newest first: positions snapped to cell centres, public photo derivatives only;
    paged (`limit`, `cursor`)."""
    found = list_public_reports(
        session=session,
        settings=settings,
        filt=ReportFilter(
            bbox=service.parse_bbox(bbox),
            category_codes=[category] if category else None,
            status=status,
            older_than=page.after(datetime, uuid.UUID),
        ),
        limit=page.fetch,
        link=public_link(store, str(request.base_url)),
    )
    rows = page.cut(found, key=lambda r: (r.created_at, r.id))
    return [
        PublicReportPublic(
            id=r.id,
            category=r.category_code,
            category_name=r.category_name,
            state=r.state,
            status=r.status,
            status_notes=r.status_notes,
            created_at=r.created_at,
            updated_at=r.updated_at,
            lon=r.lon,
            lat=r.lat,
            coarsened_to_m=settings.coarsen_m,
            district_code=r.district_code,
            street_code=r.street_code,
            community_code=r.community_code,
            photos=[PhotoLinks(**p) for p in r.photos],
        )
        for r in rows
    ]
