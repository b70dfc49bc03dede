"""What every couriers router shares: the role dependencies, the documented error answers, and the
load-or-404/403 helpers.

Roles: riders are ``courier`` accounts; "community staff" are dispatchers and admins (every community)
and grid workers (the communities of their assigned grids), see ``service.couriers.access``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.couriers import access, riders
from service.couriers.models import Rider
from service.deps import require_roles
from service.errors import ErrorResponse

Courier = Annotated[User, Depends(require_roles(Role.courier))]
GridWorker = Annotated[User, Depends(require_roles(Role.grid_worker))]
Staff = Annotated[User, Depends(require_roles(*access.STAFF_ROLES))]
CommandCenter = Annotated[User, Depends(require_roles(Role.admin, Role.dispatcher))]
Admin = Annotated[User, Depends(require_roles(Role.admin))]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)
}


def staff_rider(session: Session, user: User, rider_id: uuid.UUID) -> Rider:
    """A rider a staff member may see: 404 when unknown, 403 outside their communities."""
    rider = riders.get_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=user, community_code=rider.community_code)
    return rider
