"""Point → grid routing (see :mod:`geo.router.router` for the rules)."""

from geo.router.raster import Hits, PolygonIndex
from geo.router.router import (
    DEFAULT_TOLERANCE_M,
    Area,
    Assignment,
    BatchRoutes,
    Division,
    GridRecord,
    Router,
    RouteStatus,
)
from geo.router.units import LEVEL_RANK, Responsible, UnitArea, UnitRouter

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "LEVEL_RANK",
    "Area",
    "Assignment",
    "BatchRoutes",
    "Division",
    "GridRecord",
    "Hits",
    "PolygonIndex",
    "Responsible",
    "RouteStatus",
    "Router",
    "UnitArea",
    "UnitRouter",
]
