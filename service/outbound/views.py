"""Webhooks over HTTP: admins manage endpoints and read the delivery log (`/api/v1/admin/webhooks`);
a unit's officers and street team read their own unit's endpoints, without secrets
(`/api/v1/department/webhooks`). Thin: parse, call `service.outbound.service`, commit, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status

from service.accounts.deps import AdminUser, require_roles
from service.accounts.models import Role, User
from service.deps import ClientDep, SessionDep
from service.errors import ErrorResponse
from service.outbound import service as outbound
from service.outbound.models import DeliveryStatus, Endpoint
from service.outbound.schemas import (
    DeliveryPagePublic,
    DeliveryPublic,
    EndpointCreate,
    EndpointPagePublic,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
    SecretRotation,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    409: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
}

router = APIRouter(prefix="/api/v1/admin/webhooks", tags=["webhooks"], responses=ERRORS)
unit_router = APIRouter(prefix="/api/v1/department", tags=["webhooks"], responses=ERRORS)

UnitUser = Annotated[User, Depends(require_roles(Role.officer, Role.street_team))]


def _endpoint(endpoint_id: uuid.UUID, session: SessionDep, _admin: AdminUser) -> Endpoint:
    return outbound.get_endpoint(session=session, endpoint_id=endpoint_id)


# For routes without a body or parameters of their own. The others load the endpoint in the route, after
# FastAPI checked the body and the query: a bad one is 422 before an unknown endpoint is 404.
AdminsEndpoint = Annotated[Endpoint, Depends(_endpoint)]


def _with_secret(endpoint: Endpoint, secret: str) -> EndpointWithSecret:
    return EndpointWithSecret(**EndpointPublic.model_validate(endpoint).model_dump(), secret=secret)


@router.post(
    "", response_model=EndpointWithSecret, status_code=status.HTTP_201_CREATED,
    summary="Register a unit's webhook (the secret is answered this once)",
)  # fmt: skip
def create_endpoint(
    body: EndpointCreate, session: SessionDep, admin: AdminUser, client: ClientDep
) -> EndpointWithSecret:
    endpoint, secret = outbound.create_endpoint(
        session=session, by=admin, client=client, **body.model_dump(exclude={"events"}),
        events=[e.value for e in body.events],
    )  # fmt: skip
    session.commit()
    return _with_secret(endpoint, secret)


@router.get("", response_model=EndpointPagePublic, summary="Webhooks, newest first")
def list_endpoints(
    session: SessionDep,
    _admin: AdminUser,
    unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    before_id: Annotated[uuid.UUID | None, Query(description="The last id of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EndpointPagePublic:
    rows = outbound.list_endpoints(
        session=session, unit_id=unit_id, active=active, before_id=before_id, limit=limit
    )
    return EndpointPagePublic(
        items=[EndpointPublic.model_validate(e) for e in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/{endpoint_id}", response_model=EndpointPublic, summary="One webhook (without its secret)")
def get_endpoint(endpoint: AdminsEndpoint) -> EndpointPublic:
    return EndpointPublic.model_validate(endpoint)


@router.patch(
    "/{endpoint_id}", response_model=EndpointPublic, summary="Change a webhook's URL, events, state"
)
def update_endpoint(
    endpoint_id: uuid.UUID, body: EndpointUpdate, session: SessionDep, admin: AdminUser, client: ClientDep
) -> EndpointPublic:
    endpoint = outbound.get_endpoint(session=session, endpoint_id=endpoint_id)
    outbound.update_endpoint(
        session=session, endpoint=endpoint, by=admin, client=client, url=body.url,
        events=[e.value for e in body.events] if body.events is not None else None,
        description=body.description, active=body.active,
    )  # fmt: skip
    session.commit()
    return EndpointPublic.model_validate(endpoint)


@router.post(
    "/{endpoint_id}/disable", response_model=EndpointPublic,
    summary="Stop sending (its pending deliveries then fail without being sent)",
)  # fmt: skip
def disable_endpoint(
    endpoint: AdminsEndpoint, session: SessionDep, admin: AdminUser, client: ClientDep
) -> EndpointPublic:
    outbound.update_endpoint(
        session=session, endpoint=endpoint, by=admin, client=client, active=False, action="disabled"
    )
    session.commit()
    return EndpointPublic.model_validate(endpoint)


@router.post(
    "/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret,
    summary="A new signing secret (answered this once); later deliveries are signed with it",
)  # fmt: skip
def rotate_secret(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    admin: AdminUser,
    client: ClientDep,
    body: SecretRotation | None = None,
) -> EndpointWithSecret:
    endpoint = outbound.get_endpoint(session=session, endpoint_id=endpoint_id)
    secret = outbound.rotate_secret(
        session=session, endpoint=endpoint, by=admin, client=client, secret=body.secret if body else None
    )
    session.commit()
    return _with_secret(endpoint, secret)


@router.get(
    "/{endpoint_id}/deliveries", response_model=DeliveryPagePublic, summary="The delivery log, newest first"
)
def list_deliveries(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    _admin: AdminUser,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeliveryPagePublic:
    endpoint = outbound.get_endpoint(session=session, endpoint_id=endpoint_id)
    rows = outbound.list_deliveries(
        session=session, endpoint_id=endpoint.id, status=status_, before_id=before_id, limit=limit
    )
    return DeliveryPagePublic(
        items=[DeliveryPublic.model_validate(d) for d in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry", response_model=DeliveryPublic,
    summary="Send a failed delivery again (due now, with a fresh run of retries)",
)  # fmt: skip
def retry_delivery(
    endpoint_id: uuid.UUID,
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    session: SessionDep,
    admin: AdminUser,
    client: ClientDep,
) -> DeliveryPublic:
    endpoint = outbound.get_endpoint(session=session, endpoint_id=endpoint_id)
    delivery = outbound.retry_delivery(
        session=session, endpoint=endpoint, delivery_id=delivery_id, by=admin, client=client
    )
    session.commit()
    return DeliveryPublic.model_validate(delivery)


@unit_router.get(
    "/webhooks", response_model=list[EndpointPublic], summary="My unit's webhooks (without their secrets)"
)
def my_unit_endpoints(
    session: SessionDep,
    user: UnitUser,
    # Small by nature (a unit registers one or two): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> list[EndpointPublic]:
    if user.unit_id is None:
        return []
    rows = outbound.list_endpoints(session=session, unit_id=user.unit_id, limit=limit)
    return [EndpointPublic.model_validate(e) for e in rows]
