"""Login, logout, my tokens; user administration for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from service.accounts import service as accounts
from service.accounts.deps import AdminUser, CurrentUser
from service.accounts.models import Role
from service.accounts.schemas import (
    AuditEventPublic,
    LoginRequest,
    LoginResponse,
    RevokedCount,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from service.audit import service as audit
from service.deps import ClientDep, SessionDep, SettingsDep
from service.errors import ErrorResponse
from service.paging import Page
from service.params import BeforeId

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERRORS)
admin_router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=ERRORS)


@auth_router.post("/login", response_model=LoginResponse, responses={429: {"model": ErrorResponse}})
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep, client: ClientDep) -> LoginResponse:
    issued = accounts.login(
        session=session,
        username=body.username,
        password=body.password,
        settings=settings.security,
        device_label=body.device,
        client=client,
    )
    return LoginResponse(
        access_token=issued.token,
        expires_at=issued.record.expires_at,
        user=UserPublic.model_validate(issued.user),
    )


@auth_router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, user: CurrentUser, session: SessionDep) -> None:
    accounts.revoke_token(session=session, user=user, token_id=request.state.token_id, by=user)


@auth_router.get("/tokens", response_model=list[TokenPublic])
def my_tokens(user: CurrentUser, session: SessionDep, page: Page) -> list[TokenPublic]:
    """My tokens, newest first (paged: `limit`, `cursor`)."""
    rows = accounts.list_tokens(
        session=session, user=user, after=page.after(datetime, uuid.UUID), limit=page.fetch
    )
    return [TokenPublic.model_validate(t) for t in page.cut(rows, key=lambda t: (t.created_at, t.id))]


@auth_router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_my_token(token_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> TokenPublic:
    return TokenPublic.model_validate(
        accounts.revoke_token(session=session, user=user, token_id=token_id, by=user)
    )


@auth_router.post("/tokens/revoke-all", response_model=RevokedCount)
def revoke_all_my_tokens(user: CurrentUser, session: SessionDep) -> RevokedCount:
    return RevokedCount(revoked=accounts.revoke_all_tokens(session=session, user=user, by=user))


@admin_router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> UserPublic:
    user = accounts.create_user(session=session, **body.model_dump())
    audit.record(
        session=session,
        action="user_created",
        actor_id=admin.id,
        actor_username=admin.username,
        subject_type="user",
        subject_id=user.username,
        detail={"role": user.role},
    )
    session.commit()
    return UserPublic.model_validate(user)


@admin_router.get("/users", response_model=list[UserPublic])
def list_users(
    admin: AdminUser, session: SessionDep, page: Page, role: Role | None = None
) -> list[UserPublic]:
    """Users by username (paged: `limit`, `cursor`)."""
    rows = accounts.list_users(session=session, role=role, after=page.after_value(str), limit=page.fetch)
    return [UserPublic.model_validate(u) for u in page.cut(rows, key=lambda u: (u.username,))]


@admin_router.post("/users/{user_id}/revoke-tokens", response_model=RevokedCount)
def revoke_user_tokens(user_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> RevokedCount:
    """A lost phone: every token of the user stops working on the next request."""
    user = accounts.get_user(session=session, user_id=user_id)
    return RevokedCount(revoked=accounts.revoke_all_tokens(session=session, user=user, by=admin))


@admin_router.get("/audit", response_model=list[AuditEventPublic])
def audit_log(
    admin: AdminUser,
    session: SessionDep,
    action: str | None = None,
    before_id: BeforeId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventPublic]:
    """Newest first; pages by `before_id` (the smallest id seen), its own way since before the cursors."""
    events = audit.list_events(session=session, action=action, before_id=before_id, limit=limit)
    return [AuditEventPublic.model_validate(e) for e in events]
