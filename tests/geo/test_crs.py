"""Datum conversions: known Jilin offsets, centimetre round trips, identity outside China."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import crs
from geo.crs import Datum

EARTH_M_PER_DEG = 111_320.0

# WGS-84 input → GCJ-02 output, from reference/cn-city-management.md §3.3.
JILIN_TABLE = [
    ((126.55, 43.83), (126.555687, 43.832257), 520.7),
    ((126.57, 43.88), (126.575649, 43.882196), 514.4),
    ((126.57, 43.92), (126.575654, 43.922173), 513.3),
    ((126.53, 43.83), (126.535754, 43.832304), 527.9),
    ((126.57, 43.82), (126.575640, 43.822230), 516.0),
    ((126.95, 44.42), (126.955888, 44.421953), 515.6),
    ((126.05, 42.95), (126.056143, 42.952554), 574.9),
]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * EARTH_M_PER_DEG * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * EARTH_M_PER_DEG
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("wgs", "gcj", "shift_m"), JILIN_TABLE)
def test_jilin_table_offsets(wgs: tuple[float, float], gcj: tuple[float, float], shift_m: float) -> None:
    got = crs.wgs84_to_gcj02(*wgs)
    assert got == pytest.approx(gcj, abs=1e-6)
    assert metres(wgs, got) == pytest.approx(shift_m, abs=1.0)
    back = crs.gcj02_to_wgs84(*got)
    assert metres(back, wgs) < 0.01


def test_shift_is_about_500_m_in_jilin() -> None:
    got = crs.wgs84_to_gcj02(126.55, 43.83)
    assert 500 < metres((126.55, 43.83), got) < 540


def test_rough_inverse_would_be_metres_off_but_iterative_is_not() -> None:
    gcj = crs.wgs84_to_gcj02(126.53, 43.83)
    dlon, dlat = crs._offsets(*gcj)
    rough = (gcj[0] - dlon, gcj[1] - dlat)
    assert metres(rough, (126.53, 43.83)) > 1.0
    assert metres(crs.gcj02_to_wgs84(*gcj), (126.53, 43.83)) < 1e-4


def jilin_grid() -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(125.6, 127.9, 47), np.linspace(42.5, 44.7, 45))
    return lon.ravel(), lat.ravel()


def max_error_m(lon: np.ndarray, lat: np.ndarray, back_lon: np.ndarray, back_lat: np.ndarray) -> float:
    dx = (back_lon - lon) * EARTH_M_PER_DEG * np.cos(np.radians(lat))
    dy = (back_lat - lat) * EARTH_M_PER_DEG
    return float(np.max(np.hypot(dx, dy)))


@pytest.mark.parametrize("datum", [Datum.GCJ02, Datum.BD09])
def test_round_trip_over_jilin_grid_is_below_1_cm(datum: Datum) -> None:
    lon, lat = jilin_grid()
    fwd_lon, fwd_lat = crs.from_wgs84_array(lon, lat, datum)
    assert max_error_m(lon, lat, fwd_lon, fwd_lat) > 400  # it really moved
    back_lon, back_lat = crs.to_wgs84_array(fwd_lon, fwd_lat, datum)
    assert max_error_m(lon, lat, back_lon, back_lat) < 0.01


def test_scalar_and_vectorised_agree() -> None:
    lon, lat = jilin_grid()
    g_lon, g_lat = crs.wgs84_to_gcj02_array(lon, lat)
    b_lon, b_lat = crs.wgs84_to_bd09_array(lon, lat)
    w_lon, w_lat = crs.gcj02_to_wgs84_array(g_lon, g_lat)
    for k in range(0, lon.size, 97):
        assert crs.wgs84_to_gcj02(lon[k], lat[k]) == pytest.approx((g_lon[k], g_lat[k]), abs=1e-12)
        assert crs.wgs84_to_bd09(lon[k], lat[k]) == pytest.approx((b_lon[k], b_lat[k]), abs=1e-12)
        assert crs.gcj02_to_wgs84(g_lon[k], g_lat[k]) == pytest.approx((w_lon[k], w_lat[k]), abs=1e-11)
        assert crs.to_wgs84(b_lon[k], b_lat[k], "bd09") == pytest.approx((lon[k], lat[k]), abs=1e-9)


def test_bd09_uses_x_pi_not_pi() -> None:
    # BD-09 of the Jilin point sits ~1.2 km from WGS-84; the eviltransform π bug would move it ~87 m.
    bd = crs.wgs84_to_bd09(126.55, 43.83)
    gcj = crs.wgs84_to_gcj02(126.55, 43.83)
    z = math.hypot(*gcj) + 0.00002 * math.sin(gcj[1] * math.pi * 3000.0 / 180.0)
    theta = math.atan2(gcj[1], gcj[0]) + 0.000003 * math.cos(gcj[0] * math.pi * 3000.0 / 180.0)
    assert bd == pytest.approx((z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006), abs=1e-12)


@pytest.mark.parametrize("point", [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (100.0, 0.5), (150.0, 60.0)])
@pytest.mark.parametrize("datum", list(Datum))
def test_outside_china_is_identity(point: tuple[float, float], datum: Datum) -> None:
    assert crs.to_wgs84(*point, datum) == point
    lon, lat = crs.to_wgs84_array(np.array([point[0]]), np.array([point[1]]), datum)
    assert (lon[0], lat[0]) == point
    assert crs.wgs84_to_gcj02(*point) == point
    assert crs.wgs84_to_bd09(*point) == point


def test_cgcs2000_is_treated_as_wgs84() -> None:
    assert crs.to_wgs84(126.55, 43.83, "cgcs2000") == (126.55, 43.83)


def test_unknown_datum_is_refused() -> None:
    with pytest.raises(ValueError):
        crs.to_wgs84(126.55, 43.83, "osgb36")


def test_geometry_to_wgs84_moves_every_vertex_and_keeps_shared_vertices_shared() -> None:
    a = shapely.Polygon([(126.5, 43.8), (126.6, 43.8), (126.6, 43.9), (126.5, 43.9)])
    b = shapely.Polygon([(126.6, 43.8), (126.7, 43.8), (126.7, 43.9), (126.6, 43.9)])
    wa = crs.geometry_to_wgs84(a, Datum.GCJ02)
    wb = crs.geometry_to_wgs84(b, Datum.GCJ02)
    assert wa.bounds[0] == pytest.approx(126.5 - 0.0057, abs=5e-4)
    assert shapely.intersection(wa, wb).area == 0.0
    assert wa.intersection(wb).length > 0.09  # the shared edge is still shared exactly
    back = crs.geometry_from_wgs84(wa, Datum.GCJ02)
    assert shapely.equals_exact(back, a, tolerance=1e-9)
    assert crs.geometry_to_wgs84(a, "wgs84") is a


china = st.tuples(st.floats(74.0, 135.0), st.floats(18.0, 53.5))


@settings(max_examples=300, deadline=None)
@given(china, st.sampled_from([Datum.GCJ02, Datum.BD09]))
def test_round_trip_property(point: tuple[float, float], datum: Datum) -> None:
    lon, lat = point
    fwd = crs.from_wgs84_array(np.array([lon]), np.array([lat]), datum)
    back = crs.to_wgs84(float(fwd[0][0]), float(fwd[1][0]), datum)
    assert metres(back, point) < 0.01
