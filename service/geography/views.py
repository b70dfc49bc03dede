"""Routing, categories, divisions (GeoJSON outlines) and units over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from service.accounts.deps import Member, require_roles
from service.accounts.models import Role, User
from service.deps import SessionDep, SettingsDep
from service.errors import ErrorResponse, Invalid
from service.geography import queries
from service.geography.places import search_places
from service.geography.routing import route as route_point
from service.geography.schemas import (
    CategoryPublic,
    DivisionCollection,
    DivisionFeature,
    PlacePublic,
    RoutingPublic,
    UnitPublic,
)
from service.paging import Page
from service.params import Latitude, Longitude

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
}

router = APIRouter(prefix="/api/v1", tags=["geography"], responses=ERRORS)

Level = Literal["district", "street", "community", "grid"]
# Who makes cases by hand (the command center, a street team in its street) and so searches places.
CaseMaker = Annotated[User, Depends(require_roles(Role.dispatcher, Role.admin, Role.street_team))]
SMALL_LIST_MAX = 500


@router.get("/route", response_model=RoutingPublic)
def route(
    session: SessionDep,
    settings: SettingsDep,
    _user: Member,
    lon: Longitude,
    lat: Latitude,
    datum: Annotated[Literal["wgs84", "cgcs2000", "gcj02", "bd09"], Query()] = "wgs84",
    category: Annotated[str | None, Query(description="category code, e.g. 0501: picks the units")] = None,
    at: Annotated[datetime | None, Query(description="route by the outlines valid then (ISO 8601)")] = None,
) -> RoutingPublic:
    """Where a point lands: status routed|snapped|unrouted, district/street/community/grid, units, trace."""
    routing = route_point(
        session=session,
        lon=lon,
        lat=lat,
        datum=datum,
        category_code=category,
        at=at,
        tolerance_m=settings.router.snap_tolerance_m,
    )
    return RoutingPublic.model_validate(routing.as_json())


@router.get("/categories", response_model=list[CategoryPublic])
def categories(
    session: SessionDep,
    # Small by nature (the city's list has about 40): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=SMALL_LIST_MAX)] = SMALL_LIST_MAX,
) -> list[CategoryPublic]:
    """Active event categories with their rules and time limits (public)."""
    return queries.list_categories(session=session, limit=limit)


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise Invalid("bbox is four numbers: west,south,east,north (WGS-84)") from exc
    return west, south, east, north


@router.get("/divisions/{level}", response_model=DivisionCollection)
def divisions(
    session: SessionDep,
    _user: Member,
    level: Level,
    page: Page,
    bbox: Annotated[str | None, Query(description="west,south,east,north (WGS-84)")] = None,
    parent: Annotated[str | None, Query(description="parent division code")] = None,
    at: Annotated[datetime | None, Query(description="outlines valid then (default now)")] = None,
    geometry: Annotated[bool, Query(description="include outlines")] = True,
) -> DivisionCollection:
    """Divisions of a level as a GeoJSON FeatureCollection (WGS-84), filtered by bbox and/or parent;
    by code, paged (`limit`, `cursor`: the features of one page)."""
    found = queries.list_divisions(
        session=session, level=level, bbox=parse_bbox(bbox), parent_code=parent, at=at,
        with_geometry=geometry, after_code=page.after_value(str), limit=page.fetch,
    )  # fmt: skip
    found.features = page.cut(found.features, key=lambda f: (f.id,))
    return found


@router.get("/divisions/{level}/{code}", response_model=DivisionFeature)
def division(
    session: SessionDep,
    _user: Member,
    level: Level,
    code: str,
    at: Annotated[datetime | None, Query(description="the outline valid then (default now)")] = None,
) -> DivisionFeature:
    """One division as a GeoJSON Feature (WGS-84)."""
    return queries.get_division(session=session, level=level, code=code, at=at)


@router.get("/units", response_model=list[UnitPublic])
def units(
    session: SessionDep,
    _user: Member,
    page: Page,
    kind: Annotated[str | None, Query(description="department kind code")] = None,
) -> list[UnitPublic]:
    """Active department units (公安 派出所, 城管 大队, street teams, …), by kind then code; paged."""
    rows = queries.list_units(session=session, kind=kind, after=page.after(int, str), limit=page.fetch)
    return [unit for unit, _sort in page.cut(rows, key=lambda row: (row[1], row[0].code))]


@router.get(
    "/console/places", response_model=list[PlacePublic], tags=["console"],
    summary="Places by name for a case made by hand: divisions, grids, units, stations (ranked, paged)",
)  # fmt: skip
def places(
    session: SessionDep,
    _user: CaseMaker,
    page: Page,
    q: Annotated[str, Query(min_length=1, max_length=50, description="words of the name or address")],
) -> list[PlacePublic]:
    """Exact names first, then names starting with `q`, names containing it, station addresses
    containing it; by kind (district … station) and name within a rank."""
    found = search_places(session=session, q=q, limit=page.fetch, after=page.after(int, int, int, str, str))
    return [
        PlacePublic(kind=p.kind, code=p.code, name=p.name, detail=p.detail, lon=p.lon, lat=p.lat)
        for p in page.cut(found, key=lambda p: p.key or ())
    ]
