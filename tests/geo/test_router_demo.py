"""The router on the demo city: 10,000 random points (edges and vertices included) vs shapely covers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.ops import polylabel

from geo import crs
from geo.demo import DemoCity, build_demo_city
from geo.router import GridRecord, Router, RouteStatus

URBAN_BBOX = (126.41, 43.76, 126.70, 43.97)


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_demo_city()


@pytest.fixture(scope="module")
def router(city: DemoCity) -> Router:
    return Router(
        city.grid_records(),
        communities=[c.area() for c in city.communities],
        streets=[s.area() for s in city.streets],
        districts=[d.area() for d in city.districts],
    )


def reference(records: list[GridRecord], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smallest-code grid whose outline covers each point (bounding-box prefilter, then covers)."""
    geoms = np.array([r.geometry for r in records], dtype=object)
    codes = np.array([r.code for r in records])
    pts = shapely.points(x, y)
    a, b = shapely.STRtree(geoms).query(pts)
    hit = shapely.covers(geoms[b], pts[a])
    best = np.full(x.size, -1, dtype=np.int64)
    for p, g in zip(a[hit], b[hit], strict=True):
        if best[p] < 0 or codes[g] < codes[best[p]]:
            best[p] = g
    return best


def sample(
    city: DemoCity, rng: np.random.Generator, n_random: int, n_vertices: int
) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2], n_random)
    y = rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3], n_random)
    coords = shapely.get_coordinates([g.geometry for g in city.grids])
    pick = rng.choice(len(coords), size=n_vertices, replace=False)
    return np.concatenate([x, coords[pick, 0]]), np.concatenate([y, coords[pick, 1]])


def test_10000_points_equal_the_covers_reference(city: DemoCity, router: Router) -> None:
    rng = np.random.default_rng(2024)
    x, y = sample(city, rng, 8_000, 2_000)
    records = city.grid_records()
    expected = reference(records, x, y)
    got = router.route_many(x, y)
    covered = expected >= 0
    assert covered.sum() > 5_000
    assert np.array_equal(got.grid[covered], expected[covered])
    assert not got.snapped[covered].any()
    # Uncovered points are snapped only within 50 m, else unrouted.
    assert np.all(got.distance_m[got.snapped] <= 50.0)
    for k in range(0, x.size, 9):
        a = router.route(float(x[k]), float(y[k]))
        assert a.grid_index == got.grid[k]


def test_river_gap_and_outside(city: DemoCity, router: Router) -> None:
    # The middle of the ~300 m river band in the urban core: ~150 m from either bank.
    core = shapely.intersection(city.river.geometry, shapely.box(126.50, 43.83, 126.60, 43.86))
    part = max(core.geoms, key=lambda p: p.area) if core.geom_type == "MultiPolygon" else core
    centre = polylabel(part, tolerance=1e-6)
    metric = router._index.metric
    grids = shapely.union_all([g.geometry for g in city.grids])
    assert shapely.distance(metric.forward(centre), metric.forward(grids)) > 100
    a = router.route(centre.x, centre.y)
    assert a.status is RouteStatus.UNROUTED and a.grid is None and a.community is None
    assert a.street is not None and a.district is not None
    assert a.district.code in {"220202", "220203", "220204", "220211"}
    far = router.route(127.9, 45.3)  # ~100 km north-east of the city
    assert far.status is RouteStatus.UNROUTED and far.district is None and far.street is None
    rural = router.route(126.2, 43.6)  # 永吉县 countryside: no grids, but a street and district
    assert rural.status is RouteStatus.UNROUTED and rural.district is not None and rural.street is not None


def test_named_places_route_to_their_grid(city: DemoCity, router: Router) -> None:
    zhengyang = next(c for c in city.communities if c.name == "正阳社区")
    p = zhengyang.geometry.representative_point()
    a = router.route(p.x, p.y)
    assert a.status is RouteStatus.ROUTED
    assert a.community is not None and a.community.name == "正阳社区"
    assert a.street is not None and a.street.name == "北城街道"
    assert a.district is not None and a.district.name == "舒兰市"
    gx, gy = crs.wgs84_to_gcj02(p.x, p.y)
    assert router.route(gx, gy, "gcj02").grid == a.grid


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(URBAN_BBOX[0], URBAN_BBOX[2]), st.floats(URBAN_BBOX[1], URBAN_BBOX[3])),
        min_size=1,
        max_size=50,
    ),
    st.integers(0, 2**32 - 1),
)
def test_property_demo_router_equals_reference(
    city: DemoCity, router: Router, points: list[tuple[float, float]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    coords = shapely.get_coordinates([g.geometry for g in city.grids])
    pick = rng.choice(len(coords), size=10)
    x = np.concatenate([np.array([p[0] for p in points]), coords[pick, 0]])
    y = np.concatenate([np.array([p[1] for p in points]), coords[pick, 1]])
    expected = reference(router.grids, x, y)
    got = router.route_many(x, y).grid
    covered = expected >= 0
    assert np.array_equal(got[covered], expected[covered])
