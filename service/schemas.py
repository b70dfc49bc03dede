"""What every domain's request and response models share: strict bodies, and times written one way.

- `StrictBody`: the base of every request body (JSON) and every form of text fields (multipart or
  URL-encoded). A field the endpoint does not take is refused — 422, the message naming the field
  (`check_in_deadline: Extra inputs are not permitted`) — instead of being silently dropped.
- `UtcDatetime`: every datetime field of every answer. Whatever zone a value was computed in (deadlines
  are computed on the city's clock, `+08:00`), the answer writes it in UTC with `Z`
  (`2026-11-27T00:30:00Z`).
- `UtcJson`: free-form JSON objects of answers (a case event's `detail`, a dispatch's `extensions`)
  whose stored strings may hold times written with an offset: every string that is a whole ISO 8601
  date-time with an offset is rewritten to UTC with `Z`; other strings are left as they are.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


class StrictBody(BaseModel):
    """Base of every request body and form: unknown fields are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC (written `...Z`). Naive values are UTC already (the database's clock)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def utc_iso(value: datetime) -> str:
    """An instant as the answers write it, for JSON written by hand: `2026-11-27T00:30:00Z`."""
    return as_utc(value).isoformat().replace("+00:00", "Z")


# A whole string that is a date-time with an offset (what `datetime.isoformat()` writes for aware values).
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


def utc_text(value: str) -> str:
    """A date-time string with an offset, rewritten in UTC with `Z`; any other string unchanged."""
    if not _TIMESTAMP.fullmatch(value):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return utc_iso(moment)


def utc_times(value: Any) -> Any:
    """A JSON value with every date-time string in it written in UTC with `Z` (see `utc_text`)."""
    if isinstance(value, str):
        return utc_text(value)
    if isinstance(value, dict):
        return {k: utc_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utc_times(v) for v in value]
    return value


UtcJson = Annotated[dict[str, Any], AfterValidator(utc_times)]
