"""Small pure-ASGI middleware (no per-request task overhead), and the stack `service.app` installs.

From the outside in: `HeadAsGet` (HEAD answers wherever GET does), `Cors` (any origin may read the
public interfaces; the authenticated API only the origins in `security.cors_origins`), Starlette's
`GZipMiddleware` (JSON, tiles, XML and the web apps' scripts when the client accepts gzip; never images
or event streams: the ETags of what it compresses are weak), `SecurityHeaders`.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The public read interfaces: open to web maps on any origin (no credentials are involved).
PUBLIC_PREFIXES = ("/tiles/", "/ogc", "/open311/", "/api/v1/public/", "/media/public/", "/api/v1/categories")
# Headers a page on another origin may read from our answers.
EXPOSED_HEADERS = ["ETag", "Link", "X-Next-Cursor", "Retry-After", "Location", "Idempotent-Replayed"]


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every response, so no upload can be sniffed into a script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD is answered as GET would be — status and headers, Content-Length included — without a body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Cors:
    """Two CORS policies by path: the public interfaces allow any origin; the rest allows `origins`."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self.app = app
        self.public = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=86400,
        )
        self.private = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        public = str(scope["path"]).startswith(PUBLIC_PREFIXES)
        await (self.public if public else self.private)(scope, receive, send)


__all__ = ["Cors", "GZipMiddleware", "HeadAsGet", "SecurityHeaders"]
