"""The OGC API – Features routes answer a bad query with 400, as the standard requires (OGC 17-069r4):
an invalid parameter value (/req/core/query-param-invalid), where the rest of the service answers 422,
and a parameter the API definition does not name (/req/core/query-param-unknown), which the rest of the
service ignores.

The body keeps the service's one error shape (`{"error": {"code", "message", "details"}}`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from service.errors import Invalid, describe_validation_error, error_response

BAD_REQUEST = 400


def query_parameter_names(dependant: Dependant) -> set[str]:
    """The query parameters an endpoint declares, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_parameter_names(sub)
    return names


class OgcRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = query_parameter_names(self.dependant)

        async def handle(request: Request) -> Response:
            unknown = sorted(set(request.query_params) - known)
            if unknown:
                allowed = ", ".join(sorted(known)) or "none"
                return error_response(
                    BAD_REQUEST,
                    "unknown_parameter",
                    f"unknown query parameter {unknown[0]!r}; this resource takes: {allowed}",
                    {"unknown": unknown, "allowed": sorted(known)},
                )
            try:
                return await handler(request)
            except RequestValidationError as exc:
                message, details = describe_validation_error(exc)
                return error_response(BAD_REQUEST, "invalid_parameter", message, details)
            except Invalid as exc:
                return error_response(BAD_REQUEST, "invalid_parameter", exc.message, exc.details)

        return handle
