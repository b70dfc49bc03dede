"""One JSON error shape for every error the API returns, and one map from domain errors to HTTP status.

Every error body looks like::

    {"error": {"code": "not_found", "message": "report 42 does not exist", "details": null}}

Domain code raises the exceptions below (or subclasses); it never builds HTTP responses itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

# Overload, in one place: every "come back shortly" answer (no pooled database connection free, too
# many uploads in this process, see `service.middleware.UploadGate`) is 503 `overloaded` with this
# Retry-After, answered at once rather than after waiting.
RETRY_AFTER_S = 2
OVERLOADED = "overloaded"


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The shape of every error answer (documented in OpenAPI)."""

    error: ErrorBody


class DomainError(Exception):
    """Base of every error the service raises on purpose. ``status`` picks the HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class NotFound(DomainError):
    status, code = 404, "not_found"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "missing, invalid, expired or revoked token", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    """Well-formed request that breaks a rule (422)."""

    status, code = 422, "invalid"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class UnsupportedMedia(DomainError):
    status, code = 415, "unsupported_media_type"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_requests"


class InsufficientStorage(DomainError):
    status, code = 507, "insufficient_storage"


class Unavailable(DomainError):
    status, code = 503, "unavailable"


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def summarise_problems(details: list[dict[str, Any]]) -> str:
    """The message of a validation error: one problem, named by its field. A field the endpoint does
    not take comes first (`check_in_deadline: Extra inputs are not permitted`): a misspelt field is
    the likeliest cause of a missing one."""
    unexpected = [d for d in details if d.get("type") == "extra_forbidden"]
    first = (unexpected or details or [{"loc": [], "msg": "invalid request"}])[0]
    where = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path", "header"))
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def describe_validation_error(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """The message (see `summarise_problems`) and the details of a validation error."""
    details = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return summarise_problems(details), details


@dataclass(frozen=True)
class ErrorInfo:
    """How an exception is answered: status, code, message, details, headers."""

    status: int
    code: str
    message: str
    details: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def overloaded(message: str) -> ErrorInfo:
    """The answer to a request refused because the process is busy: 503 `overloaded` + Retry-After."""
    return ErrorInfo(503, OVERLOADED, message, headers={"Retry-After": str(RETRY_AFTER_S)})


def answer_overloaded(message: str) -> JSONResponse:
    return _answer(overloaded(message))


def describe_exception(exc: Exception) -> ErrorInfo:
    """The one map from an exception to its answer, for every route (the JSON handlers below, and the
    OGC and Open311 routes that write the same facts in their standards' shapes)."""
    if isinstance(exc, DomainError):
        return ErrorInfo(exc.status, exc.code, exc.message, exc.details, dict(exc.headers))
    if isinstance(exc, StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "error")
        return ErrorInfo(exc.status_code, code, str(exc.detail), None, dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        message, details = describe_validation_error(exc)
        return ErrorInfo(422, "invalid", message, details)
    if isinstance(exc, PoolTimeoutError):
        return overloaded("the service is busy (no database connection free); retry shortly")
    if isinstance(exc, DataError):
        # A safety net: input that passed validation but that the database refuses (e.g. a NUL character).
        log.info("database refused a value: %s", exc.orig)
        return ErrorInfo(422, "invalid", "a value was refused by the database (out of range or malformed)")
    if isinstance(exc, IntegrityError):
        # A safety net for races that the service's own checks could not see (e.g. a unique key).
        log.info("integrity conflict: %s", exc.orig)
        return ErrorInfo(
            409, "conflict", "the request conflicts with data stored meanwhile; reload and retry"
        )
    if isinstance(exc, OperationalError):
        log.warning("database unavailable: %s", exc.orig)
        return ErrorInfo(
            503,
            "database_unavailable",
            "the database is not reachable; nothing was stored; retry shortly",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    log.exception("unhandled error", exc_info=exc)
    return ErrorInfo(500, "internal_error", "unexpected server error; it has been logged")


def _answer(info: ErrorInfo) -> JSONResponse:
    return error_response(info.status, info.code, info.message, info.details, info.headers)


def install_error_handlers(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return _answer(describe_exception(exc))

    for kind in (
        DomainError,
        StarletteHTTPException,
        RequestValidationError,
        PoolTimeoutError,
        DataError,
        IntegrityError,
        OperationalError,
        Exception,
    ):
        app.add_exception_handler(kind, handle)
