"""Photo downloads.

- `GET /api/v1/photos/{id}/original`: the original as uploaded, EXIF and all (evidence): for the
  command center and the units a case was dispatched to; every download is audited.
- `GET /media/public/{key}`: public derivatives (metadata-free JPEGs named by their hash: immutable).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from media.errors import MediaError
from media.hashing import PUBLIC_PREFIX, is_valid_key
from media.sniff import ImageFormat
from service.accounts.deps import require_roles
from service.accounts.models import Role, User
from service.audit import service as audit
from service.deps import ClientDep, SessionDep
from service.errors import ErrorResponse, NotFound
from service.photos import service as photos
from service.photos.store import MediaStoreDep, media_error

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}
ORIGINAL_ROLES = (Role.dispatcher, Role.admin, Role.officer, Role.street_team)
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(prefix="/api/v1/photos", tags=["reports"], responses=ERRORS)
media_router = APIRouter(tags=["reports"])


@router.get(
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
    photo = photos.get_original(session=session, photo_id=photo_id, user=user)
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
