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

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "Area",
    "Assignment",
    "BatchRoutes",
    "Division",
    "GridRecord",
    "Hits",
    "PolygonIndex",
    "RouteStatus",
    "Router",
]
