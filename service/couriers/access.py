"""Who may act for a community (社区工作人员).

Decision: the command center (dispatcher) and admins act for every community; a grid worker acts for
the communities of the grids assigned to them (责任网格: a grid code starts with its community's code).
Riders act only for themselves.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.db import refs
from service.errors import Forbidden, NotFound

CITY_WIDE = frozenset({Role.admin, Role.dispatcher})
STAFF_ROLES = (Role.admin, Role.dispatcher, Role.grid_worker)


def staff_communities(*, session: Session, user: User) -> set[str] | None:
    """The community codes a user acts for; None means every community."""
    if user.role_enum in CITY_WIDE:
        return None
    if user.role_enum is not Role.grid_worker:
        return set()
    ga = refs.grid_assignments.c
    codes = session.scalars(
        select(func.substr(ga.grid_code, 1, 12)).where(ga.user_id == user.id).distinct()
    ).all()
    return set(codes)


def can_act_for(*, session: Session, user: User, community_code: str) -> bool:
    if user.role_enum in CITY_WIDE:
        return True
    if user.role_enum is not Role.grid_worker:
        return False
    ga = refs.grid_assignments.c
    return bool(
        session.scalar(
            select(exists().where(ga.user_id == user.id, func.substr(ga.grid_code, 1, 12) == community_code))
        )
    )


def require_community_staff(*, session: Session, user: User, community_code: str) -> None:
    if not can_act_for(session=session, user=user, community_code=community_code):
        raise Forbidden(
            f"{user.role} {user.username} does not act for community {community_code}",
            details={"community_code": community_code},
        )


def require_current_community(*, session: Session, community_code: str) -> str:
    """The community's name; 404 when no current community has that code."""
    c = refs.communities.c
    name = session.scalar(select(c.name).where(c.code == community_code, c.valid_to.is_(None)))
    if name is None:
        raise NotFound(
            f"community {community_code} does not exist", details={"community_code": community_code}
        )
    return str(name)


def community_names(*, session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    c = refs.communities.c
    rows = session.execute(select(c.code, c.name).where(c.code.in_(codes), c.valid_to.is_(None))).all()
    return {code: name for code, name in rows}


def get_grid_worker(*, session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.role_enum is not Role.grid_worker:
        raise NotFound(f"grid worker {user_id} does not exist")
    return user
