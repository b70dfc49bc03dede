"""How every list answer pages: a bounded `limit`, an opaque keyset `cursor`, and the next page's link.

A list endpoint takes `limit` (declared with its maximum) and `cursor`, fetches `limit + 1` rows in a
fixed, total order (its key, e.g. `(created_at, id)`) after the cursor's key — never OFFSET; the
service layer's condition is `service.db.keyset.after` — and answers at most `limit` of them. When
there are more, the answer carries the next page twice (RFC 8288 and a bare header; the body itself
keeps its shape, an array stays an array)::

    Link: </api/v1/riders?limit=100&cursor=WyJ6aGFuZyJd>; rel="next"
    X-Next-Cursor: WyJ6aGFuZyJd

The cursor is base64url of the JSON array of the last row's key. It is opaque to clients and checked
on the way back: a cursor that is not one of this list's (garbage, another list's key shape, a broken
value) is a 422 naming the parameter `cursor` (400 on the OGC routes), never a 5xx.

Usage in a view::

    def list_tokens(..., page: Page) -> list[TokenPublic]:
        rows = accounts.list_tokens(..., after=page.after(datetime, uuid.UUID), limit=page.fetch)
        return [... for t in page.cut(rows, key=lambda t: (t.created_at, t.id))]

`Page` takes `limit` 1 to 500 (default 100); `Annotated[Paging, Depends(paged(default=..., maximum=...))]`
other bounds.

Lists that are small by nature (categories, a case's verifiers …) take a bounded `limit` only, declared
in the view, and say so there.
"""

# No `from __future__ import annotations` here: `paged()` declares its query parameters with the
# bounds it is given, and FastAPI reads those annotations at runtime.

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from service.params import MAX_CURSOR_CHARS, PAGE_DEFAULT, PAGE_MAX, Cursor

T = TypeVar("T")
KeyValue = int | str | uuid.UUID | datetime
KeyKind = type[int] | type[str] | type[uuid.UUID] | type[datetime]

# The headers of a page that has a next one (documented in the README; the CORS set-up exposes them).
LINK = "Link"
NEXT_CURSOR = "X-Next-Cursor"
MAX_KEY_CHARS = 256
MAX_KEY_INT = 2**63 - 1
BAD_CURSOR = "not a cursor of this list; send the previous page's X-Next-Cursor unchanged"


def bad_cursor(message: str = BAD_CURSOR, *, where: str = "query") -> RequestValidationError:
    """The validation error of a cursor: 422 naming the parameter, like any other invalid parameter."""
    return RequestValidationError([{"loc": (where, "cursor"), "msg": message, "type": "value_error"}])


def _encode_value(value: KeyValue) -> int | str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(key: Sequence[KeyValue]) -> str:
    """The opaque cursor of a row's key."""
    raw = json.dumps([_encode_value(v) for v in key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_value(value: Any, kind: KeyKind) -> KeyValue:
    if kind is int:
        if type(value) is not int or abs(value) > MAX_KEY_INT:
            raise ValueError("not a bounded integer")
        return value
    if not isinstance(value, str) or len(value) > MAX_KEY_CHARS or "\x00" in value:
        raise ValueError("not a bounded string")
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a time without offset")
        return moment
    return value


def decode_cursor(cursor: str | None, kinds: Sequence[KeyKind]) -> tuple[KeyValue, ...] | None:
    """The key a cursor carries, checked against the list's key kinds; None without a cursor. Raises the
    validation error of `cursor` (422) for anything else."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode("utf-8"))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("another key shape")
        return tuple(_decode_value(v, k) for v, k in zip(values, kinds, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError, RecursionError):
        raise bad_cursor() from None


def next_link(request: Request, cursor: str) -> str:
    """The `Link` header value of the next page: this request's URL with the cursor replaced."""
    url = request.url.include_query_params(cursor=cursor)
    return f'<{url.path}?{url.query}>; rel="next"'


def set_next(request: Request, response: Response, cursor: str | None) -> None:
    """Write the next page's link and cursor into the answer's headers (nothing on the last page)."""
    if cursor is None:
        return
    response.headers[LINK] = next_link(request, cursor)
    response.headers[NEXT_CURSOR] = cursor


@dataclass
class Paging:
    """One request's page: its size, the key it starts after, and where the next page's link goes."""

    limit: int
    cursor: str | None
    request: Request
    response: Response

    @property
    def fetch(self) -> int:
        """How many rows to read: one more than the page, to know whether a next page exists."""
        return self.limit + 1

    def after(self, *kinds: KeyKind) -> tuple[Any, ...] | None:
        """The key of the previous page's last row (None on the first page), checked against `kinds`."""
        return decode_cursor(self.cursor, kinds)

    def after_value(self, kind: KeyKind) -> Any:
        """The previous page's last key of a list keyed by one value (None on the first page)."""
        key = decode_cursor(self.cursor, (kind,))
        return None if key is None else key[0]

    def cut(self, rows: Sequence[T], key: Callable[[T], Sequence[KeyValue]]) -> list[T]:
        """The page of `rows` (read with `fetch`, in key order); writes the next page's link when there
        were more."""
        items = list(rows[: self.limit])
        if len(rows) > self.limit and items:
            set_next(self.request, self.response, encode_cursor(key(items[-1])))
        return items


def paged(*, default: int = PAGE_DEFAULT, maximum: int = PAGE_MAX) -> Callable[..., Paging]:
    """The dependency of a paged list: `limit` (1 to `maximum`, default `default`) and `cursor`."""

    def dependency(
        request: Request,
        response: Response,
        cursor: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=maximum, description=f"Page size (1 to {maximum}).")] = default,
    ) -> Paging:
        return Paging(limit=limit, cursor=cursor, request=request, response=response)

    return dependency


# The dependency of most lists: `limit` 1 to 500 (default 100) and `cursor`.
Page = Annotated[Paging, Depends(paged())]
