"""Walking a paged list as a client does: following `Link: <…>; rel="next"` until there is none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from service.paging import LINK, NEXT_CURSOR


def walk_pages(
    client: TestClient | httpx.Client,
    url: str,
    headers: dict[str, str] | None = None,
    *,
    items: Callable[[Any], list[Any]] = lambda body: list(body),
) -> tuple[list[Any], int]:
    """Every row of a list and the number of pages, following `Link: rel="next"`; checks that
    `X-Next-Cursor` carries the same cursor and that the last page has neither header."""
    rows: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=headers or {})
        assert response.status_code == 200, response.text
        rows += items(response.json())
        pages += 1
        link = response.headers.get(LINK)
        if link is None:
            assert NEXT_CURSOR not in response.headers
            next_url = None
            continue
        match = re.fullmatch(r'<(/[^>]+)>; rel="next"', link)
        assert match, link
        next_url = match.group(1)
        assert f"cursor={response.headers[NEXT_CURSOR]}" in next_url
        assert pages < 1000, "the pages do not end"
    return rows, pages
