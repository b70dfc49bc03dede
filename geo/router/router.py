"""The spatial router: a point → grid, community, street, district, with a trace.

Rules (the PostGIS reference gives the same answers):

a. A point covered by one grid (inside or on its boundary) → that grid, status ``routed``.
b. A point covered by several grids (on a shared edge or vertex) → the grid with the smallest code,
   status ``routed``. SQL: ``WHERE ST_Covers(outline, pt) ORDER BY code LIMIT 1``.
c. A point covered by no grid but within ``tolerance_m`` (default 50 m) of one → the nearest grid
   (ties: smallest code), status ``snapped``, with the distance.
d. Otherwise ``unrouted``: the grid is None, but the optional coarser layers (communities, streets,
   districts) still place the point, so a report in the river (no grid, far from the banks) still
   reports its district and street. Coarse layers do not snap.

A routed or snapped point takes community, street and district from its grid's record; the coarse
layers are consulted only when no grid answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import Datum, to_wgs84, to_wgs84_array
from geo.router.raster import PolygonIndex

DEFAULT_TOLERANCE_M = 50.0


class RouteStatus(StrEnum):
    ROUTED = "routed"
    SNAPPED = "snapped"
    UNROUTED = "unrouted"


@dataclass(frozen=True, slots=True)
class Division:
    """A code and a name: what an assignment reports for each level."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Area:
    """A coarse-layer outline (district, street or community), WGS-84."""

    code: str
    name: str
    geometry: shapely.Geometry


@dataclass(frozen=True, slots=True)
class GridRecord:
    """One unit grid with its parents, as the router needs it."""

    code: str
    name: str
    geometry: shapely.Geometry
    community: Division
    street: Division
    district: Division


@dataclass(frozen=True, slots=True)
class Assignment:
    status: RouteStatus
    lon: float  # WGS-84 used for routing
    lat: float
    grid: Division | None
    community: Division | None
    street: Division | None
    district: Division | None
    grid_index: int  # position in the router's grid sequence, -1 when none
    distance_m: float | None  # 0 when covered, the gap when snapped, None when unrouted
    trace: tuple[str, ...]


class BatchRoutes(NamedTuple):
    """Batch answer: grid positions in the router's sequence (-1 unrouted), snapped flags, metres."""

    grid: npt.NDArray[np.int64]
    snapped: npt.NDArray[np.bool_]
    distance_m: npt.NDArray[np.float64]


class Router:
    """In-process index of grid outlines; rebuild it (cheap) when boundaries change."""

    def __init__(
        self,
        grids: Sequence[GridRecord],
        *,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        communities: Sequence[Area] = (),
        streets: Sequence[Area] = (),
        districts: Sequence[Area] = (),
        max_cells: int = 2_000_000,
    ) -> None:
        self.grids = list(grids)
        self.tolerance_m = tolerance_m
        self._grid_divisions = [Division(g.code, g.name) for g in self.grids]
        self._index = PolygonIndex(
            [g.geometry for g in self.grids],
            [g.code for g in self.grids],
            tolerance_m=tolerance_m,
            max_cells=max_cells,
        )
        self._layers: dict[str, tuple[PolygonIndex, list[Division]]] = {}
        for level, areas in (("community", communities), ("street", streets), ("district", districts)):
            if areas:
                self._layers[level] = (
                    PolygonIndex([a.geometry for a in areas], [a.code for a in areas], max_cells=max_cells),
                    [Division(a.code, a.name) for a in areas],
                )

    @property
    def stats(self) -> dict[str, float]:
        """Raster figures of the grid index (cells, cell size in metres, cell classes)."""
        return dict(self._index.stats)

    def direct_share(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> float:
        """Share of WGS-84 points the grid raster answers without an exact geometric test."""
        return self._index.direct_share(lons, lats)

    def route_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, datum: Datum | str = Datum.WGS84
    ) -> BatchRoutes:
        """Vectorised grid lookup: grid positions (-1 unrouted), snapped flags, distances (m)."""
        x, y = to_wgs84_array(lons, lats, datum)
        return BatchRoutes(*self._index.lookup_many(x, y))

    def route(self, lon: float, lat: float, datum: Datum | str = Datum.WGS84) -> Assignment:
        """Route one point and explain why."""
        trace: list[str] = []
        if datum == "wgs84" or datum == "cgcs2000":
            x, y = float(lon), float(lat)
        else:
            d = Datum(datum)
            x, y = to_wgs84(lon, lat, d)
            trace.append(f"converted {d.value} ({lon:.6f}, {lat:.6f}) to WGS-84 ({x:.6f}, {y:.6f})")
        if not (math.isfinite(x) and math.isfinite(y)):
            trace.append("coordinates are not finite numbers")
            return Assignment(RouteStatus.UNROUTED, x, y, None, None, None, None, -1, None, tuple(trace))
        k, snapped, dist, covering = self._index.lookup(x, y)
        if k >= 0:
            g = self.grids[k]
            if snapped:
                status = RouteStatus.SNAPPED
                trace.append(
                    f"in no grid; nearest grid {g.code} is {dist:.1f} m away "
                    f"(tolerance {self.tolerance_m:g} m): snapped"
                )
            else:
                status = RouteStatus.ROUTED
                trace.append(f"inside grid {g.code} {g.name}")
                if covering > 1:
                    trace.append(f"on a boundary shared by {covering} grids: the smallest code wins")
            trace.append(
                f"parents from the grid: community {g.community.code}, street {g.street.code}, "
                f"district {g.district.code}"
            )
            grid = self._grid_divisions[k]
            return Assignment(status, x, y, grid, g.community, g.street, g.district, k, dist, tuple(trace))
        trace.append(f"in no grid and no grid within {self.tolerance_m:g} m: unrouted")
        found: dict[str, Division | None] = {}
        for level in ("community", "street", "district"):
            layer = self._layers.get(level)
            if layer is None:
                found[level] = None
                continue
            j = layer[0].lookup(x, y)[0]
            div = layer[1][j] if j >= 0 else None
            found[level] = div
            trace.append(f"{level} {div.code} {div.name} from its outline" if div else f"in no {level}")
        return Assignment(
            RouteStatus.UNROUTED,
            x,
            y,
            None,
            found["community"],
            found["street"],
            found["district"],
            -1,
            None,
            tuple(trace),
        )
