"""Loading the demo city (geo.demo) into the database, fast, and the demo accounts.

Divisions go in with COPY (hex EWKB text, a few thousand rows in well under a second); units and
categories with the ordinary upserts. Every row is marked ``is_demo``. Loading again replaces the demo
divisions (demo data has no history worth keeping); a database holding real (non-demo) divisions is
refused, so a demo can never mix into a real city.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from service.publicmap.loading import load_demo_public_map

# The demo city's outlines hold for every report a demo will ever show.
DEMO_VALID_FROM = datetime(2000, 1, 1, tzinfo=UTC)
DEMO_PASSWORD = "whistle-demo"  # noqa: S105 - documented on purpose; refused in production


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
    load_demo_public_map(session=session, city=city)  # stations, pairing points, warm-new streets
    return {
        "districts": len(city.districts),
        "streets": len(city.streets),
        "communities": len(city.communities),
        "grids": len(city.grids),
        "units": len(units),
        "categories": len(categories),
    }


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    unit_code: str | None = None
    grids_of_community: str | None = None  # name of a named community: its grids become the worker's


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin", "系统管理员（演示）"),
    DemoAccount("dispatcher", "dispatcher", "指挥中心值班员（演示）"),
    DemoAccount("grid-zhengyang", "grid_worker", "正阳社区网格员（演示）", grids_of_community="正阳社区"),
    DemoAccount("grid-changjiang", "grid_worker", "长江社区网格员（演示）", grids_of_community="长江社区"),
    DemoAccount("courier", "courier", "外卖骑手（演示）"),
    DemoAccount("police-beijinglu", "officer", "北京路派出所民警（演示）", unit_code="name:北京路派出所"),
    DemoAccount("market-city", "officer", "市场监管执法员（演示）", unit_code="name:吉林市市场监督管理局"),
    DemoAccount(
        "team-desheng", "street_team", "德胜街道综合执法队员（演示）", unit_code="name:德胜街道综合行政执法队"
    ),
)


def create_demo_accounts(*, session: Session, password: str = DEMO_PASSWORD) -> list[str]:
    """Create the demo accounts that do not exist yet; returns lines describing each account."""
    from service.accounts import service as accounts
    from service.accounts.models import Role
    from service.geography.imports import assign_grids

    lines = []
    for a in DEMO_ACCOUNTS:
        unit_id = None
        if a.unit_code is not None:
            name = a.unit_code.removeprefix("name:")
            unit_id = session.execute(
                text("SELECT id FROM department_units WHERE name = :n ORDER BY code LIMIT 1"), {"n": name}
            ).scalar_one()
        existing = accounts.get_user_by_username(session=session, username=a.username)
        if existing is not None:
            lines.append(f"{a.username:18} {a.role:12} exists, left unchanged")
            continue
        user = accounts.create_user(
            session=session,
            username=a.username,
            password=password,
            role=Role(a.role),
            display_name=a.display_name,
            unit_id=unit_id,
        )
        note = a.display_name
        if a.grids_of_community is not None:
            grids = list(
                session.execute(
                    text(
                        "SELECT g.code FROM grids g JOIN communities c ON c.code = g.community_code "
                        "AND c.valid_to IS NULL WHERE g.valid_to IS NULL AND c.name = :n ORDER BY g.code"
                    ),
                    {"n": a.grids_of_community},
                ).scalars()
            )
            assign_grids(session=session, user_id=user.id, grid_codes=grids)
            note += f", {len(grids)} grid(s) of {a.grids_of_community}"
        lines.append(f"{a.username:18} {a.role:12} {note}")
    return lines
