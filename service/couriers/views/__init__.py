"""HTTP routers of the couriers domain (thin: parse, check the role, call the service, shape the answer).

The routers, in the order the application includes them, and where each lives:

- ``companies_router`` (/api/v1/companies): companies, branches, outlets, the points CSV — ``companies``
- ``riders_router`` (/api/v1/riders): registration, hiring, grids, pairing candidates — ``riders``
- ``pairings_router`` (/api/v1/pairings): 1+N pairing of riders with grid workers — ``riders``
- ``passes_router`` (/api/v1/passes): community passes, issued and revoked — ``passes``
- ``gate_router`` (/api/v1/gate): the public gate list of valid passes — ``passes``
- ``programs_router`` (/api/v1/programs): activities and projects, joining, confirming — ``programs``
- ``items_router`` (/api/v1/redemption-items): items offered for points — ``points``
- ``redemptions_router`` (/api/v1/redemptions): spending points — ``points``
- ``points_router`` (/api/v1/points): balances and ledgers, settlement — ``points``
- ``stats_router`` (/api/v1/couriers): riders, hires, pairs, passes by group — ``companies``

Shared pieces: ``common`` (role dependencies, documented errors, load-or-404/403 dependencies) and
``presenters`` (rows shaped into the ``schemas`` models).
"""

from __future__ import annotations

from fastapi import APIRouter

from service.couriers.views.companies import companies_router, stats_router
from service.couriers.views.passes import gate_router, passes_router
from service.couriers.views.points import items_router, points_router, redemptions_router
from service.couriers.views.programs import programs_router
from service.couriers.views.riders import pairings_router, riders_router

COURIERS_ROUTERS: tuple[APIRouter, ...] = (
    companies_router,
    riders_router,
    pairings_router,
    passes_router,
    gate_router,
    programs_router,
    items_router,
    redemptions_router,
    points_router,
    stats_router,
)

__all__ = ["COURIERS_ROUTERS"]
