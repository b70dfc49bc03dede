"""Reading the city model: categories, divisions with GeoJSON outlines, units."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.errors import Invalid, NotFound
from service.geography.imports import CODE_LENGTHS, PARENT_COLUMNS, TABLES, valid_at_sql
from service.geography.schemas import (
    CategoryPublic,
    DivisionCollection,
    DivisionFeature,
    DivisionSummary,
    TimeLimitPublic,
    UnitPublic,
)

MAX_DIVISIONS = 5000
COORDINATE_DIGITS = 6  # ~0.1 m


def list_categories(
    *, session: Session, include_inactive: bool = False, limit: int | None = None
) -> list[CategoryPublic]:
    rows = session.execute(
        text(
            "SELECT code, name, major_code, major_name, primary_kind, joint_kinds, on_street_list, "
            "report_in_amount, report_in_unit, handling_amount, handling_unit, points FROM categories "
            + ("" if include_inactive else "WHERE active ")
            + "ORDER BY sort, code LIMIT :limit"
        ),
        {"limit": limit},
    ).all()
    return [
        CategoryPublic(
            code=r[0],
            name=r[1],
            major_code=r[2],
            major_name=r[3],
            primary_kind=r[4],
            joint_kinds=list(r[5] or []),
            on_street_list=r[6],
            report_in_limit=TimeLimitPublic(amount=r[7], unit=r[8]),
            handling_limit=TimeLimitPublic(amount=r[9], unit=r[10]),
            points=r[11],
        )
        for r in rows
    ]


def _level_table(level: str) -> str:
    table = TABLES.get(level)
    if table is None:
        raise NotFound(f"no division level {level!r}; use one of {', '.join(TABLES)}")
    return table


def _feature(level: str, row: Any, with_geometry: bool) -> DivisionFeature:
    code, name, kind, parent, valid_from, valid_to, is_demo, geojson = row
    return DivisionFeature(
        id=code,
        geometry=json.loads(geojson) if with_geometry and geojson else None,
        properties=DivisionSummary(
            code=code,
            name=name,
            level=level,
            kind=kind,
            parent_code=parent,
            valid_from=valid_from,
            valid_to=valid_to,
            is_demo=is_demo,
        ),
    )


def _select(level: str, with_geometry: bool) -> str:
    parent = PARENT_COLUMNS.get(level, "NULL")
    geometry = f"ST_AsGeoJSON(geom, {COORDINATE_DIGITS})" if with_geometry else "NULL"
    return (
        f"SELECT code, name, kind, {parent}, valid_from, valid_to, is_demo, {geometry} "
        f"FROM {_level_table(level)}"
    )


def list_divisions(
    *,
    session: Session,
    level: str,
    bbox: tuple[float, float, float, float] | None = None,
    parent_code: str | None = None,
    at: datetime | None = None,
    with_geometry: bool = True,
    after_code: str | None = None,
    limit: int | None = None,
) -> DivisionCollection:
    """Divisions of one level valid at ``at`` (default now) as a GeoJSON FeatureCollection, by code;
    a page of `limit` after the code `after_code` (without a limit, at most `MAX_DIVISIONS`)."""
    sql = _select(level, with_geometry) + f" WHERE {valid_at_sql()}"
    params: dict[str, Any] = {"at": at or datetime.now(UTC)}
    if bbox is not None:
        west, south, east, north = bbox
        if not (west < east and south < north):
            raise Invalid("bbox is west,south,east,north with west < east and south < north")
        sql += " AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
        params.update(w=west, s=south, e=east, n=north)
    if parent_code is not None:
        column = PARENT_COLUMNS.get(level)
        if column is None:
            raise Invalid("districts have no parent")
        sql += f" AND {column} = :parent"
        params["parent"] = parent_code
    if after_code is not None:
        sql += " AND code > :after_code"
        params["after_code"] = after_code
    sql += " ORDER BY code LIMIT :limit"
    params["limit"] = limit if limit is not None else MAX_DIVISIONS + 1
    rows = session.execute(text(sql), params).all()
    if limit is None and len(rows) > MAX_DIVISIONS:
        raise Invalid(f"more than {MAX_DIVISIONS} divisions match; narrow with bbox or parent")
    return DivisionCollection(features=[_feature(level, r, with_geometry) for r in rows])


def get_division(*, session: Session, level: str, code: str, at: datetime | None = None) -> DivisionFeature:
    """One division (valid at ``at``, default now) as a GeoJSON Feature."""
    table = _level_table(level)
    if len(code) != CODE_LENGTHS[level] or not code.isdigit():
        raise NotFound(f"{level} code has {CODE_LENGTHS[level]} digits, got {code!r}")
    row = session.execute(
        text(_select(level, True) + f" WHERE code = :code AND {valid_at_sql()}"),
        {"code": code, "at": at or datetime.now(UTC)},
    ).first()
    if row is None:
        raise NotFound(f"no {level} {code} in {table}" + (f" at {at.isoformat()}" if at else ""))
    return _feature(level, row, True)


def list_units(
    *,
    session: Session,
    kind: str | None = None,
    after: tuple[int, str] | None = None,
    limit: int | None = None,
) -> list[tuple[UnitPublic, int]]:
    """Active units, each with its kind's sort: ordered by the key (sort, code); a page of `limit` after
    the key `after`."""
    sql = (
        "SELECT u.id, u.code, u.name, u.short_name, u.kind_code, coalesce(k.name, u.kind_code), u.level, "
        "u.district_code, u.street_code, u.is_street_team, u.is_demo, coalesce(k.sort, 0) "
        "FROM department_units u LEFT JOIN department_kinds k ON k.code = u.kind_code WHERE u.active"
    )
    params: dict[str, Any] = {"limit": limit}
    if kind is not None:
        sql += " AND u.kind_code = :kind"
        params["kind"] = kind
    if after is not None:
        sql += " AND (coalesce(k.sort, 0), u.code) > (:after_sort, :after_code)"
        params.update(after_sort=after[0], after_code=after[1])
    rows = session.execute(text(sql + " ORDER BY coalesce(k.sort, 0), u.code LIMIT :limit"), params).all()
    return [
        (
            UnitPublic(
                id=r[0],
                code=r[1],
                name=r[2],
                short_name=r[3],
                kind=r[4],
                kind_name=r[5],
                level=r[6],
                district_code=r[7],
                street_code=r[8],
                is_street_team=r[9],
                is_demo=r[10],
            ),
            r[11],
        )
        for r in rows
    ]


def distance_to_city_m(
    *, session: Session, lon: float, lat: float, at: datetime | None = None
) -> float | None:
    """Geodesic metres from a WGS-84 point to the city: the nearest district outline valid at `at`
    (default now), 0 inside one; None when no district outline is valid then. One query, meant for the
    rare report placed outside the city (`Routing.district` None), not for every report."""
    row = session.execute(
        text(
            "SELECT min(ST_Distance(geom::geography, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)) "
            f"FROM districts WHERE {valid_at_sql()}"
        ),
        {"lon": lon, "lat": lat, "at": at or datetime.now(UTC)},
    ).scalar_one()
    return float(row) if row is not None else None
