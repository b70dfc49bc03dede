"""The router against a brute-force shapely ``covers`` loop, edge and vertex points included."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import crs
from geo.crs import LocalMetric
from geo.router import GridRecord, PolygonIndex, Router, RouteStatus
from tests.geo.synthetic import REGION, box_lattice, brute_force, coarse_layers, record, voronoi_grids

GRIDS = voronoi_grids()
ROUTER = Router(GRIDS, max_cells=400_000)


def edge_points(records: list[GridRecord], rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the outlines (exactly on edges, often shared by 2-3 grids) and edge midpoints."""
    coords = shapely.get_coordinates([r.geometry for r in records])
    pick = rng.choice(len(coords) - 1, size=n)
    vx, vy = coords[pick, 0], coords[pick, 1]
    mx = (coords[pick, 0] + coords[pick + 1, 0]) / 2
    my = (coords[pick, 1] + coords[pick + 1, 1]) / 2
    return np.concatenate([vx, mx]), np.concatenate([vy, my])


_METRIC_CACHE: dict[tuple[int, int], np.ndarray] = {}


def snap_reference(
    records: list[GridRecord], metric: LocalMetric, x: float, y: float, tol: float
) -> tuple[int, float]:
    p = shapely.Point(*metric.forward_xy(x, y))
    key = (id(records), id(metric))
    if key not in _METRIC_CACHE:
        _METRIC_CACHE[key] = np.array([metric.forward(r.geometry) for r in records], dtype=object)
    d = shapely.distance(_METRIC_CACHE[key], p)
    best = float(d.min())
    if best > tol:
        return -1, best
    ties = [k for k in range(len(records)) if d[k] == best]
    return min(ties, key=lambda k: records[k].code), best


def test_10000_random_and_edge_points_match_brute_force() -> None:
    rng = np.random.default_rng(42)
    x = rng.uniform(REGION[0] - 0.003, REGION[2] + 0.003, 8000)
    y = rng.uniform(REGION[1] - 0.003, REGION[3] + 0.003, 8000)
    ex, ey = edge_points(GRIDS, rng, 1000)
    x, y = np.concatenate([x, ex]), np.concatenate([y, ey])
    assert x.size == 10_000
    expected = brute_force(GRIDS, x, y)
    got = ROUTER.route_many(x, y)
    covered = expected >= 0
    assert np.array_equal(got.grid[covered], expected[covered])
    assert not got.snapped[covered].any()
    assert np.all(got.distance_m[covered] == 0.0)
    # Every vertex is covered; many are covered by several grids (the tie rule matters).
    multi = sum(
        int(shapely.covers([r.geometry for r in GRIDS], shapely.Point(a, b)).sum() > 1)
        for a, b in zip(ex[:300], ey[:300], strict=True)
    )
    assert multi > 100
    # Single-point API agrees with the batch API everywhere.
    for k in range(0, x.size, 7):
        a = ROUTER.route(float(x[k]), float(y[k]))
        assert a.grid_index == got.grid[k]
        assert (a.status is RouteStatus.SNAPPED) == bool(got.snapped[k])


def test_uncovered_points_snap_to_the_nearest_grid_within_tolerance() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(REGION[0] - 0.002, REGION[2] + 0.002, 4000)
    y = rng.uniform(REGION[1] - 0.002, REGION[3] + 0.002, 4000)
    uncovered = brute_force(GRIDS, x, y) < 0
    x, y = x[uncovered], y[uncovered]
    assert x.size > 100
    got = ROUTER.route_many(x, y)
    metric = ROUTER._index.metric
    seen = {True: 0, False: 0}
    for k in range(x.size):
        ref, dist = snap_reference(GRIDS, metric, float(x[k]), float(y[k]), 50.0)
        if abs(dist - 50.0) < 1e-6:
            continue
        assert got.grid[k] == ref
        assert bool(got.snapped[k]) == (ref >= 0)
        if ref >= 0:
            assert got.distance_m[k] == pytest.approx(dist, abs=1e-6)
        seen[ref >= 0] += 1
    assert seen[True] > 20 and seen[False] > 20


def test_shared_edge_goes_to_the_smallest_code() -> None:
    grids = box_lattice()
    router = Router(grids, max_cells=100_000)
    _minx, miny, maxx, maxy = grids[0].geometry.bounds
    # maxx is the edge between 001 (west) and 002 (east); y inside the first row.
    a = router.route(maxx, (miny + maxy) / 2)
    assert a.status is RouteStatus.ROUTED and a.grid is not None
    assert a.grid.code == "220204001002001"
    assert any("smallest code" in line for line in a.trace)
    # A vertex shared by four boxes: 001, 002, 007, 008 → 001.
    corner = router.route(maxx, miny)
    assert corner.grid is not None and corner.grid.code == "220204001002001"
    # Strictly inside 008.
    inner = router.route(126.506, 43.843)
    assert inner.grid is not None and inner.grid.code == "220204001002008"
    assert not any("smallest code" in line for line in inner.trace)
    # Points along every shared vertical edge.
    ys = np.linspace(43.8301, 43.8499, 200)
    for i in range(1, 6):
        xs = np.full(ys.size, 126.5 + i * 0.004)
        assert np.array_equal(router.route_many(xs, ys).grid, brute_force(grids, xs, ys))


def test_gap_river_and_far_outside() -> None:
    streets, districts = coarse_layers()
    router = Router(GRIDS, streets=streets, districts=districts, max_cells=400_000)
    gap = router.route(126.510, 43.820)  # centre of the ~70 m hole: more than 50 m from any grid?
    hole_ref = snap_reference(GRIDS, router._index.metric, 126.510, 43.820, 50.0)
    if hole_ref[0] >= 0:
        assert gap.status is RouteStatus.SNAPPED and gap.grid_index == hole_ref[0]
    edge_of_gap = router.route(126.510, 43.8205)  # ~55 m from the centre: well within 50 m of a grid
    assert edge_of_gap.status is RouteStatus.SNAPPED
    assert edge_of_gap.distance_m is not None and 0 < edge_of_gap.distance_m < 50
    assert edge_of_gap.grid is not None and edge_of_gap.community is not None
    assert any("snapped" in line for line in edge_of_gap.trace)

    river = router.route(126.5299, 43.825)  # mid-river, ~220 m from either bank
    assert river.status is RouteStatus.UNROUTED
    assert river.grid is None and river.community is None
    assert river.street is not None and river.street.code == "220204001000"
    assert river.district is not None and river.district.code == "220204"
    assert any("unrouted" in line for line in river.trace)

    far = router.route(127.9, 45.0)  # ~150 km away
    assert far.status is RouteStatus.UNROUTED
    assert (far.grid, far.street, far.district) == (None, None, None)
    nan = router.route(math.nan, 43.8)
    assert nan.status is RouteStatus.UNROUTED


def test_gcj02_input_routes_to_the_same_grid_as_wgs84() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(REGION[0], REGION[2], 2000)
    y = rng.uniform(REGION[1], REGION[3], 2000)
    gx, gy = crs.wgs84_to_gcj02_array(x, y)
    assert np.array_equal(ROUTER.route_many(gx, gy, "gcj02").grid, ROUTER.route_many(x, y).grid)
    a = ROUTER.route(float(gx[0]), float(gy[0]), "gcj02")
    assert a.grid_index == ROUTER.route(float(x[0]), float(y[0])).grid_index
    assert a.trace[0].startswith("converted gcj02")
    # Without conversion the ~500 m shift lands most points in another grid.
    wrong = ROUTER.route_many(gx, gy).grid != ROUTER.route_many(x, y).grid
    assert wrong.mean() > 0.8


def test_overlapping_polygons_still_follow_the_smallest_code_rule() -> None:
    a = record("220204001003002", shapely.box(126.50, 43.80, 126.52, 43.82))
    b = record("220204001003001", shapely.box(126.51, 43.81, 126.53, 43.83))
    holed = record(
        "220204001003003",
        shapely.box(126.54, 43.80, 126.56, 43.82).difference(shapely.box(126.545, 43.805, 126.555, 43.815)),
    )
    grids = [a, b, holed]
    router = Router(grids, max_cells=50_000)
    rng = np.random.default_rng(9)
    x = rng.uniform(126.495, 126.565, 5000)
    y = rng.uniform(43.795, 43.835, 5000)
    expected = brute_force(grids, x, y)
    assert np.array_equal(router.route_many(x, y).grid[expected >= 0], expected[expected >= 0])
    assert router.route(126.515, 43.815).grid_index == 1  # in both: 001 wins
    hole = router.route(126.55, 43.81)  # middle of the hole, ~400 m from its edges
    assert hole.status is RouteStatus.UNROUTED


def test_multipolygon_grids() -> None:
    two = record(
        "220204001004001",
        shapely.MultiPolygon(
            [shapely.box(126.5, 43.8, 126.501, 43.801), shapely.box(126.51, 43.8, 126.511, 43.801)]
        ),
    )
    router = Router([two], tolerance_m=0.0, max_cells=10_000)
    assert router.route(126.5105, 43.8005).grid_index == 0
    assert router.route(126.505, 43.8005).status is RouteStatus.UNROUTED


def test_index_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        PolygonIndex([], [])
    with pytest.raises(ValueError):
        PolygonIndex([shapely.LineString([(0, 0), (1, 1)])], ["a"])


vertex = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(REGION[0] - 0.002, REGION[2] + 0.002), st.floats(REGION[1] - 0.002, REGION[3] + 0.002)
        ),
        min_size=1,
        max_size=40,
    ),
    st.lists(vertex, min_size=0, max_size=20),
)
def test_property_router_equals_brute_force(points: list[tuple[float, float]], vertices: list[int]) -> None:
    coords = shapely.get_coordinates([r.geometry for r in GRIDS])
    picked = coords[[v % len(coords) for v in vertices]] if vertices else np.empty((0, 2))
    x = np.concatenate([np.array([p[0] for p in points]), picked[:, 0]])
    y = np.concatenate([np.array([p[1] for p in points]), picked[:, 1]])
    expected = brute_force(GRIDS, x, y)
    got = ROUTER.route_many(x, y)
    covered = expected >= 0
    assert np.array_equal(got.grid[covered], expected[covered])
    for k in range(x.size):
        assert ROUTER.route(float(x[k]), float(y[k])).grid_index == got.grid[k]
