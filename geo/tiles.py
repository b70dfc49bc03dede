"""Web-mercator tile arithmetic (XYZ scheme, as ST_TileEnvelope and every web map use it)."""

from __future__ import annotations

import math

HALF_WORLD_M = 20037508.342789244
MAX_ZOOM = 24


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile (x, y) at zoom ``z`` holding a WGS-84 point."""
    n = 2**z
    lat = max(min(lat, 85.05112878), -85.05112878)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a tile in EPSG:3857 metres."""
    size = 2 * HALF_WORLD_M / 2**z
    minx = -HALF_WORLD_M + x * size
    maxy = HALF_WORLD_M - y * size
    return minx, maxy - size, minx + size, maxy


def highest_latitude(z: int, x: int, y: int) -> float:
    """The largest |latitude| (degrees) a tile reaches."""
    _minx, miny, _maxx, maxy = tile_bounds_3857(z, x, y)
    return max(abs(math.degrees(math.atan(math.sinh(v / 6378137.0)))) for v in (miny, maxy))


def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def tile_pixel_to_3857(
    z: int, x: int, y: int, px: float, py: float, extent: int = 4096
) -> tuple[float, float]:
    """A decoded MVT coordinate (origin bottom-left, y up, as mapbox_vector_tile returns it) to 3857."""
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    return minx + px / extent * (maxx - minx), miny + py / extent * (maxy - miny)
