"""The departments' API (部门端): a unit's dispatches — report in (报到), submit the result with photos,
ask for more time, send back an item that is not the unit's (退回)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from media.storage import MediaStore
from service.accounts.models import User
from service.cases import service as cases
from service.cases.department import OnSite
from service.cases.models import Dispatch
from service.cases.schemas import (
    CHECK_IN_UPLOAD_SCHEMA,
    RESULT_UPLOAD_SCHEMA,
    CaseDetailPublic,
    CheckInForm,
    DispatchPublic,
    ExtensionRequest,
    ReasonRequest,
    ResultForm,
    multipart_body,
)
from service.cases.states import DispatchState
from service.cases.views.common import ERRORS, MyDispatch, UnitUser
from service.cases.views.presenters import case_detail_public, dispatch_public, supervision_public
from service.deps import ClientDep, SessionDep, SettingsDep
from service.idempotency import service as idempotency
from service.idempotency.service import StoredAnswer, header_key
from service.paging import Page
from service.photos.pipeline import NewPhoto, receive_photos
from service.photos.store import MediaStoreDep, media_limits
from service.photos.upload import UPLOAD_ERRORS, FormParts, parse_fields, read_form
from service.settings import Settings

F = TypeVar("F", bound=BaseModel)
router = APIRouter(prefix="/api/v1/department", tags=["department"], responses=ERRORS)


@router.get("/dispatches", response_model=list[DispatchPublic], summary="My unit's dispatches")
def my_dispatches(
    session: SessionDep,
    user: UnitUser,
    page: Page,
    state: Annotated[list[DispatchState] | None, Query()] = None,
) -> list[DispatchPublic]:
    rows = cases.list_my_dispatches(
        session=session,
        user=user,
        states=state or (),
        limit=page.fetch,
        after=page.after(datetime, uuid.UUID),
    )
    shown = page.cut(rows, key=lambda row: (row[0].handling_deadline, row[0].id))
    return [dispatch_public(d, case_supervision=supervision_public(c)) for d, c in shown]


@router.get("/dispatches/{dispatch_id}", response_model=CaseDetailPublic, summary="One dispatch")
def my_dispatch(mine: MyDispatch, session: SessionDep, store: MediaStoreDep) -> CaseDetailPublic:
    d, case = mine
    detail = case_detail_public(cases.case_detail(session=session, case=case), store)
    # A unit sees its own dispatch and the case's own history, not the other units' work.
    detail.dispatches = [x for x in detail.dispatches if x.id == d.id]
    detail.events = [e for e in detail.events if e.dispatch_id in (None, d.id)]
    detail.dispatch_photos = [p for p in detail.dispatch_photos if p.dispatch_id == d.id]
    detail.verifications = [v for v in detail.verifications if v.dispatch_id == d.id]
    return detail


IDEMPOTENT = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "Recommended from phones: a retry with the same key and body replays the first "
            "answer (`Idempotent-Replayed: true`) and stores nothing twice; kept 30 days.",
        }
    ]
}


@router.post(
    "/dispatches/{dispatch_id}/check-in", response_model=DispatchPublic, responses=UPLOAD_ERRORS,
    summary="报到 on site (multipart: `lon`, `lat`, `accuracy_m` or `position_error`; `note`; `photos` 1-9)",
    openapi_extra=multipart_body(CHECK_IN_UPLOAD_SCHEMA) | IDEMPOTENT,
)  # fmt: skip
async def check_in(
    request: Request,
    mine: MyDispatch,  # checked before the body is read: nothing is stored for a dispatch not ours
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: UnitUser,
    client: ClientDep,
) -> Response:
    def act(form: CheckInForm, photos: list[NewPhoto]) -> Dispatch:
        on_site = OnSite(lon=form.lon, lat=form.lat, accuracy_m=form.accuracy_m, error=form.position_error)
        return cases.check_in(
            session=session, dispatch_id=mine[0].id, user=user, note=form.note, on_site=on_site,
            photos=photos, far_m=settings.cases.check_in_far_m, client=client,
        )  # fmt: skip

    upload = KeyedUpload(request, session, settings, store, user, "check_in", mine[0].id)
    return await upload.run(CheckInForm, act, min_photos=settings.cases.check_in_min_photos)


@router.post(
    "/dispatches/{dispatch_id}/result", response_model=DispatchPublic, responses=UPLOAD_ERRORS,
    summary="Submit the result (处置反馈) with photos (multipart: `note`, `photos` 0-9)",
    openapi_extra=multipart_body(RESULT_UPLOAD_SCHEMA) | IDEMPOTENT,
)  # fmt: skip
async def submit_result(
    request: Request,
    mine: MyDispatch,  # checked before the body is read: nothing is stored for a dispatch not ours
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: UnitUser,
    client: ClientDep,
) -> Response:
    def act(form: ResultForm, photos: list[NewPhoto]) -> Dispatch:
        return cases.submit_result(
            session=session, dispatch_id=mine[0].id, user=user, note=form.note, photos=photos, client=client
        )

    upload = KeyedUpload(request, session, settings, store, user, "result", mine[0].id)
    return await upload.run(ResultForm, act, min_photos=0)


@dataclass(frozen=True)
class KeyedUpload:
    """A unit's multipart upload (报到, 处置反馈) under its Idempotency-Key: the key is checked and the
    request's session ended before a slow phone streams its photos in; the photos go through the pipeline
    and the action runs once per key (a retry gets the first answer)."""

    request: Request
    session: Session
    settings: Settings
    store: MediaStore
    user: User
    action: str
    dispatch_id: uuid.UUID

    async def run(
        self, model: type[F], act: Callable[[F, list[NewPhoto]], Dispatch], *, min_photos: int
    ) -> Response:
        key = header_key(self.request)
        self.session.commit()  # no pooled connection is held while the body streams in
        limits = media_limits(self.settings.media, min_photos=min_photos)
        parts = await read_form(self.request, limits=limits)
        try:
            form = parse_fields(model, parts.fields)

            def work() -> StoredAnswer:
                photos = receive_photos([p.read() for p in parts.photos], limits=limits, store=self.store)
                return StoredAnswer(200, dispatch_public(act(form, photos)).model_dump(mode="json"))

            answer = await run_in_threadpool(
                lambda: idempotency.once(
                    session=self.session, user_id=self.user.id, key=key, work=work,
                    request_hash=_fingerprint(self.action, self.dispatch_id, parts),
                    in_flight_timeout_s=self.settings.reports.in_flight_timeout_s,
                )
            )  # fmt: skip
        finally:
            parts.close()
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _fingerprint(action: str, dispatch_id: uuid.UUID, parts: FormParts) -> str:
    """What a key's retries must repeat: the action, the dispatch, the fields and the photos' bytes."""
    digest = hashlib.sha256(f"{action}\n{dispatch_id}\n".encode())
    digest.update(json.dumps(sorted(parts.fields.items()), ensure_ascii=False).encode())
    for photo in parts.photos:
        digest.update(photo.sha256.encode())
    return digest.hexdigest()


@router.post(
    "/dispatches/{dispatch_id}/extension", response_model=DispatchPublic, summary="Request an extension"
)
def request_extension(
    dispatch_id: uuid.UUID, body: ExtensionRequest, session: SessionDep, user: UnitUser, client: ClientDep
) -> DispatchPublic:
    d = cases.request_extension(
        session=session, dispatch_id=dispatch_id, user=user, amount=body.amount, unit=body.unit,
        reason=body.reason, client=client,
    )  # fmt: skip
    session.commit()
    return dispatch_public(d)


@router.post(
    "/dispatches/{dispatch_id}/send-back", response_model=DispatchPublic, summary="Send back: not ours (退回)"
)
def send_back(
    dispatch_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: UnitUser, client: ClientDep
) -> DispatchPublic:
    d = cases.send_back(
        session=session, dispatch_id=dispatch_id, user=user, reason=body.reason, client=client
    )
    session.commit()
    return dispatch_public(d)
