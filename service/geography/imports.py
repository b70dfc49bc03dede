"""Storing boundaries, units, categories and grid assignments, with boundary history by effective date.

Every function here works inside the caller's transaction and raises before anything is committed, so
the caller's single commit makes an import all-or-nothing (the CLI rolls back on any error).

Boundary versioning, per code:

* a feature whose current row has the same name, parent and outline → left untouched;
* a changed feature → the current row gets ``valid_to = valid_from`` and a new row is added from
  ``valid_from`` (which must be later than the current row's ``valid_from``: history is never rewritten);
* a new code → a new row from ``valid_from``;
* current rows whose code is not in the file are left alone (files may cover part of the city).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.boundaries import (
    DEFAULT_CONTAINMENT_TOLERANCE,
    BoundaryError,
    BoundaryFeature,
    BoundaryFile,
    check_within_parents,
)
from geo.categories import DEPARTMENT_KINDS, STREET_TEAM, Category, CategoryRule, DepartmentKind
from service.errors import Invalid, NotFound
from service.geography.routing import record_revision

LEVELS = ("district", "street", "community", "grid")
TABLES = {"district": "districts", "street": "streets", "community": "communities", "grid": "grids"}
PARENT_COLUMNS = {"street": "district_code", "community": "street_code", "grid": "community_code"}
PARENT_LEVELS = {"street": "district", "community": "street", "grid": "community"}
CODE_LENGTHS = {"district": 6, "street": 12, "community": 12, "grid": 15}
GEOMETRY_TOLERANCE_DEG = 1e-9  # outlines equal within this (after normalising) count as unchanged


@dataclass
class ImportReport:
    level: str
    source: str
    valid_from: datetime
    features: int = 0
    inserted: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    repairs: list[str] = field(default_factory=list)
    containment: list[tuple[str, str, float]] = field(default_factory=list)  # child, parent, share outside
    revision: int | None = None


def _hex_ewkb(geometries: Sequence[shapely.Geometry]) -> list[str]:
    arr = shapely.set_srid(np.array(geometries, dtype=object), 4326)
    return [str(h) for h in shapely.to_wkb(arr, hex=True, include_srid=True)]


def valid_at_sql(alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return f"{p}valid_from <= :at AND ({p}valid_to IS NULL OR {p}valid_to > :at)"


def parent_outlines(*, session: Session, level: str, at: datetime) -> dict[str, shapely.Geometry]:
    """Outlines of the parent level valid at ``at``, by code."""
    table = TABLES[PARENT_LEVELS[level]]
    rows = session.execute(
        text(f"SELECT code, ST_AsBinary(geom) FROM {table} WHERE {valid_at_sql()}"), {"at": at}
    ).all()
    geoms = shapely.from_wkb(np.array([bytes(r[1]) for r in rows], dtype=object)) if rows else []
    return {r[0]: g for r, g in zip(rows, geoms, strict=True)}


def _check_codes(level: str, features: Sequence[BoundaryFeature], source: str) -> None:
    n = CODE_LENGTHS[level]
    parent_n = CODE_LENGTHS.get(PARENT_LEVELS.get(level, ""), 0)
    for f in features:
        if len(f.code) != n or not f.code.isdigit():
            raise BoundaryError(
                f"a {level} code has {n} digits, got {f.code!r}",
                source=source,
                index=f.index,
                code=f.code,
                name=f.name,
            )
        if not f.name:
            raise BoundaryError("has no name", source=source, index=f.index, code=f.code)
        if (
            parent_n
            and f.parent_code is not None
            and (len(f.parent_code) != parent_n or not f.parent_code.isdigit())
        ):
            raise BoundaryError(
                f"parent code {f.parent_code!r} is not a {PARENT_LEVELS[level]} code ({parent_n} digits)",
                source=source,
                index=f.index,
                code=f.code,
                name=f.name,
            )


def import_boundaries(
    *,
    session: Session,
    level: str,
    boundaries: BoundaryFile,
    valid_from: datetime,
    source: str = "",
    is_demo: bool = False,
    kind: str = "",
    containment_tolerance: float = DEFAULT_CONTAINMENT_TOLERANCE,
) -> ImportReport:
    """Store a validated boundary file at ``level`` with history (see the module docstring).

    Raises :class:`geo.boundaries.BoundaryError` naming the feature for a code of the wrong shape, a
    child outside (or without) its parent, or a change that would rewrite history.
    """
    if level not in TABLES:
        raise Invalid(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if valid_from.tzinfo is None:
        raise Invalid("valid_from needs a UTC offset")
    table = TABLES[level]
    features = boundaries.features
    report = ImportReport(level, source, valid_from, features=len(features))
    report.repairs = [r.describe() for r in boundaries.repairs]
    _check_codes(level, features, source)
    if level in PARENT_LEVELS:
        parents = parent_outlines(session=session, level=level, at=valid_from)
        results = check_within_parents(features, parents, tolerance=containment_tolerance, source=source)
        report.containment = [(c.child_code, c.parent_code, c.share_outside) for c in results]
    parent_col = PARENT_COLUMNS.get(level)
    parent_sel = parent_col or "NULL"
    codes = [f.code for f in features]
    current = {
        r[0]: r
        for r in session.execute(
            text(
                f"SELECT code, id, name, {parent_sel}, ST_AsBinary(geom), valid_from FROM {table} "
                "WHERE valid_to IS NULL AND code = ANY(:codes)"
            ),
            {"codes": codes},
        ).all()
    }
    later_history = set(
        session.execute(
            text(f"SELECT DISTINCT code FROM {table} WHERE code = ANY(:codes) AND valid_to > :at"),
            {"codes": codes, "at": valid_from},
        ).scalars()
    )
    to_insert: list[BoundaryFeature] = []
    to_close: list[uuid.UUID] = []
    for f in features:
        row = current.get(f.code)
        if row is None:
            if f.code in later_history:
                raise BoundaryError(
                    f"history is never rewritten: an earlier outline of this code is valid after "
                    f"{valid_from.isoformat()}",
                    source=source,
                    index=f.index,
                    code=f.code,
                    name=f.name,
                )
            to_insert.append(f)
            report.inserted.append(f.code)
            continue
        old = shapely.from_wkb(bytes(row[4]))
        same_geometry = shapely.equals_exact(
            shapely.normalize(old), shapely.normalize(f.geometry), tolerance=GEOMETRY_TOLERANCE_DEG
        )
        if same_geometry and row[2] == f.name and (parent_col is None or row[3] == f.parent_code):
            report.unchanged += 1
            continue
        if row[5] >= valid_from:
            raise BoundaryError(
                f"changed, but its current row is valid from {row[5].isoformat()}; a change needs a later "
                f"--valid-from than that (history is never rewritten)",
                source=source,
                index=f.index,
                code=f.code,
                name=f.name,
            )
        to_close.append(row[1])
        to_insert.append(f)
        report.changed.append(f.code)
    if to_close:
        session.execute(
            text(f"UPDATE {table} SET valid_to = :at WHERE id = ANY(:ids)"),
            {"at": valid_from, "ids": to_close},
        )
    if to_insert:
        cols = ["code", "name", "kind", "geom", "valid_from", "is_demo"]
        if parent_col:
            cols.insert(1, parent_col)
        values = [
            {
                "code": f.code,
                "name": f.name,
                "kind": str(f.properties.get("kind") or kind or level),
                "geom": wkb,
                "valid_from": valid_from,
                "is_demo": is_demo,
                **({parent_col: f.parent_code} if parent_col else {}),
            }
            for f, wkb in zip(to_insert, _hex_ewkb([f.geometry for f in to_insert]), strict=True)
        ]
        placeholders = ", ".join("CAST(:geom AS geometry)" if c == "geom" else f":{c}" for c in cols)
        session.execute(text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})"), values)
    if to_insert:
        report.revision = record_revision(
            session=session,
            what=f"boundaries:{level}",
            detail={
                "source": source,
                "valid_from": valid_from.isoformat(),
                "inserted": len(report.inserted),
                "changed": len(report.changed),
                "unchanged": report.unchanged,
            },
        )
    return report


# --- department kinds, units, categories ------------------------------------------------------


def upsert_kinds(*, session: Session, kinds: Sequence[DepartmentKind] = DEPARTMENT_KINDS) -> int:
    session.execute(
        text(
            "INSERT INTO department_kinds (code, name, enforcement, sort) VALUES (:code, :name, :enf, :sort) "
            "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, enforcement = EXCLUDED.enforcement, "
            "sort = EXCLUDED.sort"
        ),
        [{"code": k.code, "name": k.name, "enf": k.enforcement, "sort": n} for n, k in enumerate(kinds)],
    )
    return len(kinds)


def upsert_categories(
    *, session: Session, categories: Sequence[Category], rules: dict[str, CategoryRule], points: int = 10
) -> int:
    """Insert or update categories with their rules; categories absent from the file are deactivated."""
    rows = []
    for n, c in enumerate(categories):
        r = rules[c.code]
        rows.append(
            {
                "code": c.code,
                "major_code": c.major_code,
                "major_name": c.major_name,
                "minor_code": c.minor_code,
                "name": c.minor_name,
                "note": c.note,
                "primary_kind": r.primary_kind,
                "joint_kinds": list(r.joint_kinds),
                "on_street_list": r.on_street_list,
                "ria": r.report_in.amount,
                "riu": r.report_in.unit.value,
                "ha": r.handling.amount,
                "hu": r.handling.unit.value,
                "points": points,
                "sort": n,
            }
        )
    session.execute(
        text(
            "INSERT INTO categories (code, major_code, major_name, minor_code, name, note, primary_kind, "
            "joint_kinds, on_street_list, report_in_amount, report_in_unit, handling_amount, handling_unit, "
            "points, active, sort) VALUES (:code, :major_code, :major_name, :minor_code, :name, :note, "
            ":primary_kind, :joint_kinds, :on_street_list, :ria, :riu, :ha, :hu, :points, true, :sort) "
            "ON CONFLICT (code) DO UPDATE SET major_code = EXCLUDED.major_code, "
            "major_name = EXCLUDED.major_name, "
            "minor_code = EXCLUDED.minor_code, name = EXCLUDED.name, note = EXCLUDED.note, "
            "primary_kind = EXCLUDED.primary_kind, joint_kinds = EXCLUDED.joint_kinds, "
            "on_street_list = EXCLUDED.on_street_list, report_in_amount = EXCLUDED.report_in_amount, "
            "report_in_unit = EXCLUDED.report_in_unit, handling_amount = EXCLUDED.handling_amount, "
            "handling_unit = EXCLUDED.handling_unit, active = true, sort = EXCLUDED.sort"
        ),
        rows,
    )
    session.execute(
        text("UPDATE categories SET active = false WHERE NOT (code = ANY(:codes))"),
        {"codes": [c.code for c in categories]},
    )
    record_revision(session=session, what="categories", detail={"count": len(rows)})
    return len(rows)


@dataclass(frozen=True)
class UnitRecord:
    code: str
    name: str
    kind: str
    level: str
    geometry: shapely.Geometry
    short_name: str = ""
    district_code: str | None = None
    street_code: str | None = None
    is_demo: bool = False


def upsert_units(*, session: Session, units: Sequence[UnitRecord]) -> int:
    """Insert or update units by code (ids stay stable, so users and dispatches keep pointing at them)."""
    known = set(session.execute(text("SELECT code FROM department_kinds")).scalars())
    for u in units:
        if u.kind not in known:
            raise Invalid(f"unit {u.code} ({u.name}): unknown department kind {u.kind!r}")
        if u.level not in ("street", "district", "city"):
            raise Invalid(
                f"unit {u.code} ({u.name}): level must be street, district or city, got {u.level!r}"
            )
    rows = [
        {
            "code": u.code,
            "name": u.name,
            "short": u.short_name,
            "kind": u.kind,
            "level": u.level,
            "district": u.district_code,
            "street": u.street_code,
            "team": u.kind == STREET_TEAM,
            "geom": wkb,
            "demo": u.is_demo,
        }
        for u, wkb in zip(units, _hex_ewkb([u.geometry for u in units]), strict=True)
    ]
    if rows:
        session.execute(
            text(
                "INSERT INTO department_units (code, name, short_name, kind_code, level, district_code, "
                "street_code, is_street_team, jurisdiction, is_demo, active) VALUES (:code, :name, :short, "
                ":kind, :level, :district, :street, :team, CAST(:geom AS geometry), :demo, true) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name, "
                "kind_code = EXCLUDED.kind_code, level = EXCLUDED.level, "
                "district_code = EXCLUDED.district_code, "
                "street_code = EXCLUDED.street_code, is_street_team = EXCLUDED.is_street_team, "
                "jurisdiction = EXCLUDED.jurisdiction, is_demo = EXCLUDED.is_demo, active = true"
            ),
            rows,
        )
    record_revision(session=session, what="units", detail={"count": len(rows)})
    return len(rows)


def units_from_boundaries(boundaries: BoundaryFile, *, source: str) -> list[UnitRecord]:
    """Units from a GeoJSON/Shapefile whose properties hold code, name, kind, level (and optionally
    short_name, district_code, street_code); the outline is the jurisdiction."""
    out = []
    for f in boundaries.features:
        props: dict[str, Any] = f.properties
        kind, level = props.get("kind"), props.get("level")
        if not kind or not level:
            raise BoundaryError("needs kind and level properties", source=source, index=f.index, code=f.code)
        out.append(
            UnitRecord(
                code=f.code,
                name=f.name,
                kind=str(kind),
                level=str(level),
                geometry=f.geometry,
                short_name=str(props.get("short_name") or ""),
                district_code=str(props["district_code"]) if props.get("district_code") else None,
                street_code=str(props["street_code"]) if props.get("street_code") else None,
            )
        )
    return out


# --- grid assignments ----------------------------------------------------------------------------


def assign_grids(*, session: Session, user_id: uuid.UUID, grid_codes: Sequence[str]) -> None:
    """Make ``grid_codes`` the user's 责任网格 (replacing earlier assignments)."""
    role = session.execute(text("SELECT role FROM users WHERE id = :u"), {"u": user_id}).scalar_one_or_none()
    if role is None:
        raise NotFound(f"user {user_id} does not exist")
    if role != "grid_worker":
        raise Invalid(f"only grid workers are assigned grids; this user is {role}")
    known = set(
        session.execute(
            text("SELECT code FROM grids WHERE valid_to IS NULL AND code = ANY(:c)"), {"c": list(grid_codes)}
        ).scalars()
    )
    missing = sorted(set(grid_codes) - known)
    if missing:
        raise Invalid(f"unknown grid(s): {', '.join(missing)}")
    session.execute(text("DELETE FROM grid_assignments WHERE user_id = :u"), {"u": user_id})
    if grid_codes:
        session.execute(
            text("INSERT INTO grid_assignments (user_id, grid_code) VALUES (:u, :g)"),
            [{"u": user_id, "g": g} for g in sorted(set(grid_codes))],
        )


def import_grid_workers(*, session: Session, path: Path) -> dict[str, int]:
    """CSV ``username,grid_code`` (one row per grid): each listed worker's grids are replaced."""
    by_user: dict[str, list[str]] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"username", "grid_code"} <= set(reader.fieldnames):
                raise Invalid(f"{path}: needs the columns username and grid_code")
            for line, row in enumerate(reader, 2):
                user, grid = (row.get("username") or "").strip(), (row.get("grid_code") or "").strip()
                if not user or not grid:
                    raise Invalid(f"{path}:{line}: empty username or grid_code")
                by_user.setdefault(user, []).append(grid)
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}") from exc
    for username, grids in by_user.items():
        uid = session.execute(
            text("SELECT id FROM users WHERE username = :n"), {"n": username}
        ).scalar_one_or_none()
        if uid is None:
            raise Invalid(f"{path}: unknown user {username!r}")
        try:
            assign_grids(session=session, user_id=uid, grid_codes=grids)
        except Invalid as exc:
            raise Invalid(f"{path}: {username}: {exc.message}") from exc
    return {u: len(g) for u, g in by_user.items()}
