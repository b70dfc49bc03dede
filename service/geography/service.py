"""The geography domain's public Python API for the other domains.

* :func:`route` — a point (any datum) → status, district/street/community/grid, units, trace, as the
  pydantic :class:`RoutingPublic` (alias ``RoutingResult``) that ``/api/v1/route`` answers and reports
  embed. ``route_point`` is the same function under the name notes/schema.md uses.
* :func:`reference_route` — the PostGIS answer to the same question (tests, bench).
* Listing and reading divisions, units and categories; imports live in :mod:`service.geography.imports`.
"""

from __future__ import annotations

from service.geography.reference import ReferenceAnswer, reference_route
from service.geography.routing import ROUTERS, current_revision, record_revision, route
from service.geography.schemas import RoutingPublic, RoutingResult

route_point = route

__all__ = [
    "ROUTERS",
    "ReferenceAnswer",
    "RoutingPublic",
    "RoutingResult",
    "current_revision",
    "record_revision",
    "reference_route",
    "route",
    "route_point",
]
