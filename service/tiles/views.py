"""Tile endpoints: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` and ``/tiles/{layer}.json`` (TileJSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from service.accounts.deps import OptionalUser
from service.accounts.models import Role, User
from service.cases.command import CITY, command_of
from service.deps import PublicMapSettingsDep, SessionDep, get_database
from service.errors import ErrorResponse
from service.params import TileIndex, Zoom
from service.tiles import counts, service
from service.tiles.layers import REPORTS_LAYER

router = APIRouter(tags=["vector tiles"])
MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
STAFF_ROLES = frozenset({Role.dispatcher, Role.street_team, Role.admin})


def is_staff(user: User | None) -> bool:
    return user is not None and user.role_enum in STAFF_ROLES


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §8.8.3.2), as If-None-Match asks: W/"x" and "x" match.
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return etag.removeprefix("W/") in candidates


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {"content": {MVT_MEDIA_TYPE: {}}, "description": "A Mapbox vector tile (may be empty)."},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        404: {"model": ErrorResponse},
    },
)
def get_tile(
    request: Request,
    session: SessionDep,
    settings: PublicMapSettingsDep,
    user: OptionalUser,
    layer: str,
    z: Zoom,
    x: TileIndex,
    y: TileIndex,
) -> Response:
    """One tile of a layer. The report layer depends on who asks: the command staff (city, district,
    street: their own division) and admins get exact positions, states and SLA colours; everyone else
    the public, coarsened layer. City zooms carry counts per grid, community or street instead of single
    reports."""
    staff = layer == REPORTS_LAYER and is_staff(user)
    command = command_of(session=session, user=user) if staff and user is not None else CITY
    database = get_database(request)
    tile = service.render_tile(
        session=session,
        layer=layer,
        z=z,
        x=x,
        y=y,
        staff=staff,
        settings=settings,
        now=datetime.now(UTC),
        refresh_in_background=lambda: counts.refresh_in_background(database, settings.counts_max_age_s),
        command=command,
    )
    headers = {"ETag": tile.etag}
    if layer == REPORTS_LAYER:
        headers["Vary"] = "Authorization"
        headers["Cache-Control"] = "private, max-age=0, must-revalidate" if staff else "public, max-age=30"
    else:
        headers["Cache-Control"] = f"public, max-age={settings.tile_max_age_s}"
    if etag_matches(request.headers.get("if-none-match"), tile.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=tile.data, media_type=MVT_MEDIA_TYPE, headers=headers)


@router.get("/tiles/{layer}.json", responses={404: {"model": ErrorResponse}})
def get_tilejson(
    request: Request, session: SessionDep, settings: PublicMapSettingsDep, user: OptionalUser, layer: str
) -> dict[str, Any]:
    """TileJSON 3.0.0 for a layer (MapLibre/OpenLayers/QGIS read it to find the tiles)."""
    return service.tilejson(
        session=session,
        layer=layer,
        base_url=str(request.base_url),
        staff=layer == REPORTS_LAYER and is_staff(user),
        settings=settings,
    )
