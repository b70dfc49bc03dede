"""The geography domain's public Python API for the other domains.

* :func:`route` — a point (any datum) → :class:`Routing`: status, district/street/community/grid, units,
  trace (``Routing.as_json()`` is what ``/api/v1/route`` answers and reports keep); :func:`category_rule`
  reads what routing needs of a category, once.
* :func:`reference_route` — the PostGIS answer to the same question (tests, bench).
* Reading: :func:`list_categories`, :func:`list_divisions`, :func:`get_division`, :func:`list_units`;
  :func:`distance_to_city_m` (how far a point outside the city is from its districts).
* Writing (one caller transaction each, see :mod:`service.geography.imports`): :func:`import_boundaries`,
  :func:`upsert_units`, :func:`upsert_categories`, :func:`assign_grids` (责任网格).
"""

from __future__ import annotations

from service.geography.imports import assign_grids, import_boundaries, upsert_categories, upsert_units
from service.geography.queries import (
    distance_to_city_m,
    get_division,
    list_categories,
    list_divisions,
    list_units,
)
from service.geography.reference import ReferenceAnswer, reference_route, reference_route_many
from service.geography.routing import (
    ROUTERS,
    CategoryRule,
    DivisionRef,
    RoutedUnit,
    Routing,
    category_rule,
    current_revision,
    record_revision,
    route,
)

__all__ = [
    "ROUTERS",
    "CategoryRule",
    "DivisionRef",
    "ReferenceAnswer",
    "RoutedUnit",
    "Routing",
    "assign_grids",
    "category_rule",
    "current_revision",
    "distance_to_city_m",
    "get_division",
    "import_boundaries",
    "list_categories",
    "list_divisions",
    "list_units",
    "record_revision",
    "reference_route",
    "reference_route_many",
    "route",
    "upsert_categories",
    "upsert_units",
]
