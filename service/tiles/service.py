"""Build one vector tile, and the TileJSON document of a layer."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.tiles import HALF_WORLD_M, highest_latitude, valid_tile
from service.cases.command import CITY, Command
from service.errors import NotFound
from service.publicmap.public_reports import CLOSED_STATES, PUBLIC_STATES
from service.settings import PublicMapSettings
from service.tiles import counts
from service.tiles.layers import (
    BUFFER,
    EXTENT,
    LAYERS,
    PUBLIC_AGGREGATE_SQL,
    PUBLIC_POINTS_SQL,
    REPORT_FIELDS_PUBLIC,
    REPORT_FIELDS_STAFF,
    REPORTS_LAYER,
    STAFF_AGGREGATE_SQL,
    STAFF_POINTS_SQL,
    aggregate_level,
)

MAX_ZOOM = 22
LAYER_NAMES = (*LAYERS, REPORTS_LAYER)


@dataclass(frozen=True)
class Tile:
    data: bytes
    etag: str


def etag_of(data: bytes) -> str:
    """A weak validator: the same tile is served plain or gzip-compressed (RFC 9110 §8.8.1)."""
    return 'W/"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _params(z: int, x: int, y: int, layer: str, limit: int) -> dict[str, Any]:
    tile_size = 2 * HALF_WORLD_M / 2**z
    return {"z": z, "x": x, "y": y, "layer": layer, "limit": limit, "margin": tile_size * BUFFER / EXTENT}


def check_tile(layer: str, z: int, x: int, y: int) -> None:
    if layer not in LAYER_NAMES:
        raise NotFound(f"no tile layer {layer!r}; layers: {', '.join(LAYER_NAMES)}")
    if not valid_tile(z, x, y) or z > MAX_ZOOM:
        raise NotFound(f"tile {z}/{x}/{y} does not exist")


def render_tile(
    *,
    session: Session,
    layer: str,
    z: int,
    x: int,
    y: int,
    staff: bool,
    settings: PublicMapSettings,
    now: datetime,
    refresh_in_background: Callable[[], None] | None = None,
    command: Command = CITY,
) -> Tile:
    """The MVT bytes of one tile. ``staff`` (the command staff, admins) sees exact reports with states and
    colours, in the ``command``'s division only; everyone else the public layer: accepted cases only, at
    cell centres."""
    check_tile(layer, z, x, y)
    params = _params(z, x, y, layer, settings.tile_feature_limit)
    if layer != REPORTS_LAYER:
        spec = LAYERS[layer]
        if z < spec.minzoom:
            return Tile(b"", etag_of(b""))
        sql = spec.sql()
    elif z < settings.point_zoom:
        counts.ensure_fresh(
            session=session,
            now=now,
            max_age_s=settings.counts_max_age_s,
            background=refresh_in_background if settings.counts_refresh_in_background else None,
        )
        params["level"] = aggregate_level(z)
        sql = STAFF_AGGREGATE_SQL if staff else PUBLIC_AGGREGATE_SQL
        if staff:
            params.update(command.params)
    elif staff:
        params.update(now=now, **command.params)
        sql = STAFF_POINTS_SQL
    else:
        params.update(
            cell=settings.coarsen_m,
            states=list(PUBLIC_STATES),
            closed_states=list(CLOSED_STATES),
            # How far a report may lie outside the tile while its cell centre lies inside: a cell, with
            # room to spare, in metres of web mercator (which stretch by 1 / cos latitude).
            pad=2.0 * settings.coarsen_m / math.cos(math.radians(min(highest_latitude(z, x, y), 85.06))),
        )
        sql = PUBLIC_POINTS_SQL
    data = session.execute(text(sql), params).scalar()
    data = bytes(data or b"")
    return Tile(data, etag_of(data))


def tilejson(
    *, session: Session, layer: str, base_url: str, staff: bool, settings: PublicMapSettings
) -> dict[str, Any]:
    """TileJSON 3.0.0 of one layer: tile URL template, zooms, bounds, and the fields of its features."""
    if layer not in LAYER_NAMES:
        raise NotFound(f"no tile layer {layer!r}; layers: {', '.join(LAYER_NAMES)}")
    if layer == REPORTS_LAYER:
        title, minzoom = "上报事件", 0
        description = (
            f"Reports. Below zoom {settings.point_zoom}: one feature per street (z<10), community (z 10–11) "
            f"or grid (z≥12) with counts; from zoom {settings.point_zoom}: single reports. "
            + (
                "Staff view: exact positions, every state, SLA colours."
                if staff
                else f"Public view: accepted cases only, positions snapped to {settings.coarsen_m:g} m cells."
            )
        )
        fields = REPORT_FIELDS_STAFF if staff else REPORT_FIELDS_PUBLIC
        extent_sql = "SELECT ST_Extent(geom) FROM grids WHERE valid_to IS NULL"
    else:
        spec = LAYERS[layer]
        title, minzoom, description, fields = spec.title, spec.minzoom, spec.description, spec.fields
        where = (
            "WHERE valid_to IS NULL" if spec.table in ("districts", "streets", "communities", "grids") else ""
        )
        extent_sql = f"SELECT ST_Extent(geom) FROM {spec.table} {where}"
    box = session.execute(
        text(f"SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ({extent_sql}) q(b)")
    ).one()
    bounds = [round(float(v), 6) for v in box] if box[0] is not None else [125.6, 42.5, 127.9, 44.7]
    centre = [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), max(minzoom, 10)]
    return {
        "tilejson": "3.0.0",
        "name": title,
        "description": description,
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [f"{base_url.rstrip('/')}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt"],
        "minzoom": minzoom,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": centre,
        "attribution": "Whistle 吹哨 · 演示数据 demo data",
        "vector_layers": [
            {
                "id": layer,
                "description": description,
                "minzoom": minzoom,
                "maxzoom": MAX_ZOOM,
                "fields": fields,
            }
        ],
    }
