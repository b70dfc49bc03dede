"""Coarsening a position for the public: the centre of the cell of a grid that covers the whole Earth.

The grid is built on latitude and longitude alone, so it is valid for every point (the poles, the
antimeridian, 0/0, any continent) without a projection whose domain a far-away report could leave:

* rows of equal height: 180° divided into `round(180° / (cell_m / M_PER_DEG))` rows, so each row is
  about `cell_m` high and the rows tile −90…90 exactly;
* each row divided into columns about `cell_m` wide at the row's middle latitude:
  `round(360° / (cell_m / (M_PER_DEG · cos φ)))` columns (at least one), tiling −180…180 exactly.

A point's published position is the centre of its cell: never the point, at most half a cell's
diagonal away (about 71 m for 100 m cells, more only in the last rows by the poles, where a row's few
cells are wider). `cell_centre` is the rule in Python; `cell_centre_sql` writes the same arithmetic as
a SQL expression, and the public interfaces use it (the tests compare the two on points all over
the Earth).
"""

from __future__ import annotations

import math

from geo.crs import M_PER_DEG


def _nearest(x: float) -> int:
    """Rounding half up, as the SQL form rounds (Python's round() goes to even)."""
    return math.floor(x + 0.5)


def rows(cell_m: float) -> int:
    """How many rows of about `cell_m` tile the latitudes from −90° to 90°."""
    return max(1, _nearest(180.0 / (cell_m / M_PER_DEG)))


def cell_centre(lon: float, lat: float, cell_m: float) -> tuple[float, float]:
    """The centre (lon, lat) of the cell holding the WGS-84 point, for cells about `cell_m` wide."""
    if not (math.isfinite(lon) and math.isfinite(lat)) or cell_m <= 0:
        raise ValueError("a finite position and a positive cell size")
    n_rows = rows(cell_m)
    height = 180.0 / n_rows
    row = min(max(math.floor((lat + 90.0) / height), 0), n_rows - 1)
    centre_lat = -90.0 + (row + 0.5) * height
    n_cols = max(1, _nearest(360.0 / (cell_m / (M_PER_DEG * math.cos(math.radians(centre_lat))))))
    width = 360.0 / n_cols
    col = min(max(math.floor((lon + 180.0) / width), 0), n_cols - 1)
    return -180.0 + (col + 0.5) * width, centre_lat


def cell_centre_sql(lon: str, lat: str, cell_m: str) -> tuple[str, str]:
    """SQL expressions (double precision) of `cell_centre` over the given expressions: (lon, lat)."""
    n_rows = f"greatest(1, floor(180.0 / ({cell_m} / {M_PER_DEG!r}) + 0.5))"
    height = f"(180.0 / {n_rows})"
    row = f"least(greatest(floor(({lat} + 90.0) / {height}), 0), {n_rows} - 1)"
    centre_lat = f"(-90.0 + ({row} + 0.5) * {height})"
    n_cols = f"greatest(1, floor(360.0 / ({cell_m} / ({M_PER_DEG!r} * cos(radians({centre_lat})))) + 0.5))"
    width = f"(360.0 / {n_cols})"
    col = f"least(greatest(floor(({lon} + 180.0) / {width}), 0), {n_cols} - 1)"
    return f"(-180.0 + ({col} + 0.5) * {width})", centre_lat
