"""Store stations, pairing points and warm-new streets: from the demo city or from an imported file.

Imports are all-or-nothing: the file is read and checked as a whole (``geo.pointfiles``), then checked
against the database (the community must exist; a pairing point must lie inside its community), and
only then written, upserting by ``code``, in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.demo.model import DemoCity
from geo.demo.publicmap import build_public_map
from geo.opening_hours import OpeningHours
from geo.pointfiles import PairingRecord, PointFileError, StationRecord, read_pairings, read_stations


@dataclass(frozen=True)
class LoadSummary:
    stations: int
    pairings: int
    streets: int


def multirange_literal(hours: OpeningHours) -> str:
    return "{" + ",".join(f"[{lo},{hi})" for lo, hi in hours.week_ranges()) + "}"


UPSERT_STATION = text(
    """
    INSERT INTO stations (id, code, name, address, geom, services, opening_hours, open_minutes,
                          always_open, operator, community_code, is_demo, updated_at)
    VALUES (gen_random_uuid(), :code, :name, :address, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
            CAST(:services AS text[]), CAST(:hours AS jsonb), CAST(:minutes AS int4multirange),
            :always_open, :operator, :community_code, :is_demo, now())
    ON CONFLICT (code) DO UPDATE SET
        name = excluded.name, address = excluded.address, geom = excluded.geom,
        services = excluded.services, opening_hours = excluded.opening_hours,
        open_minutes = excluded.open_minutes, always_open = excluded.always_open,
        operator = excluded.operator, community_code = excluded.community_code,
        is_demo = excluded.is_demo, updated_at = now()
    """
)

UPSERT_PAIRING = text(
    """
    INSERT INTO pairings (id, code, unit_name, community_code, community_name, geom, first_secretary_role,
                          first_secretary_name, liaison_name, projects, is_demo, updated_at)
    VALUES (gen_random_uuid(), :code, :unit_name, :community_code, :community_name,
            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :role, :secretary, :liaison,
            CAST(:projects AS text[]), :is_demo, now())
    ON CONFLICT (code) DO UPDATE SET
        unit_name = excluded.unit_name, community_code = excluded.community_code,
        community_name = excluded.community_name, geom = excluded.geom,
        first_secretary_role = excluded.first_secretary_role,
        first_secretary_name = excluded.first_secretary_name, liaison_name = excluded.liaison_name,
        projects = excluded.projects, is_demo = excluded.is_demo, updated_at = now()
    """
)


def store_stations(*, session: Session, records: list[StationRecord], is_demo: bool) -> int:
    session.execute(
        UPSERT_STATION,
        [
            {
                "code": r.code,
                "name": r.name,
                "address": r.address,
                "lon": r.lon,
                "lat": r.lat,
                "services": list(r.services),
                "hours": json.dumps(r.hours.to_json()),
                "minutes": multirange_literal(r.hours),
                "always_open": r.hours.always_open,
                "operator": r.operator,
                "community_code": r.community_code,
                "is_demo": is_demo,
            }
            for r in records
        ],
    )
    return len(records)


def store_pairings(*, session: Session, records: list[PairingRecord], is_demo: bool) -> int:
    """Pairings without a position are placed on a point inside their community."""
    params = []
    for r in records:
        lon, lat = r.lon, r.lat
        if lon is None or lat is None:
            row = session.execute(
                text(
                    "SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM "
                    "(SELECT ST_PointOnSurface(geom) AS p FROM communities "
                    " WHERE code = :c AND valid_to IS NULL) q"
                ),
                {"c": r.community_code},
            ).one()
            lon, lat = float(row.lon), float(row.lat)
        params.append(
            {
                "code": r.code,
                "unit_name": r.unit_name,
                "community_code": r.community_code,
                "community_name": r.community_name,
                "lon": lon,
                "lat": lat,
                "role": r.first_secretary_role,
                "secretary": r.first_secretary_name,
                "liaison": r.liaison_name,
                "projects": list(r.projects),
                "is_demo": is_demo,
            }
        )
    if params:
        session.execute(UPSERT_PAIRING, params)
    return len(params)


def _community_problems(
    session: Session, wanted: Sequence[tuple[str, str, float | None, float | None]], *, inside: bool
) -> list[str]:
    """Rows (label, community, lon, lat) whose community is unknown or (``inside``) lacks the point."""
    codes = sorted({code for _, code, _, _ in wanted})
    known = {
        row.code: row
        for row in session.execute(
            text("SELECT code, name FROM communities WHERE valid_to IS NULL AND code = ANY(:codes)"),
            {"codes": codes},
        )
    }
    problems = []
    outside: list[tuple[str, str, float, float]] = []
    for label, code, lon, lat in wanted:
        if code not in known:
            problems.append(f"{label}: community_code {code} is not a current community")
        elif inside and lon is not None and lat is not None:
            outside.append((label, code, lon, lat))
    if outside:
        rows = session.execute(
            text(
                """
                SELECT q.label FROM unnest(CAST(:labels AS text[]), CAST(:codes AS text[]),
                                          CAST(:lons AS float8[]), CAST(:lats AS float8[]))
                       AS q(label, code, lon, lat)
                WHERE NOT EXISTS (
                    SELECT 1 FROM communities c
                    WHERE c.code = q.code AND c.valid_to IS NULL
                      AND ST_Covers(c.geom, ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326)))
                """
            ),
            {
                "labels": [o[0] for o in outside],
                "codes": [o[1] for o in outside],
                "lons": [o[2] for o in outside],
                "lats": [o[3] for o in outside],
            },
        ).scalars()
        problems += [f"{label}: the point lies outside its community" for label in rows]
    return problems


def import_stations(*, session: Session, path: Path) -> int:
    records = read_stations(path)
    wanted = [(f"code {r.code}", r.community_code, r.lon, r.lat) for r in records if r.community_code]
    problems = _community_problems(session, wanted, inside=False)
    if problems:
        raise PointFileError(str(path), problems)
    return store_stations(session=session, records=records, is_demo=False)


def import_pairings(*, session: Session, path: Path) -> int:
    records = read_pairings(path)
    wanted = [(f"code {r.code}", r.community_code, r.lon, r.lat) for r in records]
    problems = _community_problems(session, wanted, inside=True)
    if problems:
        raise PointFileError(str(path), problems)
    return store_pairings(session=session, records=records, is_demo=False)


def load_demo_public_map(*, session: Session, city: DemoCity) -> LoadSummary:
    """Replace the demo stations, pairings and streets with those generated for ``city``."""
    public_map = build_public_map(city)
    for table in ("stations", "pairings", "commercial_streets"):
        session.execute(text(f"DELETE FROM {table} WHERE is_demo"))
    stations = [
        StationRecord(
            s.code, s.name, s.address, s.lon, s.lat, s.services, s.hours, s.operator, s.community_code
        )
        for s in public_map.stations
    ]
    pairings = [
        PairingRecord(
            p.code,
            p.unit_name,
            p.community_code,
            p.community_name,
            p.lon,
            p.lat,
            p.first_secretary_role,
            p.first_secretary_name,
            p.liaison_name,
            p.projects,
        )
        for p in public_map.pairings
    ]
    store_stations(session=session, records=stations, is_demo=True)
    store_pairings(session=session, records=pairings, is_demo=True)
    session.execute(
        text(
            """
            INSERT INTO commercial_streets (id, code, name, description, geom, is_demo, updated_at)
            VALUES (gen_random_uuid(), :code, :name, :description, ST_GeomFromText(:wkt, 4326), true, now())
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, description = excluded.description,
                geom = excluded.geom, is_demo = true, updated_at = now()
            """
        ),
        [
            {"code": s.code, "name": s.name, "description": "暖新商街（演示）", "wkt": s.line.wkt}
            for s in public_map.streets
        ],
    )
    return LoadSummary(len(stations), len(pairings), len(public_map.streets))
