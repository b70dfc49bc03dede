"""Phone API for reports (notes/api-contract.md) and photo downloads.

- `POST /api/v1/reports`: multipart upload, parsed as a stream (see `service.reports.multipart`);
  the work runs in a worker thread (`service.reports.intake`).
- `GET /api/v1/reports/nearby`, `/mine`, `/{id}`.
- `GET /api/v1/photos/{id}/original`: the evidence, for the command center and the units a case was
  dispatched to; every download is audited.
- `GET /media/public/{key}`: public derivatives (metadata-free JPEGs named by their hash: immutable).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from geo.crs import Datum
from media.errors import MediaError
from media.hashing import PUBLIC_PREFIX, is_valid_key
from media.sniff import ImageFormat
from service.accounts.models import Role, User
from service.audit import service as audit
from service.deps import ClientDep, SessionDep, SettingsDep, require_roles
from service.errors import DomainError, ErrorResponse, NotFound
from service.media_store import MediaStoreDep, media_error, media_limits
from service.reports import service as reports
from service.reports.form import parse_form, request_hash
from service.reports.idempotency import BadIdempotencyKey, parse_key
from service.reports.intake import Upload, submit_report
from service.reports.multipart import read_report_parts
from service.reports.schemas import REPORT_UPLOAD_SCHEMA, NearbyReportPublic, ReportPublic

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "malformed multipart body or Idempotency-Key"},
    409: {"model": ErrorResponse, "description": "the same Idempotency-Key is still being processed"},
    413: {"model": ErrorResponse, "description": "a photo or the whole body is over the size limit"},
    415: {"model": ErrorResponse, "description": "a file is not JPEG, HEIC/HEIF, PNG or WebP"},
    422: {
        "model": ErrorResponse,
        "description": "invalid field, photo count, broken image or bomb, no position, key reused",
    },
    503: {"model": ErrorResponse, "description": "database or photo store unavailable (Retry-After)"},
    507: {"model": ErrorResponse, "description": "the photo store is full"},
}

REPORTER_ROLES = (Role.grid_worker, Role.courier, Role.admin)
READER_ROLES = (Role.grid_worker, Role.courier, Role.dispatcher, Role.admin)
ORIGINAL_ROLES = (Role.dispatcher, Role.admin, Role.officer, Role.street_team)
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERRORS)
photos_router = APIRouter(prefix="/api/v1/photos", tags=["reports"], responses=ERRORS)
media_router = APIRouter(tags=["reports"])


def reporter(user: Annotated[User, Depends(require_roles(*REPORTER_ROLES))], session: SessionDep) -> User:
    """A reporter, with the token check's transaction ended: no pooled connection is held while a slow
    phone streams its photos in."""
    session.commit()
    return user


ReporterUser = Annotated[User, Depends(reporter)]
ReaderUser = Annotated[User, Depends(require_roles(*READER_ROLES))]


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
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
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
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1:
        raise BadIdempotencyKey("send at most one Idempotency-Key header")
    key_header = keys[0] if keys else None
    if key_header is not None:
        parse_key(key_header, default=uuid.UUID(int=0))  # format checked before the body is read
    try:
        parts = await read_report_parts(request, limits=media_limits(settings.media))
    except MediaError as exc:
        raise media_error(exc) from exc
    try:
        form = parse_form(parts.fields)
        upload = Upload(
            user=user,
            form=form,
            photos=parts.photos,
            key=parse_key(key_header, default=form.id),
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
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    category: Annotated[str, Query(min_length=1, max_length=16)],
    radius_m: Annotated[float, Query(gt=0)] = 100.0,
    datum: Datum = Datum.WGS84,
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
    photos = reports.photos_of(session=session, report_ids=ids)
    statuses = reports.report_statuses(session=session, report_ids=ids)
    return [reports.report_public(r, photos.get(r.id, []), store, status=statuses[r.id]) for r in rows]


@router.get("/{report_id}", response_model=ReportPublic, summary="One report (own; command center: any)")
def get_report(
    report_id: uuid.UUID, user: ReaderUser, session: SessionDep, store: MediaStoreDep
) -> ReportPublic:
    report = reports.get_report(session=session, report_id=report_id, user=user)
    photos = reports.photos_of(session=session, report_ids=[report.id])
    status = reports.report_statuses(session=session, report_ids=[report.id])[report.id]
    return reports.report_public(report, photos.get(report.id, []), store, status=status)


@photos_router.get(
    "/{photo_id}/original",
    summary="The original photo as uploaded (evidence: command center and the case's units; audited)",
    response_class=Response,
    responses={200: {"content": {f.mime_type: {} for f in ImageFormat}}},
)
def original(
    photo_id: uuid.UUID,
    user: Annotated[User, Depends(require_roles(*ORIGINAL_ROLES))],
    session: SessionDep,
    client: ClientDep,
    store: MediaStoreDep,
) -> Response:
    photo = reports.get_original(session=session, photo_id=photo_id, user=user)
    try:
        data = store.get(photo.original_key)
    except MediaError as exc:
        raise media_error(exc) from exc
    audit.record(
        session=session,
        action="photo_original_viewed",
        actor_id=user.id,
        actor_username=user.username,
        subject_type="photo",
        subject_id=str(photo.id),
        client=client,
        detail={"report_id": str(photo.report_id) if photo.report_id else None, "sha256": photo.sha256},
    )
    session.commit()
    fmt = ImageFormat(photo.format) if photo.format else ImageFormat.JPEG
    return Response(
        data,
        media_type=fmt.mime_type,
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'inline; filename="{photo.sha256}.{fmt.extension}"',
        },
    )


@media_router.get(
    "/media/public/{rest:path}",
    summary="A public derivative (metadata-free JPEG, named by its SHA-256)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"model": ErrorResponse}},
)
def public_media(rest: str, store: MediaStoreDep) -> Response:
    key = PUBLIC_PREFIX + rest
    if not is_valid_key(key):
        raise NotFound("no such photo")
    try:
        data = store.get(key)
    except MediaError as exc:
        if exc.http_status == 404:
            raise NotFound("no such photo") from None
        raise media_error(exc) from exc
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": IMMUTABLE, "ETag": f'"{rest.rsplit("/", 1)[-1].split(".")[0]}"'},
    )
