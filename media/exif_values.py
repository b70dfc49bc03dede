"""Coercion of raw EXIF tag values into plain Python numbers, strings and datetimes.

EXIF as written by real cameras and phones is untidy: rationals with zero denominators (`0/0` for
"unknown"), coordinates as degrees-minutes-seconds, degrees and decimal minutes, or a single decimal
rational; references as `str` or `bytes` with trailing NULs; timestamps with blanks. Every function here
returns `None` for a value it cannot interpret and never raises, so one bad tag cannot sink the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

_DATETIME = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+\-])(\d{2}):?(\d{2})")
_DATE = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})")


def as_float(value: object) -> float | None:
    """A finite float from an int, float or Pillow IFDRational; `x/0` (NaN or inf in Pillow) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 1:
        value = value[0]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def as_text(value: object) -> str | None:
    """A stripped string from str or bytes (NUL padding and blanks removed); empty is None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace") if _is_utf8(value) else value.decode("latin-1")
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def as_int(value: object) -> int | None:
    """An int from an int, a one-byte/one-element value, or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, bytes):
        return value[0] if len(value) == 1 else None
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 1:
        return as_int(value[0])
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    number = as_float(value)
    return int(number) if number is not None and number.is_integer() else None


def coordinate_degrees(value: object) -> tuple[float | None, str | None]:
    """Unsigned degrees from a GPSLatitude/GPSLongitude value, with a note when something was odd.

    Accepts (deg, min, sec) rationals, (deg, decimal-min), and a single decimal-degree rational.
    A zero-denominator minute or second component counts as 0 (writers use `0/0` for "not used");
    a zero-denominator degree component makes the whole coordinate unknown.
    """
    is_sequence = isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    parts: list[object] = list(value) if is_sequence else [value]  # type: ignore[call-overload]
    if not 1 <= len(parts) <= 3:
        return None, f"unexpected {len(parts)} components"
    degrees = as_float(parts[0])
    if degrees is None:
        return None, "degrees unreadable (zero denominator?)"
    note = None
    total = abs(degrees)
    for index, divisor in ((1, 60.0), (2, 3600.0)):
        if index >= len(parts):
            break
        component = as_float(parts[index])
        if component is None:
            note = "a minutes/seconds component had a zero denominator and was read as 0"
            continue
        total += abs(component) / divisor
    return total, note


def parse_exif_datetime(value: object) -> datetime | None:
    """A naive datetime from 'YYYY:MM:DD HH:MM:SS' (blanks or impossible dates give None)."""
    text = as_text(value)
    if text is None:
        return None
    match = _DATETIME.match(text)
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second)  # naive: the caller applies the offset
    except ValueError:
        return None


def parse_offset(value: object) -> timezone | None:
    """A fixed timezone from an EXIF OffsetTime* value such as '+08:00' (None if absent or invalid)."""
    text = as_text(value)
    if text is None:
        return None
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def parse_subseconds(value: object) -> int:
    """Microseconds from an EXIF SubSecTime* value ('123' means .123 s); 0 when absent or odd."""
    text = as_text(value)
    if text is None or not text.isdigit():
        return 0
    return int((text + "000000")[:6])


def gps_utc_time(date_value: object, time_value: object) -> datetime | None:
    """The UTC instant from GPSDateStamp ('YYYY:MM:DD') and GPSTimeStamp (h, m, s rationals)."""
    date_text = as_text(date_value)
    if date_text is None or not isinstance(time_value, Sequence) or isinstance(time_value, (str, bytes)):
        return None
    match = _DATE.fullmatch(date_text)
    if match is None or len(time_value) != 3:
        return None
    hms = [as_float(part) for part in time_value]
    if any(part is None or part < 0 for part in hms):
        return None
    hours, minutes, seconds = (float(part) for part in hms if part is not None)
    try:
        year, month, day_of_month = (int(g) for g in match.groups())
        day = datetime(year, month, day_of_month, tzinfo=UTC)
    except ValueError:
        return None
    if hours >= 24 or minutes >= 60 or seconds >= 61:
        return None
    return day + timedelta(hours=hours, minutes=minutes, seconds=seconds)
