"""Request and response models for login, tokens and user administration."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from service.accounts.models import Role
from service.schemas import StrictBody, UtcDatetime, UtcJson


class LoginRequest(StrictBody):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device: str = Field("", max_length=100, description="A label for the device, shown in the token list.")


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    unit_id: uuid.UUID | None
    office_id: uuid.UUID | None = Field(None, description="A supervisor's supervising office (督办单位).")
    division_code: str | None = None  # a district's or a street's command staff; None: the city's
    is_active: bool


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: UtcDatetime
    user: UserPublic


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    device_label: str
    created_at: UtcDatetime
    expires_at: UtcDatetime
    revoked_at: UtcDatetime | None


class UserCreate(StrictBody):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role
    display_name: str = Field("", max_length=100)
    phone: str | None = Field(None, max_length=32)
    unit_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = Field(
        None, description="Required for a supervisor (督办单位账号): the active office it reads for."
    )
    division_code: str | None = Field(
        None, pattern=r"^[0-9]{6}([0-9]{6})?$",
        description="Dispatchers only: the district (6 digits) or street (12 digits) they command; "
        "none: the city.",
    )  # fmt: skip


class RevokedCount(BaseModel):
    revoked: int


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDatetime
    actor_id: uuid.UUID | None
    actor_username: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    ip: str | None
    detail: UtcJson
