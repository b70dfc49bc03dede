"""Chinese map datums: GCJ-02 and BD-09 to and from WGS-84.

Phones, map SDKs and imported files deliver coordinates in one of four datums. Whistle stores only
WGS-84 (CGCS2000 agrees with it to well under a metre, so it is treated as WGS-84). GCJ-02 sits about
500 m from WGS-84 in Jilin: a report in the wrong datum lands in the wrong grid, so every coordinate is
converted on arrival.

* WGS-84 → GCJ-02 is the published formula (Krasovsky a = 6378245, e² = 0.00669342162296594323).
  Do not "fix" the radius to 6378137: the obfuscation is *defined* with 6378245.
* GCJ-02 → WGS-84 has no closed form. The one-step "rough" inverse is off by up to ~3 m in Jilin,
  enough to move a point near a boundary into the neighbouring grid, so we iterate the fixed point
  ``w ← w − (f(w) − g)`` until the step is below 1e-10° (≈ 0.01 mm); that converges in 3–5 steps.
* BD-09 ↔ GCJ-02 uses x_pi = π·3000/180 (some libraries wrongly use π, an 87 m error in Jilin).
* Outside China's bounding box (lng 72.004–137.8347, lat 0.8293–55.8271) no transform is applied,
  as every reference implementation does.

Each conversion has a scalar form (``float`` in, tuple out, no numpy overhead: the single-point router
path) and a numpy form for bulk work (imports, benchmarks); both compute the same arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]

A = 6378245.0
EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0

LNG_MIN, LNG_MAX = 72.004, 137.8347
LAT_MIN, LAT_MAX = 0.8293, 55.8271

INVERSE_TOLERANCE_DEG = 1e-10
INVERSE_MAX_ITERATIONS = 12


class Datum(StrEnum):
    """The datum a coordinate pair arrived in."""

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(lon: float, lat: float) -> bool:
    """True where no GCJ-02 obfuscation applies (and so no transform is done)."""
    return not (LNG_MIN <= lon <= LNG_MAX and LAT_MIN <= lat <= LAT_MAX)


def _offsets(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 offset (dlon, dlat) in degrees for a WGS-84 point inside China."""
    x = lon - 105.0
    y = lat - 35.0
    sq = math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    m = 1.0 - EE * math.sin(rad) ** 2
    sqrt_m = math.sqrt(m)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (m * sqrt_m) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrt_m * math.cos(rad) * math.pi)
    return dlon, dlat


def _offsets_array(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`_offsets` (same arithmetic, element-wise)."""
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    m = 1.0 - EE * np.sin(rad) ** 2
    sqrt_m = np.sqrt(m)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (m * sqrt_m) * pi)
    dlon = (dlon * 180.0) / (A / sqrt_m * np.cos(rad) * pi)
    return dlon, dlat


def _inside_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= LNG_MIN) & (lon <= LNG_MAX) & (lat >= LAT_MIN) & (lat <= LAT_MAX)


def _converged(step_lon: FloatArray, step_lat: FloatArray) -> bool:
    if step_lon.size == 0:
        return True
    worst = max(float(np.max(np.abs(step_lon))), float(np.max(np.abs(step_lat))))
    return worst < INVERSE_TOLERANCE_DEG or not math.isfinite(worst)


def _as_float_array(values: Any) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


# --- WGS-84 <-> GCJ-02 -------------------------------------------------------------------------


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Published forward transform; identity outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _offsets(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Iterative inverse (error far below 1 cm); identity outside China.

    Starts from the rough inverse ``g − offset(g)`` and repeats ``w ← w − (f(w) − g)``.
    """
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _offsets(lon, lat)
    wlon, wlat = lon - dlon, lat - dlat
    for _ in range(INVERSE_MAX_ITERATIONS):
        dlon, dlat = _offsets(wlon, wlat)
        step_lon = wlon + dlon - lon
        step_lat = wlat + dlat - lat
        wlon -= step_lon
        wlat -= step_lat
        if abs(step_lon) < INVERSE_TOLERANCE_DEG and abs(step_lat) < INVERSE_TOLERANCE_DEG:
            break
    return wlon, wlat


def wgs84_to_gcj02_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`wgs84_to_gcj02`."""
    lon = _as_float_array(lons)
    lat = _as_float_array(lats)
    dlon, dlat = _offsets_array(lon, lat)
    inside = _inside_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`gcj02_to_wgs84`: iterate until every point has converged."""
    lon = _as_float_array(lons)
    lat = _as_float_array(lats)
    dlon, dlat = _offsets_array(lon, lat)
    wlon, wlat = lon - dlon, lat - dlat
    for _ in range(INVERSE_MAX_ITERATIONS):
        dlon, dlat = _offsets_array(wlon, wlat)
        step_lon = wlon + dlon - lon
        step_lat = wlat + dlat - lat
        wlon = wlon - step_lon
        wlat = wlat - step_lat
        if _converged(step_lon, step_lat):
            break
    inside = _inside_china(lon, lat)
    return np.where(inside, wlon, lon), np.where(inside, wlat, lat)


# --- BD-09 <-> GCJ-02 --------------------------------------------------------------------------


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's BD-09 from GCJ-02 (x_pi = π·3000/180); identity outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _bd09_to_gcj02_rough(lon: float, lat: float) -> tuple[float, float]:
    x = lon - 0.0065
    y = lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of :func:`gcj02_to_bd09`.

    The widely copied closed form is off by up to ~0.2 m, so it only seeds the same fixed-point
    iteration as the GCJ-02 inverse. Identity outside China.
    """
    if out_of_china(lon, lat):
        return lon, lat
    glon, glat = _bd09_to_gcj02_rough(lon, lat)
    for _ in range(INVERSE_MAX_ITERATIONS):
        blon, blat = gcj02_to_bd09(glon, glat)
        step_lon = blon - lon
        step_lat = blat - lat
        glon -= step_lon
        glat -= step_lat
        if abs(step_lon) < INVERSE_TOLERANCE_DEG and abs(step_lat) < INVERSE_TOLERANCE_DEG:
            break
    return glon, glat


def gcj02_to_bd09_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    lon = _as_float_array(lons)
    lat = _as_float_array(lats)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    inside = _inside_china(lon, lat)
    return np.where(inside, z * np.cos(theta) + 0.0065, lon), np.where(inside, z * np.sin(theta) + 0.006, lat)


def bd09_to_gcj02_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`bd09_to_gcj02` (closed form, then the fixed-point iteration)."""
    lon = _as_float_array(lons)
    lat = _as_float_array(lats)
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(INVERSE_MAX_ITERATIONS):
        blon, blat = gcj02_to_bd09_array(glon, glat)
        step_lon = blon - lon
        step_lat = blat - lat
        glon = glon - step_lon
        glat = glat - step_lat
        if _converged(step_lon, step_lat):
            break
    inside = _inside_china(lon, lat)
    return np.where(inside, glon, lon), np.where(inside, glat, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def bd09_to_wgs84_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_wgs84_array(*bd09_to_gcj02_array(lons, lats))


def wgs84_to_bd09_array(lons: Any, lats: Any) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_bd09_array(*wgs84_to_gcj02_array(lons, lats))


# --- datum dispatch ----------------------------------------------------------------------------


def to_wgs84(lon: float, lat: float, datum: Datum | str) -> tuple[float, float]:
    """Convert one point from ``datum`` to WGS-84 (CGCS2000 is taken as WGS-84)."""
    d = Datum(datum)
    if d is Datum.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if d is Datum.BD09:
        return bd09_to_wgs84(lon, lat)
    return float(lon), float(lat)


def to_wgs84_array(lons: Any, lats: Any, datum: Datum | str) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`to_wgs84`."""
    d = Datum(datum)
    if d is Datum.GCJ02:
        return gcj02_to_wgs84_array(lons, lats)
    if d is Datum.BD09:
        return bd09_to_wgs84_array(lons, lats)
    return _as_float_array(lons).copy(), _as_float_array(lats).copy()


def from_wgs84_array(lons: Any, lats: Any, datum: Datum | str) -> tuple[FloatArray, FloatArray]:
    """WGS-84 to ``datum`` (for rendering on GCJ-02/BD-09 base maps and for tests)."""
    d = Datum(datum)
    if d is Datum.GCJ02:
        return wgs84_to_gcj02_array(lons, lats)
    if d is Datum.BD09:
        return wgs84_to_bd09_array(lons, lats)
    return _as_float_array(lons).copy(), _as_float_array(lats).copy()


def _coords_transformer(
    fn: Callable[[Any, Any], tuple[FloatArray, FloatArray]],
) -> Callable[[FloatArray], FloatArray]:
    def transform(coords: FloatArray) -> FloatArray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return transform


def geometry_to_wgs84(geometry: shapely.Geometry, datum: Datum | str) -> shapely.Geometry:
    """Return ``geometry`` converted vertex by vertex from ``datum`` to WGS-84.

    Shared vertices of neighbouring outlines map to identical coordinates, so a tiling stays a tiling.
    """
    d = Datum(datum)
    if d in (Datum.WGS84, Datum.CGCS2000):
        return geometry
    return shapely.transform(geometry, _coords_transformer(lambda x, y: to_wgs84_array(x, y, d)))


def geometry_from_wgs84(geometry: shapely.Geometry, datum: Datum | str) -> shapely.Geometry:
    """Inverse of :func:`geometry_to_wgs84` (WGS-84 to ``datum``)."""
    d = Datum(datum)
    if d in (Datum.WGS84, Datum.CGCS2000):
        return geometry
    return shapely.transform(geometry, _coords_transformer(lambda x, y: from_wgs84_array(x, y, d)))


# --- local metric frame ------------------------------------------------------------------------

EARTH_RADIUS_M = 6371008.8  # the IUGG mean radius: the one Earth radius of every spherical formula here
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points in degrees (WGS-84, spherical)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class LocalMetric:
    """Equirectangular metres around a reference latitude: x = R·Δlon·cos φ₀, y = R·Δlat.

    Good to ~0.3 % over a city (±0.15° of latitude) and close to equal-area there, which is all the
    router's snapping tolerance and the boundary checks' area shares need; no pyproj required.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.kx = M_PER_DEG * math.cos(math.radians(lat0))
        self.ky = M_PER_DEG

    @classmethod
    def around(cls, geometry: shapely.Geometry) -> LocalMetric:
        minx, miny, maxx, maxy = shapely.bounds(geometry)
        return cls((minx + maxx) / 2.0, (miny + maxy) / 2.0)

    def forward_xy(self, lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
        return (_as_float_array(lon) - self.lon0) * self.kx, (_as_float_array(lat) - self.lat0) * self.ky

    def forward(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """Geometry (lon/lat degrees) to local metres."""
        offset = np.array([self.lon0, self.lat0])
        scale = np.array([self.kx, self.ky])
        return shapely.transform(geometry, lambda c: (c - offset) * scale)

    def inverse(self, geometry: shapely.Geometry) -> shapely.Geometry:
        offset = np.array([self.lon0, self.lat0])
        scale = np.array([self.kx, self.ky])
        return shapely.transform(geometry, lambda c: c / scale + offset)


def area_m2(geometry: shapely.Geometry) -> float:
    """Approximate area in m² (local equirectangular frame at the geometry's middle latitude)."""
    if geometry is None or shapely.is_empty(geometry):
        return 0.0
    metric = LocalMetric.around(geometry)
    return float(shapely.area(geometry)) * metric.kx * metric.ky
