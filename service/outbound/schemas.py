"""Request and response models of the webhook administration and the delivery log."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.outbound.models import DeliveryStatus
from service.outbound.service import EventType
from service.schemas import UtcDatetime

_EVENTS = len(EventType)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EndpointCreate(_Request):
    unit_id: uuid.UUID
    url: str = Field(min_length=1, max_length=2000, description="http:// or https:// (no credentials).")
    events: list[EventType] = Field(
        default_factory=lambda: list(EventType),
        min_length=1,
        max_length=_EVENTS,
        description="What to send; default every event.",
    )
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=200,
        description="The signing secret (16–200 visible ASCII characters); omitted: one is generated. "
        "Either way it is answered this once.",
    )
    description: str = Field("", max_length=200)
    active: bool = True


class EndpointUpdate(_Request):
    url: str | None = Field(None, min_length=1, max_length=2000)
    events: list[EventType] | None = Field(None, min_length=1, max_length=_EVENTS)
    description: str | None = Field(None, max_length=200)
    active: bool | None = None


class SecretRotation(_Request):
    secret: str | None = Field(
        None, min_length=16, max_length=200, description="The new secret; omitted: one is generated."
    )


class EndpointPublic(_ORM):
    """An endpoint as listed: never its secret."""

    id: uuid.UUID
    unit_id: uuid.UUID
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class EndpointWithSecret(EndpointPublic):
    """On creation and rotation only: the secret to configure in the receiver (shown this once)."""

    secret: str


class EndpointPagePublic(BaseModel):
    items: list[EndpointPublic]
    next_before_id: uuid.UUID | None = Field(
        description="Pass as `before_id` for the next page; null at the end."
    )


class DeliveryPublic(_ORM):
    id: int = Field(description="Sent as `X-Whistle-Delivery`.")
    endpoint_id: uuid.UUID
    event: str
    idempotency_key: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: UtcDatetime | None
    created_at: UtcDatetime
    last_attempt_at: UtcDatetime | None
    last_status: int | None = Field(description="The receiver's HTTP status at the last attempt.")
    last_error: str | None
    delivered_at: UtcDatetime | None
    payload: dict[str, Any]


class DeliveryPagePublic(BaseModel):
    items: list[DeliveryPublic]
    next_before_id: int | None = Field(
        description="Pass as `before_id` for older deliveries; null at the end."
    )
