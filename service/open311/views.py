"""Open311 GeoReport v2 endpoints under ``/open311/v2`` (``.json`` or ``.xml`` on every path).

Parameters are read from the query string or form body by hand rather than declared, and every error —
a missing parameter, an unknown ``jurisdiction_id``, a database that is down — is answered in the
spec's format and in the format the path asked for (``[{code, description}]`` or ``<errors>``), never
in this service's own JSON error shape (`Open311Route`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from service.deps import PublicMapSettingsDep, SessionDep, SettingsDep
from service.errors import describe_exception
from service.open311 import keys
from service.open311 import service as open311
from service.open311.formats import FORMATS, error, render
from service.open311.models import Open311Key
from service.open311.service import Open311Error
from service.photos.service import public_link
from service.photos.store import MediaStoreDep, media_limits
from service.photos.upload import read_form
from service.settings import Settings

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00Z"
DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "text/xml": {}}}}
POST_DOC: dict[int | str, dict[str, Any]] = {
    201: {"content": {"application/json": {}, "text/xml": {}}, "description": "The request was filed."},
    400: {"description": "A required parameter is missing or malformed (spec's error format)."},
    403: {"description": "api_key is missing or invalid."},
    404: {"description": "Unknown service_code or jurisdiction_id."},
}


def _format_of(request: Request) -> str:
    fmt = str(request.path_params.get("fmt", "json"))
    return fmt if fmt in FORMATS else "json"


class Open311Route(APIRoute):
    """Answers every error of an Open311 route in the spec's format (JSON or XML, by the path)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every error, in the spec's shape
                info = describe_exception(exc)
                answer = error(_format_of(request), info.status, info.message)
                answer.headers.update(info.headers)
                return answer

        return handle


router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], route_class=Open311Route)


def _answer(fmt: str, root: str, produce: Callable[[], Any], status: int = 200) -> Response:
    if fmt not in FORMATS:
        return error("json", 404, f"format {fmt!r} is not served; use .json or .xml")
    try:
        return render(fmt, root, produce(), status)
    except Open311Error as exc:
        return error(fmt, exc.status, exc.description)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _jurisdiction(request: Request, settings: Settings, form: dict[str, str] | None = None) -> None:
    open311.check_jurisdiction(settings.publicmap, {**dict(request.query_params), **(form or {})})


@router.get("/discovery.{fmt}", responses=DOC)
def discovery(request: Request, settings: SettingsDep, fmt: str) -> Response:
    """Service discovery: where the endpoint is and which formats it speaks."""
    url = f"{_base(request)}/open311/v2"
    return _answer(
        fmt,
        "discovery",
        lambda: {
            "changeset": CHANGESET,
            "contact": "吉林市城市运行管理指挥中心（演示）",
            "key_service": "API keys are issued by the command center (whistle open311 create-key).",
            "jurisdiction_id": settings.publicmap.open311_jurisdiction_id,
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
def services(request: Request, session: SessionDep, settings: SettingsDep, fmt: str) -> Response:
    """Service list: our event categories."""

    def produce() -> Any:
        _jurisdiction(request, settings)
        return open311.list_services(session=session)

    return _answer(fmt, "services", produce)


@router.get("/services/{service_code}.{fmt}", responses=DOC)
def service_definition(
    request: Request, session: SessionDep, settings: SettingsDep, service_code: str, fmt: str
) -> Response:
    """Service definition: the attributes a request may carry."""

    def produce() -> Any:
        _jurisdiction(request, settings)
        return open311.service_definition(session=session, code=service_code)

    return _answer(fmt, "service_definition", produce)


@router.post("/requests.{fmt}", status_code=201, responses=POST_DOC)
async def post_request(request: Request, session: SessionDep, settings: SettingsDep, fmt: str) -> Response:
    """Create a request (form-encoded; ``api_key`` required; ``lat``/``long`` required)."""
    # The photo limits bound the body too; an Open311 POST carries text fields only.
    form = dict((await read_form(request, limits=media_limits(settings.media, min_photos=0))).fields)

    def produce() -> list[dict[str, Any]]:
        _jurisdiction(request, settings, form)
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

    return await run_in_threadpool(lambda: _answer(fmt, "service_requests", run, 201))


def _partner(request: Request, session: SessionDep, settings: Settings) -> Open311Key | None:
    """The key of a partner reading back its own requests (an optional ``api_key`` on a GET)."""
    given = request.query_params.get("api_key")
    if not given:
        return None
    verified = keys.verify_key(session=session, key=given, secret_key=settings.security.secret_key)
    if verified is None:
        raise Open311Error(403, "api_key is invalid")
    return verified[0]


@router.get("/requests.{fmt}", responses=DOC)
def get_requests(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    map_settings: PublicMapSettingsDep,
    store: MediaStoreDep,
    fmt: str,
) -> Response:
    """Requests: by id (comma list), or by service_code, status and a date window (≤ 90 days; ≤ 1000).
    With ``api_key``, the partner's own requests in every state, with their description, too."""

    def produce() -> Any:
        _jurisdiction(request, settings)
        return open311.list_requests(
            session=session,
            settings=map_settings,
            params=dict(request.query_params),
            link=public_link(store, str(request.base_url)),
            now=datetime.now(UTC),
            key=_partner(request, session, settings),
        )

    return _answer(fmt, "service_requests", produce)


@router.get("/requests/{request_id}.{fmt}", responses=DOC)
def get_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    map_settings: PublicMapSettingsDep,
    store: MediaStoreDep,
    request_id: str,
    fmt: str,
) -> Response:
    """One request by id (a list of one, as the spec answers)."""

    def produce() -> Any:
        _jurisdiction(request, settings)
        found = open311.get_request(
            session=session,
            settings=map_settings,
            request_id=request_id,
            link=public_link(store, str(request.base_url)),
            key=_partner(request, session, settings),
        )
        return [found]

    return _answer(fmt, "service_requests", produce)


@router.get("/tokens/{token}.{fmt}", responses=DOC)
def get_token(request: Request, session: SessionDep, settings: SettingsDep, token: str, fmt: str) -> Response:
    """The request id a POST's token stands for."""

    def produce() -> Any:
        _jurisdiction(request, settings)
        return [open311.resolve_token(session=session, token=token)]

    return _answer(fmt, "service_requests", produce)
