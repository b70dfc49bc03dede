"""Acceptance: the in-process router answers what PostGIS answers, for 10,000 points in the city."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from service.geography.reference import reference_route, reference_route_many
from tests.service.geography.helpers import CITY_BBOX, URBAN_BBOX, agrees, current_router, edge_points


def test_10000_points_in_process_equals_postgis(db: Session) -> None:
    router = current_router(db)
    rng = np.random.default_rng(20241127)
    ux = rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2], 6_000)
    uy = rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3], 6_000)
    cx = rng.uniform(CITY_BBOX[0], CITY_BBOX[2], 2_000)
    cy = rng.uniform(CITY_BBOX[1], CITY_BBOX[3], 2_000)
    ex, ey = edge_points(router, rng, 2_000)
    x, y = np.concatenate([ux, cx, ex]), np.concatenate([uy, cy, ey])
    assert x.size == 10_000
    expected = reference_route_many(session=db, lons=x.tolist(), lats=y.tolist(), tolerance_m=50.0)
    got = router.route_many(x, y)
    statuses = {"routed": 0, "snapped": 0, "unrouted": 0}
    disagreements = []
    exact = 0
    for k, ref in enumerate(expected):
        statuses[ref.status] += 1
        code = router.grids[int(got.grid[k])].code if got.grid[k] >= 0 else None
        exact += code == ref.grid_code
        if not agrees(router, k, int(got.grid[k]), bool(got.snapped[k]), ref, float(x[k]), float(y[k])):
            disagreements.append((float(x[k]), float(y[k]), int(got.grid[k]), ref))
    assert disagreements == []
    assert exact >= 9_950  # the floating-point allowances of `agrees` are the rare exception
    # The sample exercises every branch: covered, snapped at the river banks, unrouted outside.
    assert statuses["routed"] > 5_000 and statuses["snapped"] > 10 and statuses["unrouted"] > 500


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    points=st.lists(
        st.tuples(st.floats(URBAN_BBOX[0], URBAN_BBOX[2]), st.floats(URBAN_BBOX[1], URBAN_BBOX[3])),
        min_size=1,
        max_size=20,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_router_equals_postgis_one_point_at_a_time(
    db: Session, points: list[tuple[float, float]], seed: int
) -> None:
    router = current_router(db)
    ex, ey = edge_points(router, np.random.default_rng(seed), 6)
    for x, y in [*points, *zip(ex.tolist(), ey.tolist(), strict=True)]:
        ref = reference_route(session=db, lon=x, lat=y, tolerance_m=50.0)
        a = router.route(x, y)
        assert agrees(router, 0, a.grid_index, a.status.value == "snapped", ref, x, y), (x, y, a, ref)
