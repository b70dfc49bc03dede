"""Read station and pairing-point files (CSV or GeoJSON) into checked records, or say what is wrong.

Pure: a file in, records out. Every problem is collected with the row it is on (CSV: the line number
counting the header as line 1; GeoJSON: ``feature <n>``, counting from 1) and reported together, so
one pass over a broken file lists all of it. Nothing is half-read: either every row is valid or
:class:`PointFileError` is raised.

Columns (CSV header names; GeoJSON property names, with the position from a Point geometry):

* stations: ``code, name, address, lon, lat, services, opening_hours, operator, community_code``,
  optional ``datum`` (wgs84 default, also cgcs2000, gcj02, bd09). ``services`` lists the service codes
  separated by ``|`` (GeoJSON: a list or that text); ``opening_hours`` is the compact text
  (``24/7``, ``mon-fri 08:30-17:30; sat,sun 09:00-16:00``) or, in GeoJSON, the JSON form.
* pairings: ``code, unit_name, community_code, lon, lat, first_secretary_role, first_secretary_name,
  liaison_name, projects`` (``|``-separated), optional ``community_name`` and ``datum``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from geo.crs import Datum, to_wgs84
from geo.opening_hours import OpeningHours, OpeningHoursError, parse

STATION_SERVICES = ("drinking_water", "charging", "toilet", "rest", "microwave", "heating")
COMMUNITY_CODE = re.compile(r"^[0-9]{12}$")
CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class PointFileError(ValueError):
    """A file that cannot be imported; ``problems`` lists every bad row."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported:\n  {shown}{more}")


class RowError(ValueError):
    pass


@dataclass(frozen=True)
class StationRecord:
    code: str
    name: str
    address: str
    lon: float
    lat: float
    services: tuple[str, ...]
    hours: OpeningHours
    operator: str
    community_code: str | None


@dataclass(frozen=True)
class PairingRecord:
    code: str
    unit_name: str
    community_code: str
    community_name: str
    lon: float | None
    lat: float | None
    first_secretary_role: str
    first_secretary_name: str
    liaison_name: str | None
    projects: tuple[str, ...]


Row = tuple[str, dict[str, Any]]  # (where, fields)
R = TypeVar("R")


def _rows_from_csv(content: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(content))
    if reader.fieldnames is None:
        raise PointFileError("file", ["the CSV file is empty (no header line)"])
    for row in reader:
        yield f"line {reader.line_num}", {k.strip(): (v or "").strip() for k, v in row.items() if k}


def _rows_from_geojson(content: str) -> Iterator[Row]:
    data = json.loads(content)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise PointFileError("file", ["GeoJSON: expected a FeatureCollection"])
    for index, feature in enumerate(data.get("features") or [], start=1):
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if geometry is not None:
            if geometry.get("type") != "Point" or len(geometry.get("coordinates") or []) < 2:
                props["__geometry_error"] = f"geometry must be a Point, not {geometry.get('type')}"
            else:
                props["lon"], props["lat"] = geometry["coordinates"][:2]
        yield f"feature {index}", props


def read_rows(path: Path) -> list[Row]:
    content = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    try:
        if suffix in (".geojson", ".json"):
            return list(_rows_from_geojson(content))
        if suffix == ".csv":
            return list(_rows_from_csv(content))
    except json.JSONDecodeError as exc:
        raise PointFileError(str(path), [f"not valid JSON: {exc}"]) from None
    except PointFileError as exc:
        raise PointFileError(str(path), exc.problems) from None
    raise PointFileError(str(path), [f"unknown file type {suffix!r}: use .csv, .geojson or .json"])


def _text(fields: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = fields.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise RowError(f"{name} is missing")
    return value


def _list(fields: Mapping[str, Any], name: str) -> list[str]:
    value = fields.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"[|;]", str(value)) if p.strip()]


def _position(fields: Mapping[str, Any], *, required: bool) -> tuple[float, float] | None:
    if "__geometry_error" in fields:
        raise RowError(str(fields["__geometry_error"]))
    raw_lon, raw_lat = fields.get("lon"), fields.get("lat")
    if raw_lon in (None, "") and raw_lat in (None, "") and not required:
        return None
    try:
        lon, lat = float(str(raw_lon)), float(str(raw_lat))
    except ValueError:
        raise RowError(f"lon/lat {raw_lon!r}, {raw_lat!r} are not numbers") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RowError(f"lon/lat {lon}, {lat} are outside WGS-84 ranges (lon ±180, lat ±90)")
    datum = _text(fields, "datum", required=False).lower() or "wgs84"
    try:
        lon, lat = to_wgs84(lon, lat, Datum(datum))
    except ValueError:
        raise RowError(f"datum {datum!r} is unknown; use wgs84, cgcs2000, gcj02 or bd09") from None
    return round(lon, 7), round(lat, 7)


def _code(fields: Mapping[str, Any]) -> str:
    code = _text(fields, "code")
    if not CODE.match(code):
        raise RowError(f"code {code!r}: use 1–64 letters, digits and _ . : -")
    return code


def station_from_fields(fields: Mapping[str, Any]) -> StationRecord:
    code = _code(fields)
    position = _position(fields, required=True)
    assert position is not None
    services = _list(fields, "services")
    unknown = sorted(set(services) - set(STATION_SERVICES))
    if unknown:
        raise RowError(f"services: unknown {', '.join(unknown)} (choose from {', '.join(STATION_SERVICES)})")
    if not services:
        raise RowError("services is empty: a station offers at least one service")
    raw_hours = fields.get("opening_hours")
    if isinstance(raw_hours, str) and raw_hours.strip().startswith("{"):
        try:
            raw_hours = json.loads(raw_hours)
        except json.JSONDecodeError as exc:
            raise RowError(f"opening_hours: not valid JSON ({exc})") from None
    try:
        hours = parse(raw_hours if raw_hours is not None else "")
    except OpeningHoursError as exc:
        raise RowError(f"opening_hours: {exc}") from None
    community = _text(fields, "community_code", required=False) or None
    if community is not None and not COMMUNITY_CODE.match(community):
        raise RowError(f"community_code {community!r} is not 12 digits")
    return StationRecord(
        code=code,
        name=_text(fields, "name"),
        address=_text(fields, "address", required=False),
        lon=position[0],
        lat=position[1],
        services=tuple(s for s in STATION_SERVICES if s in services),
        hours=hours,
        operator=_text(fields, "operator", required=False),
        community_code=community,
    )


def pairing_from_fields(fields: Mapping[str, Any]) -> PairingRecord:
    code = _code(fields)
    community = _text(fields, "community_code")
    if not COMMUNITY_CODE.match(community):
        raise RowError(f"community_code {community!r} is not 12 digits")
    position = _position(fields, required=False)
    return PairingRecord(
        code=code,
        unit_name=_text(fields, "unit_name"),
        community_code=community,
        community_name=_text(fields, "community_name", required=False),
        lon=position[0] if position else None,
        lat=position[1] if position else None,
        first_secretary_role=_text(fields, "first_secretary_role", required=False),
        first_secretary_name=_text(fields, "first_secretary_name", required=False),
        liaison_name=_text(fields, "liaison_name", required=False) or None,
        projects=tuple(_list(fields, "projects")),
    )


def _read(path: Path, build: Callable[[Mapping[str, Any]], R], code_of: Callable[[R], str]) -> list[R]:
    rows = read_rows(path)
    problems: list[str] = []
    records: list[R] = []
    seen: dict[str, str] = {}
    for where, fields in rows:
        label = f"{where}" + (f" (code {fields.get('code')})" if fields.get("code") else "")
        try:
            record = build(fields)
        except RowError as exc:
            problems.append(f"{label}: {exc}")
            continue
        code = code_of(record)
        if code in seen:
            problems.append(f"{label}: code {code!r} repeats {seen[code]}")
            continue
        seen[code] = where
        records.append(record)
    if not rows:
        problems.append("the file holds no rows")
    if problems:
        raise PointFileError(str(path), problems)
    return records


def read_stations(path: Path) -> list[StationRecord]:
    return _read(path, station_from_fields, lambda r: r.code)


def read_pairings(path: Path) -> list[PairingRecord]:
    return _read(path, pairing_from_fields, lambda r: r.code)
