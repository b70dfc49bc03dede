"""The grid workers' verification (核查): my tasks (one per case visit, covering every unit's result),
and the outcome of each unit's result with on-site photos — all units of a visit at once
(`tasks/{id}/decision`), or one unit (`dispatches/{id}/pass|fail`).

A decision that will be refused (another worker's task 403, wrong state 409, fail without a reason 422) is
refused before any photo is processed or stored; the body itself is read under the media limits first.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.cases import service as cases
from service.cases.schemas import (
    DECISION_UPLOAD_SCHEMA,
    FAIL_UPLOAD_SCHEMA,
    PASS_UPLOAD_SCHEMA,
    DecisionForm,
    DispatchPublic,
    FailForm,
    PassForm,
    VerificationTaskPublic,
    multipart_body,
)
from service.cases.views.common import ERRORS, GridWorker
from service.cases.views.presenters import dispatch_public, tasks_public
from service.deps import ClientDep, SessionDep, SettingsDep
from service.errors import Invalid
from service.paging import Page
from service.photos.pipeline import receive_photos
from service.photos.store import MediaStoreDep, media_limits
from service.photos.upload import UPLOAD_ERRORS, parse_fields, read_form

router = APIRouter(prefix="/api/v1/verification", tags=["verification"], responses=ERRORS)


@router.get("/tasks", response_model=list[VerificationTaskPublic], summary="My verification tasks")
def my_tasks(
    session: SessionDep, store: MediaStoreDep, user: GridWorker, page: Page, include_done: bool = False
) -> list[VerificationTaskPublic]:
    """My tasks, oldest first (paged: `limit`, `cursor`)."""
    rows = cases.list_tasks(
        session=session, user=user, include_done=include_done, limit=page.fetch,
        after=page.after(datetime, uuid.UUID),
    )  # fmt: skip
    return tasks_public(session, store, page.cut(rows, key=lambda v: (v.task.created_at, v.task.id)))


async def _decide(
    *,
    passed: bool,
    form_model: type[BaseModel],
    dispatch_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: GridWorker,
    client: ClientDep,
) -> DispatchPublic:
    session.commit()  # no pooled connection is held while a slow phone streams its photos in
    min_photos = settings.cases.verification_min_photos
    parts = await read_form(request, limits=media_limits(settings.media, min_photos=min_photos))
    try:
        form = parse_fields(form_model, parts.fields)
        note = str(getattr(form, "note", None) or getattr(form, "reason", ""))

        def work() -> DispatchPublic:
            # Checked before the photos are processed: nothing is stored for a decision that will be refused.
            cases.check_verifiable(
                session=session, dispatch_id=dispatch_id, user=user, passed=passed, note=note
            )
            photos = receive_photos(
                [p.read() for p in parts.photos],
                limits=media_limits(settings.media, min_photos=min_photos),
                store=store,
            )
            d = cases.verify(
                session=session, dispatch_id=dispatch_id, user=user, passed=passed, note=note, photos=photos,
                far_from_case_m=settings.cases.verification_far_m, client=client,
            )  # fmt: skip
            session.commit()
            return dispatch_public(d)

        return await run_in_threadpool(work)
    finally:
        parts.close()


@router.post(
    "/dispatches/{dispatch_id}/pass", response_model=DispatchPublic, responses=UPLOAD_ERRORS,
    summary="Verification passed (核查通过); multipart: `note`, `photos` (on-site photos, "
    "`WHISTLE_CASES__VERIFICATION_MIN_PHOTOS` to 9)",
    openapi_extra=multipart_body(PASS_UPLOAD_SCHEMA),
)  # fmt: skip
async def verify_pass(
    dispatch_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep,
    store: MediaStoreDep, user: GridWorker, client: ClientDep,
) -> DispatchPublic:  # fmt: skip
    return await _decide(
        passed=True, form_model=PassForm, dispatch_id=dispatch_id, request=request, session=session,
        settings=settings, store=store, user=user, client=client,
    )  # fmt: skip


@router.post(
    "/dispatches/{dispatch_id}/fail", response_model=DispatchPublic, responses=UPLOAD_ERRORS,
    summary="Verification failed: rework (返工); multipart: `reason`, `photos` (on-site photos)",
    openapi_extra=multipart_body(FAIL_UPLOAD_SCHEMA),
)  # fmt: skip
async def verify_fail(
    dispatch_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep,
    store: MediaStoreDep, user: GridWorker, client: ClientDep,
) -> DispatchPublic:  # fmt: skip
    return await _decide(
        passed=False, form_model=FailForm, dispatch_id=dispatch_id, request=request, session=session,
        settings=settings, store=store, user=user, client=client,
    )  # fmt: skip


@router.post(
    "/tasks/{task_id}/decision", response_model=VerificationTaskPublic, responses=UPLOAD_ERRORS,
    summary="Decide a visit (核查): each pending unit's result passes or fails (rework, with the reason); "
    "multipart: `outcomes` (JSON), `note`, `photos` (on-site photos)",
    openapi_extra=multipart_body(DECISION_UPLOAD_SCHEMA),
)  # fmt: skip
async def decide_task(
    task_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep, store: MediaStoreDep,
    user: GridWorker, client: ClientDep,
) -> VerificationTaskPublic:  # fmt: skip
    session.commit()  # no pooled connection is held while a slow phone streams its photos in
    limits = media_limits(settings.media, min_photos=settings.cases.verification_min_photos)
    parts = await read_form(request, limits=limits)
    try:
        form = parse_fields(DecisionForm, parts.fields)
        outcomes = {o.dispatch_id: cases.Outcome(o.passed, o.reason) for o in form.outcomes}
        if len(outcomes) != len(form.outcomes):
            raise Invalid("outcomes: 每个单位只能给出一个结论")

        def work() -> VerificationTaskPublic:
            # Checked before the photos are processed: nothing is stored for a decision that will be refused.
            cases.check_decidable(session=session, task_id=task_id, user=user, outcomes=outcomes)
            photos = receive_photos([p.read() for p in parts.photos], limits=limits, store=store)
            cases.decide_task(
                session=session, task_id=task_id, user=user, outcomes=outcomes, note=form.note, photos=photos,
                far_from_case_m=settings.cases.verification_far_m, client=client,
            )  # fmt: skip
            session.commit()
            return tasks_public(session, store, [cases.get_task(session=session, task_id=task_id)])[0]

        return await run_in_threadpool(work)
    finally:
        parts.close()
