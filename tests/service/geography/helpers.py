"""Shared helpers of the geography service tests: the demo city as stored, and answer comparison."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.router import Router
from service.geography.reference import ReferenceAnswer
from service.geography.routing import ROUTERS

URBAN_BBOX = (126.41, 43.76, 126.70, 43.97)
CITY_BBOX = (125.6, 42.5, 127.9, 44.7)  # the nine districts and then some
ON_EDGE_M = 0.001  # a point this close to an outline is "on" it, whichever side floating point puts it


def current_router(session: Session) -> Router:
    _snapshot, router = ROUTERS.get(session=session, at=datetime.now(UTC), tolerance_m=50.0)
    assert router is not None
    return router


def outline(session: Session, table: str, code: str) -> shapely.Geometry:
    wkb = session.execute(
        text(f"SELECT ST_AsBinary(geom) FROM {table} WHERE code = :c AND valid_to IS NULL"), {"c": code}
    ).scalar_one()
    return shapely.from_wkb(bytes(wkb))


def agrees(
    router: Router, k: int, grid: int, snapped: bool, ref: ReferenceAnswer, x: float, y: float
) -> bool:
    """Router answer == PostGIS answer, up to floating point on an edge and metric near-ties.

    * Same status and grid: agreement.
    * A point within 1 mm of an outline (a computed edge midpoint) may be "on" the edge for one engine
      and a hair outside for the other: the router's covering grid must then be one PostGIS finds at
      distance < 1 mm.
    * Snapping distances differ by < 0.5 % (local equirectangular metric vs PostGIS's spheroid): a
      point whose distance is within 0.5 % of the tolerance, or whose two nearest grids are within
      0.5 % of each other, may go either way.
    """
    code = router.grids[grid].code if grid >= 0 else None
    status = "unrouted" if code is None else ("snapped" if snapped else "routed")
    if (status, code) == (ref.status, ref.grid_code):
        return True
    point = shapely.Point(x, y)
    if status == "routed" and ref.status == "snapped":
        assert code is not None and ref.distance_m is not None
        on_edge = float(shapely.distance(router.grids[grid].geometry.boundary, point)) * 111_000 < ON_EDGE_M
        return ref.distance_m < ON_EDGE_M and on_edge
    if status == "routed" and ref.status == "routed":
        return near_edge(router, x, y)
    if "routed" in (status, ref.status):
        return False
    slack = 0.005 * router.tolerance_m
    if status == "snapped" and ref.status == "snapped":
        assert ref.distance_m is not None
        return ref.runner_up_m is not None and ref.runner_up_m - ref.distance_m < slack
    # One engine snapped, the other found nothing within the tolerance: the distance is at the limit.
    distance = ref.distance_m if ref.status == "snapped" else router.route(x, y).distance_m
    return distance is not None and abs(distance - router.tolerance_m) < slack


def near_edge(router: Router, x: float, y: float) -> bool:
    p = shapely.Point(x, y)
    return any(
        float(shapely.distance(g.geometry.boundary, p)) * 111_000 < ON_EDGE_M
        for g in router.grids
        if g.geometry.bounds[0] <= x <= g.geometry.bounds[2]
        and g.geometry.bounds[1] <= y <= g.geometry.bounds[3]
    )


def edge_points(router: Router, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (exactly on shared corners) and segment midpoints (within floating point of an edge)."""
    coords = shapely.get_coordinates([g.geometry for g in router.grids])
    pick = rng.choice(len(coords) - 1, size=n, replace=False)
    half = n // 2
    vx, vy = coords[pick[:half], 0], coords[pick[:half], 1]
    a, b = coords[pick[half:]], coords[pick[half:] + 1]
    mid = (a + b) / 2.0
    return np.concatenate([vx, mid[:, 0]]), np.concatenate([vy, mid[:, 1]])
