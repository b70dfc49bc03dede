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
    "WHERE geom && ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), "
    ":tol / (111000.0 * cos(radians(:lat)))) "
    "AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :tol) "
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


COVERS_MANY_SQL = text(
    "SELECT p.i, (SELECT g.code FROM grids g WHERE ST_Covers(g.geom, p.pt) "
    "AND g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at) ORDER BY g.code LIMIT 1) "
    "FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt "
    "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS u(x, y, i)) AS p "
    "ORDER BY p.i"
)
NEAREST_MANY_SQL = text(
    "SELECT p.i, n.code, n.d FROM (SELECT i, y, ST_SetSRID(ST_MakePoint(x, y), 4326) AS pt "
    "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS u(x, y, i)) AS p "
    "CROSS JOIN LATERAL (SELECT g.code, ST_Distance(g.geom::geography, p.pt::geography) AS d FROM grids g "
    "WHERE g.geom && ST_Expand(p.pt, :tol / (111000.0 * cos(radians(p.y)))) "
    "AND ST_DWithin(g.geom::geography, p.pt::geography, :tol) "
    "AND g.valid_from <= :at AND (g.valid_to IS NULL OR g.valid_to > :at) ORDER BY d, g.code LIMIT 2) AS n "
    "ORDER BY p.i, n.d, n.code"
)


def reference_route_many(
    *,
    session: Session,
    lons: list[float],
    lats: list[float],
    tolerance_m: float = 50.0,
    at: datetime | None = None,
) -> list[ReferenceAnswer]:
    """:func:`reference_route` for many WGS-84 points in two statements (tests over thousands)."""
    when = at or datetime.now(UTC)
    covered = session.execute(COVERS_MANY_SQL, {"xs": lons, "ys": lats, "at": when}).all()
    answers: list[ReferenceAnswer] = [
        ReferenceAnswer("routed", code, 0.0) if code is not None else ReferenceAnswer("unrouted", None, None)
        for _i, code in covered
    ]
    missing = [k for k, a in enumerate(answers) if a.grid_code is None]
    if missing and tolerance_m > 0:
        rows = session.execute(
            NEAREST_MANY_SQL,
            {
                "xs": [lons[k] for k in missing],
                "ys": [lats[k] for k in missing],
                "tol": tolerance_m,
                "at": when,
            },
        ).all()
        nearest: dict[int, list[tuple[str, float]]] = {}
        for i, code, d in rows:
            nearest.setdefault(int(i) - 1, []).append((code, float(d)))
        for j, k in enumerate(missing):
            found = nearest.get(j)
            if found:
                runner_up = found[1][1] if len(found) > 1 else None
                answers[k] = ReferenceAnswer("snapped", found[0][0], found[0][1], runner_up)
    return answers
