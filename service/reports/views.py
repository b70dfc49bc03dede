"""Phone API for reports (README: interfaces); photo downloads are `service.photos.views`.

- `POST /api/v1/reports`: multipart upload, parsed as a stream (see `service.photos.upload`);
  the work runs in a worker thread (`service.reports.intake`).
- `GET /api/v1/reports/nearby`, `/mine`, `/{id}`.
- `POST /api/v1/console/cases`: a case made by hand at the console (`service.reports.handmade`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from geo.crs import Datum
from service.accounts.deps import require_roles
from service.accounts.models import Role, User
from service.cases.schemas import CasePublic
from service.deps import ClientDep, SessionDep, SettingsDep
from service.errors import DomainError, ErrorResponse
from service.idempotency.service import header_key
from service.params import Latitude, Longitude, RadiusMetres
from service.photos.service import report_photos
from service.photos.store import MediaStoreDep, media_limits
from service.photos.upload import UPLOAD_ERRORS, read_form
from service.reports import handmade
from service.reports import service as reports
from service.reports.form import parse_form, request_hash
from service.reports.intake import Upload, submit_report
from service.reports.schemas import (
    REPORT_UPLOAD_SCHEMA,
    HandMadeCaseRequest,
    NearbyReportPublic,
    ReportPublic,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}

REPORTER_ROLES = (Role.grid_worker, Role.courier, Role.admin)
READER_ROLES = (Role.grid_worker, Role.courier, Role.dispatcher, Role.admin)
NEARBY_DEFAULT, NEARBY_MAX = 20, 100

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERRORS)
console_router = APIRouter(
    prefix="/api/v1/console", tags=["console"], responses={**ERRORS, 409: {"model": ErrorResponse}}
)


def reporter(user: Annotated[User, Depends(require_roles(*REPORTER_ROLES))], session: SessionDep) -> User:
    """A reporter, with the token check's transaction ended: no pooled connection is held while a slow
    phone streams its photos in."""
    session.commit()
    return user


ReporterUser = Annotated[User, Depends(reporter)]
ReaderUser = Annotated[User, Depends(require_roles(*READER_ROLES))]
# The command center, and a street team in its own street (the rule of its whistle).
CaseMaker = Annotated[User, Depends(require_roles(Role.dispatcher, Role.street_team))]
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A retry with the same key and body replays the first answer; kept 30 days.",
}


@router.post(
    "",
    status_code=201,
    response_model=ReportPublic,
    responses=UPLOAD_ERRORS,
    summary="File a report with 1-9 photos (multipart/form-data)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": REPORT_UPLOAD_SCHEMA}},
        },
        "parameters": [
            {
                **IDEMPOTENCY_KEY_PARAMETER,
                "description": "Recommended (the phone sends the report id). A retry with the same key "
                "and body replays the first answer; kept 30 days.",
            }
        ],
    },
)
async def create_report(
    request: Request,
    user: ReporterUser,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
) -> Response:
    key = header_key(request)  # format checked before the body is read
    parts = await read_form(request, limits=media_limits(settings.media))
    try:
        form = parse_form(parts.fields)
        upload = Upload(
            user=user,
            form=form,
            photos=parts.photos,
            key=key if key is not None else str(form.id),
            request_hash=request_hash(form, [p.sha256 for p in parts.photos]),
        )
        answer = await run_in_threadpool(
            lambda: submit_report(session=session, store=store, settings=settings, upload=upload)
        )
    finally:
        parts.close()
    headers = {"Location": f"/api/v1/reports/{form.id}"}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.get("/nearby", response_model=list[NearbyReportPublic], summary="Open reports of a category nearby")
def nearby(
    user: ReaderUser,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    lon: Longitude,
    lat: Latitude,
    category: Annotated[str, Query(min_length=1, max_length=16)],
    radius_m: RadiusMetres = 100.0,
    datum: Datum = Datum.WGS84,
    # Small by nature (open reports within 1 km, nearest first; the phone shows a few): no cursor.
    limit: Annotated[int, Query(ge=1, le=NEARBY_MAX)] = NEARBY_DEFAULT,
) -> list[NearbyReportPublic]:
    if radius_m > settings.reports.nearby_max_radius_m:
        raise DomainError(f"radius_m may be at most {settings.reports.nearby_max_radius_m:g}")
    items = reports.list_nearby(
        session=session,
        lon=lon,
        lat=lat,
        datum=datum,
        category=category,
        radius_m=radius_m,
        open_days=settings.reports.nearby_open_days,
        limit=limit,
    )
    return [reports.nearby_public(item, store) for item in items]


@router.get("/mine", response_model=list[ReportPublic], summary="My reports, newest first")
def mine(
    user: ReaderUser,
    session: SessionDep,
    store: MediaStoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[datetime | None, Query(description="created_at of the last report seen")] = None,
) -> list[ReportPublic]:
    rows = reports.list_mine(session=session, user=user, limit=limit, before=before)
    ids = [r.id for r in rows]
    photos = report_photos(session=session, report_ids=ids)
    statuses = reports.report_statuses(session=session, report_ids=ids)
    return [reports.report_public(r, photos.get(r.id, []), store, status=statuses[r.id]) for r in rows]


@router.get("/{report_id}", response_model=ReportPublic, summary="One report (own; command center: any)")
def get_report(
    report_id: uuid.UUID, user: ReaderUser, session: SessionDep, store: MediaStoreDep
) -> ReportPublic:
    report = reports.get_report(session=session, report_id=report_id, user=user)
    photos = report_photos(session=session, report_ids=[report.id])
    status = reports.report_statuses(session=session, report_ids=[report.id])[report.id]
    return reports.report_public(report, photos.get(report.id, []), store, status=status)


@console_router.post(
    "/cases",
    status_code=201,
    response_model=CasePublic,
    summary="Make a case by hand (手工建案): a 12345 call, a referral, the street's inspection",
    openapi_extra={"parameters": [IDEMPOTENCY_KEY_PARAMETER]},
)
def make_case(
    request: Request,
    body: HandMadeCaseRequest,
    user: CaseMaker,
    session: SessionDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Response:
    key = header_key(request)
    made = handmade.make_case(
        session=session, settings=settings, user=user, body=body, key=key, client=client
    )
    headers = {"Location": f"/api/v1/console/cases/{made.case_id}"}
    if made.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(made.body, status_code=made.status_code, headers=headers)
