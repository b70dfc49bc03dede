"""Small pure-ASGI middleware (no per-request task overhead), and the stack `service.app` installs.

From the outside in: `HeadAsGet` (HEAD answers wherever GET does), `Cors` (any origin may read the
public interfaces; the authenticated API only the origins in `security.cors_origins`), Starlette's
`GZipMiddleware` (JSON, tiles, XML and the web apps' scripts when the client accepts gzip; never images
or event streams: the ETags of what it compresses are weak), `SecurityHeaders`, `UploadGate` (at most
`media.max_concurrent_uploads` photo uploads at once in this process; the next one is answered 503 at
once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import answer_overloaded

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


# The multipart photo uploads (POST): a report, a unit's 报到 and 处置反馈, a grid worker's 核查.
UPLOAD_PATHS = re.compile(
    r"/api/v1/(?:reports|department/dispatches/[^/]+/(?:check-in|result)"
    r"|verification/(?:dispatches/[^/]+/(?:pass|fail)|tasks/[^/]+/decision))/?"
)
OVERLOADED_MESSAGE = "上传的人太多，服务正忙：这次什么也没有保存，请稍后重试（手机会自动重发）。"


class UploadGate:
    """At most `limit` photo uploads at once in this process; the next one is answered 503 `overloaded`
    with `Retry-After` at once — before a byte of its body is read, never after waiting in a queue.

    Why a pure ASGI middleware rather than a dependency: the upload routes read their bodies themselves
    (`service.photos.upload.read_form`), so a dependency would run before the body too — but after the
    token check and the session's connection checkout, i.e. a database round trip and a pooled
    connection spent on every refusal, at the moment the service is busiest; and it would have to be
    declared on each route (a new upload route without it would go unbounded). Here the decision is
    taken on the method and path alone, for every upload route by one pattern (checked against the
    OpenAPI document's multipart operations by tests/service/test_overload.py). Pure ASGI (not
    `BaseHTTPMiddleware`) so that nothing buffers the body or the answer and no task is spawned per
    request. One event loop per process: the counter needs no lock (nothing awaits between the test and
    the increment). An upload counts from its first byte to its answer, so a slow phone holds a place
    while it sends; behind a proxy that buffers request bodies (nginx's default) only the processing
    counts.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not UPLOAD_PATHS.fullmatch(str(scope["path"]))
        ):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            await answer_overloaded(OVERLOADED_MESSAGE)(scope, receive, send)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


__all__ = ["Cors", "GZipMiddleware", "HeadAsGet", "SecurityHeaders", "UploadGate"]
