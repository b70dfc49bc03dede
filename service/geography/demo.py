"""Loading the demo city's geography (geo.demo) into the database, fast: divisions, river, units,
categories. `service.demo` loads the rest of the demo (public map, accounts) on top.

Divisions go in with COPY (hex EWKB text, a few thousand rows in well under a second); units and
categories with the ordinary upserts. Every row is marked ``is_demo``. Loading again replaces the demo
divisions (demo data has no history worth keeping); a database holding real (non-demo) divisions is
refused, so a demo can never mix into a real city.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.categories import load_categories, load_rules
from geo.demo import DemoCity, DemoDivision, Progress
from geo.demo.model import no_progress
from service.errors import Conflict
from service.geography.imports import (
    PARENT_COLUMNS,
    TABLES,
    UnitRecord,
    _hex_ewkb,
    upsert_categories,
    upsert_kinds,
    upsert_units,
)
from service.geography.routing import record_revision

# The demo city's outlines hold for every report a demo will ever show.
DEMO_VALID_FROM = datetime(2000, 1, 1, tzinfo=UTC)


def has_divisions(session: Session) -> bool:
    return bool(
        session.execute(
            text("SELECT EXISTS (SELECT 1 FROM grids) OR EXISTS (SELECT 1 FROM districts)")
        ).scalar()
    )


def _copy_divisions(session: Session, level: str, divisions: Sequence[DemoDivision]) -> None:
    table = TABLES[level]
    parent = PARENT_COLUMNS.get(level)
    cols = ["code", "name", "kind", "geom", "valid_from", "is_demo"] + ([parent] if parent else [])
    wkbs = _hex_ewkb([d.geometry for d in divisions])
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for d, wkb in zip(divisions, wkbs, strict=True):
            row = [d.code, d.name, d.kind, wkb, DEMO_VALID_FROM, True]
            if parent:
                row.append(d.parent_code)
            copy.write_row(row)


def load_demo_city(*, session: Session, city: DemoCity, progress: Progress = no_progress) -> dict[str, int]:
    """Store the demo city (divisions, river, kinds, categories, units) in the caller's transaction."""
    real = session.execute(
        text(" UNION ALL ".join(f"SELECT count(*) FROM {t} WHERE NOT is_demo" for t in TABLES.values()))
    ).scalars()
    if sum(real):
        raise Conflict("the database holds real (non-demo) divisions; the demo city is not loaded over them")
    for table in reversed(TABLES.values()):
        session.execute(text(f"DELETE FROM {table} WHERE is_demo"))
    session.execute(text("DELETE FROM water_features WHERE is_demo"))
    layers = (
        ("district", city.districts),
        ("street", city.streets),
        ("community", city.communities),
        ("grid", city.grids),
    )
    total = sum(len(d) for _, d in layers)
    done = 0
    for level, divisions in layers:
        _copy_divisions(session, level, divisions)
        done += len(divisions)
        progress("storing divisions", done, total)
    river = city.river
    session.execute(
        text(
            "INSERT INTO water_features (code, name, kind, geom, is_demo) "
            "VALUES (:c, :n, :k, CAST(:g AS geometry), true)"
        ),
        {"c": river.code, "n": river.name, "k": river.kind, "g": _hex_ewkb([river.geometry])[0]},
    )
    upsert_kinds(session=session)
    categories = load_categories()
    upsert_categories(session=session, categories=categories, rules=load_rules(categories=categories))
    progress("storing units and categories", 0, 1)
    by_code = city.by_code()
    units = []
    for u in city.units:
        area = by_code.get(u.area_codes[0]) if len(u.area_codes) == 1 else None
        street = area.code if area is not None and area.level == "street" else None
        district = u.area_codes[0][:6] if u.level != "city" else None
        units.append(
            UnitRecord(
                code=u.code,
                name=u.name,
                kind=u.kind,
                level=u.level,
                geometry=u.geometry,
                short_name=u.short_name,
                district_code=district,
                street_code=street,
                is_demo=True,
            )
        )
    upsert_units(session=session, units=units)
    progress("storing units and categories", 1, 1)
    record_revision(session=session, what="demo", detail={"seed": city.seed, "grids": len(city.grids)})
    return {
        "districts": len(city.districts),
        "streets": len(city.streets),
        "communities": len(city.communities),
        "grids": len(city.grids),
        "units": len(units),
        "categories": len(categories),
    }
