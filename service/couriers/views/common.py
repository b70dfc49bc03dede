"""What every couriers router shares: the role dependencies, the documented error answers, and the
load-or-404/403 dependencies (``StaffRider``; ``current_staff_program``, called by a route that reads
its query first).

Roles: riders are ``courier`` accounts; "community staff" are dispatchers and admins (every community)
and grid workers (the communities of their assigned grids), see ``service.couriers.access``.

The load-or-404/403 dependencies take ``user: Staff`` themselves, so ``require_roles(...)`` stays in
every route's dependency tree (the permission-matrix test reads the admitted roles from it) and the role
check (401/403) runs before the path is validated (422), the row is loaded (404) and the community is
checked (403), in that order.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session

from service.accounts.deps import require_roles
from service.accounts.models import Role, User
from service.couriers import access, programs, riders
from service.couriers.models import Program, Rider
from service.deps import SessionDep
from service.errors import ErrorResponse

Courier = Annotated[User, Depends(require_roles(Role.courier))]
GridWorker = Annotated[User, Depends(require_roles(Role.grid_worker))]
Staff = Annotated[User, Depends(require_roles(*access.STAFF_ROLES))]
CommandCenter = Annotated[User, Depends(require_roles(Role.admin, Role.dispatcher))]
Admin = Annotated[User, Depends(require_roles(Role.admin))]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422)
}


def load_staff_rider(*, session: Session, user: User, rider_id: uuid.UUID) -> Rider:
    """A rider a staff member may see: 404 when unknown, 403 outside their communities."""
    rider = riders.get_rider(session=session, user_id=rider_id)
    access.require_community_staff(session=session, user=user, community_code=rider.community_code)
    return rider


def current_staff_rider(rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Rider:
    """The rider of the path's ``rider_id``, for community staff (see :func:`load_staff_rider`)."""
    return load_staff_rider(session=session, user=user, rider_id=rider_id)


StaffRider = Annotated[Rider, Depends(current_staff_rider)]


def current_staff_program(program_id: uuid.UUID, session: SessionDep, user: Staff) -> Program:
    """The programme of the path's ``program_id``, for staff of its community: 404 when unknown, 403
    outside the staff member's communities."""
    program = programs.get_program(session=session, program_id=program_id)
    access.require_community_staff(session=session, user=user, community_code=program.community_code)
    return program
