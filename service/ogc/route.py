"""The OGC API – Features routes answer an invalid parameter value with 400, as the standard requires
(OGC 17-069r4, /req/core/query-param-invalid), where the rest of the service answers 422.

The body keeps the service's one error shape (`{"error": {"code", "message", "details"}}`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from service.errors import Invalid, describe_validation_error, error_response

BAD_REQUEST = 400


class OgcRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                message, details = describe_validation_error(exc)
                return error_response(BAD_REQUEST, "invalid_parameter", message, details)
            except Invalid as exc:
                return error_response(BAD_REQUEST, "invalid_parameter", exc.message, exc.details)

        return handle
