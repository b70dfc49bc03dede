"""Who is asking: the bearer token's user, anonymous callers of public endpoints, and role checks.

`require_roles(...)` answers 403 (and writes the denial to the audit log) for every other role; the
permission-matrix test reads the admitted roles from the dependency's `allowed_roles`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.audit import service as audit
from service.deps import ClientDep, SessionDep, SettingsDep
from service.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="The opaque token returned by POST /api/v1/auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_current_user(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: Credentials
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("this endpoint needs a bearer token (POST /api/v1/auth/login)")
    user, token = accounts.resolve_token(
        session=session, token=credentials.credentials, settings=settings.security
    )
    request.state.token_id = token.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_optional_user(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: Credentials
) -> User | None:
    """The user when a valid token is sent, None for anonymous callers (public endpoints)."""
    if credentials is None:
        return None
    return get_current_user(request, session, settings, credentials)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def require_roles(*roles: Role) -> Callable[..., User]:
    """A dependency that lets only the given roles through; a denial is answered 403 and audited."""
    allowed = frozenset(roles)

    def check(request: Request, user: CurrentUser, session: SessionDep, client: ClientDep) -> User:
        if user.role_enum not in allowed:
            audit.record(
                session=session,
                action="denied",
                actor_id=user.id,
                actor_username=user.username,
                subject_type="endpoint",
                subject_id=f"{request.method} {request.url.path}"[:128],
                client=client,
                detail={"role": user.role, "allowed": sorted(r.value for r in allowed)},
            )
            session.commit()
            raise Forbidden(
                f"role {user.role} may not do this; allowed: {', '.join(sorted(r.value for r in allowed))}"
            )
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the permission-matrix test
    return check


AdminUser = Annotated[User, Depends(require_roles(Role.admin))]

# Every role that works in the platform. A supervising office's account (督办单位) reads its own cases
# (`/api/v1/supervision`) and its own account (`/api/v1/auth`), nothing else: the routes open to any
# signed-in user take `Member` instead of `CurrentUser`.
MEMBER_ROLES = tuple(role for role in Role if role is not Role.supervisor)
Member = Annotated[User, Depends(require_roles(*MEMBER_ROLES))]
