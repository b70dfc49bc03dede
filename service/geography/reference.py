"""The PostGIS reference router: the same rules as :mod:`geo.router`, answered by SQL.

Tests compare the in-process router with it, and ``bench/router.py`` uses it as the floor to beat.
Rules: the grid whose outline covers the point (``ST_Covers``, GiST index), smallest code on shared
edges; else the nearest grid within the tolerance (geodesic ``ST_DWithin``/``ST_Distance``), smallest
code on ties; else unrouted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

COVERS_SQL = text(
    "SELECT code FROM grids "
    "WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
    "AND valid_from <= :at AND (valid_to IS NULL OR valid_to > :at) "
    "ORDER BY code LIMIT 1"
)
NEAREST_SQL = text(
    "SELECT code, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d "
    "FROM grids "
    "WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :tol) "
    "AND valid_from <= :at AND (valid_to IS NULL OR valid_to > :at) "
    "ORDER BY d, code LIMIT 2"
)


@dataclass(frozen=True)
class ReferenceAnswer:
    status: str  # routed | snapped | unrouted
    grid_code: str | None
    distance_m: float | None
    # When snapped: the runner-up's distance (None if alone), to judge near-ties in comparisons.
    runner_up_m: float | None = None


def reference_route(
    *, session: Session, lon: float, lat: float, tolerance_m: float = 50.0, at: datetime | None = None
) -> ReferenceAnswer:
    """Route a WGS-84 point with PostGIS alone."""
    params = {"lon": lon, "lat": lat, "at": at or datetime.now(UTC), "tol": tolerance_m}
    code = session.execute(COVERS_SQL, params).scalar_one_or_none()
    if code is not None:
        return ReferenceAnswer("routed", code, 0.0)
    if tolerance_m <= 0:
        return ReferenceAnswer("unrouted", None, None)
    rows = session.execute(NEAREST_SQL, params).all()
    if not rows:
        return ReferenceAnswer("unrouted", None, None)
    runner_up = float(rows[1][1]) if len(rows) > 1 else None
    return ReferenceAnswer("snapped", rows[0][0], float(rows[0][1]), runner_up)
