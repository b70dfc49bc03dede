"""Times are written one way, from one place: every datetime field of every answer model is
`service.schemas.UtcDatetime` (and free-form JSON of answers `UtcJson`), so no route can answer a time
in another zone; the normalisers themselves."""

from __future__ import annotations

import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from service.schemas import as_utc, utc_iso, utc_times
from tests.support.routes import documented_routes


def _is_utc(metadata: list[Any]) -> bool:
    return any(getattr(m, "func", None) is as_utc for m in metadata)


def bare_datetimes(annotation: Any, metadata: list[Any], where: str, seen: set[type]) -> list[str]:
    """Where a datetime is declared without the UTC normaliser, walking into models and containers."""
    if annotation is datetime:
        return [] if _is_utc(metadata) else [where]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return bare_datetimes(inner, [*metadata, *extra], where, seen)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        seen.add(annotation)
        found = []
        for name, field in annotation.model_fields.items():
            found += field_problems(field, f"{annotation.__name__}.{name}", seen)
        return found
    if origin in (typing.Union, types.UnionType, list, dict, tuple, set):
        return [p for arg in typing.get_args(annotation) for p in bare_datetimes(arg, [], where, seen)]
    return []


def field_problems(field: FieldInfo, where: str, seen: set[type]) -> list[str]:
    return bare_datetimes(field.annotation, list(field.metadata), where, seen)


def test_every_datetime_of_every_answer_model_is_utc(app: FastAPI) -> None:
    seen: set[type] = set()
    problems: list[str] = []
    models = 0
    for _method, _path, route in documented_routes(app):
        if route.response_model is None:
            continue
        models += 1
        problems += bare_datetimes(route.response_model, [], str(route.response_model), seen)
    assert models >= 40 and len(seen) >= 40, "the walk lost the answer models"
    assert sorted(set(problems)) == []


def test_the_normalisers() -> None:
    city = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 27, 8, 30, tzinfo=city)
    assert as_utc(moment) == moment and as_utc(moment).tzinfo is UTC
    assert utc_iso(moment) == "2026-11-27T00:30:00Z"
    assert as_utc(datetime(2026, 11, 27, 0, 30)) == datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    detail = {
        "check_in_deadline": "2026-11-27T10:00:00+08:00",
        "granted": [{"granted_at": "2026-11-27 02:00:00.123456+00:00"}],
        "note": "2026-11-27T10:00:00+08:00 之前整改",
        "day": "2026-11-27",
        "amount": 1,
    }
    assert utc_times(detail) == {
        "check_in_deadline": "2026-11-27T02:00:00Z",
        "granted": [{"granted_at": "2026-11-27T02:00:00.123456Z"}],
        "note": "2026-11-27T10:00:00+08:00 之前整改",
        "day": "2026-11-27",
        "amount": 1,
    }
