"""Open311 GeoReport v2 endpoints under ``/open311/v2`` (``.json`` or ``.xml`` on every path).

Parameters are read from the query string or form body by hand rather than declared, so that a
missing or malformed one is answered in the spec's error format (``[{code, description}]`` or
``<errors>``), never in this service's own JSON error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from service.deps import PublicMapSettingsDep, SessionDep, SettingsDep
from service.open311 import keys
from service.open311 import service as open311
from service.open311.formats import FORMATS, error, render
from service.open311.service import Open311Error

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00Z"
DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "text/xml": {}}}}


def _answer(fmt: str, root: str, produce: Callable[[], Any], status: int = 200) -> Response:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use .json or .xml")
    try:
        return render(fmt, root, produce(), status)
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/discovery.{fmt}", responses=DOC)
def discovery(request: Request, fmt: str) -> Response:
    """Service discovery: where the endpoint is and which formats it speaks."""
    url = f"{_base(request)}/open311/v2"
    return _answer(
        fmt,
        "discovery",
        lambda: {
            "changeset": CHANGESET,
            "contact": "吉林市城市运行管理指挥中心（演示）",
            "key_service": "API keys are issued by the command center (whistle open311 create-key).",
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/services.{fmt}", responses=DOC)
def services(session: SessionDep, fmt: str) -> Response:
    """Service list: our event categories."""
    return _answer(fmt, "services", lambda: open311.list_services(session=session))


@router.get("/services/{service_code}.{fmt}", responses=DOC)
def service_definition(session: SessionDep, service_code: str, fmt: str) -> Response:
    """Service definition: the attributes a request may carry."""
    return _answer(
        fmt, "service_definition", lambda: open311.service_definition(session=session, code=service_code)
    )


@router.post("/requests.{fmt}", responses=DOC)
async def post_request(request: Request, session: SessionDep, settings: SettingsDep, fmt: str) -> Response:
    """Create a request (form-encoded; ``api_key`` required; ``lat``/``long`` required)."""
    form = {k: str(v) for k, v in (await request.form()).items()}

    def produce() -> list[dict[str, Any]]:
        verified = keys.verify_key(
            session=session,
            key=form.get("api_key") or request.query_params.get("api_key"),
            secret_key=settings.security.secret_key,
        )
        if verified is None:
            raise Open311Error(403, "api_key is missing or invalid")
        key, user = verified
        posted = open311.create_request(
            session=session, key=key, user=user, form=form, tolerance_m=settings.router.snap_tolerance_m
        )
        session.commit()
        return [
            {
                "service_request_id": str(posted.service_request_id),
                "token": posted.token,
                "service_notice": posted.service_notice,
                "account_id": None,
            }
        ]

    def run() -> list[dict[str, Any]]:
        try:
            return produce()
        except Open311Error:
            session.rollback()
            raise

    return await _threaded(lambda: _answer(fmt, "service_requests", run, 201))


async def _threaded(call: Callable[[], Response]) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(call)


@router.get("/requests.{fmt}", responses=DOC)
def get_requests(request: Request, session: SessionDep, settings: PublicMapSettingsDep, fmt: str) -> Response:
    """Requests: by id (comma list), or by service_code, status and a date window (≤ 90 days; ≤ 1000)."""
    return _answer(
        fmt,
        "service_requests",
        lambda: open311.list_requests(
            session=session,
            settings=settings,
            params=dict(request.query_params),
            base_url=_base(request),
            now=datetime.now(UTC),
        ),
    )


@router.get("/requests/{request_id}.{fmt}", responses=DOC)
def get_request(
    request: Request, session: SessionDep, settings: PublicMapSettingsDep, request_id: str, fmt: str
) -> Response:
    """One request by id (a list of one, as the spec answers)."""
    return _answer(
        fmt,
        "service_requests",
        lambda: [
            open311.get_request(
                session=session, settings=settings, request_id=request_id, base_url=_base(request)
            )
        ],
    )


@router.get("/tokens/{token}.{fmt}", responses=DOC)
def get_token(session: SessionDep, token: str, fmt: str) -> Response:
    """The request id a POST's token stands for."""
    return _answer(fmt, "service_requests", lambda: [open311.resolve_token(session=session, token=token)])
