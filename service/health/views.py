"""``/healthz``: the process answers.

``/readyz``: the database answers, PostGIS is there, and migrations are at head.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.db.migrate import current_revision, head_revision
from service.deps import SessionDep
from service.health.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(session: SessionDep) -> JSONResponse:
    problems: list[str] = []
    postgis: str | None = None
    current: str | None = None
    head = head_revision()
    database = False
    try:
        session.execute(text("SELECT 1"))
        database = True
        postgis = session.scalar(text("SELECT postgis_lib_version()"))
        current = current_revision(session.connection())
    except SQLAlchemyError as exc:
        problems.append(f"database: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    if database and current != head:
        problems.append(f"migrations not at head (database {current}, code {head}); run `whistle db upgrade`")
    body = Readiness(
        status="ready" if not problems else "not_ready",
        database=database,
        postgis_version=postgis,
        migration=current,
        migration_head=head,
        problems=problems,
    )
    return JSONResponse(status_code=200 if not problems else 503, content=body.model_dump())
