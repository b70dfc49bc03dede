"""`whistle import …` and `whistle demo load` through typer's CliRunner against a database of their own.

Every broken file must fail with exit code 1, a message naming the feature, and the database exactly
as it was (compared table by table with a content hash).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geo.demo.divisions import DISTRICTS_FILE
from service.cli import app as cli
from service.geography.routing import route
from service.settings import get_settings

TABLES = (
    "districts",
    "streets",
    "communities",
    "grids",
    "department_kinds",
    "department_units",
    "categories",
    "grid_assignments",
    "water_features",
    "geography_revisions",
    "users",
)
DESHENG = "220204001000"


@pytest.fixture
def session(cli_database_url: str) -> Iterator[Session]:
    engine = create_engine(cli_database_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def fingerprint(session: Session) -> dict[str, str]:
    session.rollback()  # see the latest committed state
    return {
        t: session.execute(
            text(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {t} x"
            )
        ).scalar_one()
        for t in TABLES
    }


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, name: str, features: Any) -> Path:
    path = tmp_path / name
    body = (
        features
        if isinstance(features, str)
        else json.dumps({"type": "FeatureCollection", "features": features})
    )
    path.write_text(body, encoding="utf-8")
    return path


def feature(code: str, name: str, parent: str | None, geometry: Any) -> dict[str, Any]:
    geo = geometry if isinstance(geometry, dict) else json.loads(shapely.to_geojson(geometry))
    props = {"code": code, "name": name} | ({"parent_code": parent} if parent else {})
    return {"type": "Feature", "properties": props, "geometry": geo}


def current(session: Session, table: str, code: str) -> shapely.Geometry:
    wkb = session.execute(
        text(f"SELECT ST_AsBinary(geom) FROM {table} WHERE code = :c AND valid_to IS NULL"), {"c": code}
    ).scalar_one()
    return shapely.from_wkb(bytes(wkb))


def test_the_real_district_file_reports_and_repairs_shulan(cli_database_url: str, session: Session) -> None:
    result = run(
        "import",
        "boundaries",
        str(DISTRICTS_FILE),
        "--level",
        "district",
        "--datum",
        "gcj02",
        "--valid-from",
        "2025-01-01",
    )
    assert result.exit_code == 0, result.output
    repaired = [line for line in result.output.splitlines() if line.startswith("repaired:")]
    assert len(repaired) == 1 and "舒兰市" in repaired[0] and "220283" in repaired[0]
    assert "9 district feature(s)" in result.output
    invalid = session.execute(text("SELECT count(*) FROM districts WHERE NOT ST_IsValid(geom)")).scalar_one()
    assert invalid == 0


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[126.54, 43.84], [126.55, 43.85], [126.55, 43.84], [126.54, 43.85], [126.54, 43.84]]],
}


@pytest.mark.parametrize(
    ("case", "level", "expected"),
    [
        ("bad-json", "district", "not valid JSON"),
        ("wrong-type", "grid", "geometry type Point, expected Polygon or MultiPolygon"),
        ("bowtie", "grid", "cannot be repaired"),
        ("outside-parent", "grid", "outside its parent 220204001001"),
        ("unknown-parent", "street", "parent 220299 is unknown"),
        ("rewrite-history", "street", "history is never rewritten"),
    ],
)
def test_broken_files_fail_clearly_and_change_nothing(
    cli_database_url: str, session: Session, tmp_path: Path, case: str, level: str, expected: str
) -> None:
    desheng = current(session, "streets", DESHENG)
    community = current(session, "communities", "220204001001")
    inside = shapely.intersection(community, shapely.buffer(community.representative_point(), 0.0005))
    far_away = shapely.box(126.94, 44.40, 126.945, 44.405)  # in 舒兰市
    good = feature("220204001001901", "新网格", "220204001001", inside)
    files = {
        "bad-json": '{"type": "FeatureCollection", "features": [',
        "wrong-type": [
            good,
            feature(
                "220204001001902", "点网格", "220204001001", {"type": "Point", "coordinates": [126.5, 43.8]}
            ),
        ],
        "bowtie": [good, feature("220204001001902", "自相交网格", "220204001001", BOWTIE)],
        "outside-parent": [good, feature("220204001001902", "飞地网格", "220204001001", far_away)],
        "unknown-parent": [feature("220299001000", "无主街道", "220299", far_away)],
        # A changed 德胜街道 dated no later than its current row (2000-01-01) would rewrite history.
        "rewrite-history": [feature(DESHENG, "德胜街道", "220204", shapely.buffer(desheng, -0.001))],
    }
    path = write(tmp_path, f"{case}.geojson", files[case])
    before = fingerprint(session)
    args = ["import", "boundaries", str(path), "--level", level]
    if case == "rewrite-history":
        args += ["--valid-from", "2000-01-01"]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert expected in result.output and str(path) in result.output
    if case in ("wrong-type", "bowtie", "outside-parent"):
        assert "feature #1 (code 220204001001902" in result.output
    assert fingerprint(session) == before


def test_a_grid_changed_later_routes_old_reports_by_the_old_outline(
    cli_database_url: str, session: Session, tmp_path: Path
) -> None:
    grids = (
        session.execute(
            text(
                "SELECT code FROM grids WHERE community_code = '220204001001' AND valid_to IS NULL ORDER BY code"
            )
        )
        .scalars()
        .all()
    )
    old = {code: current(session, "grids", code) for code in grids}
    target, neighbour = next(
        (a, b)
        for a in grids
        for b in grids
        if a != b and shapely.length(shapely.intersection(old[a].boundary, old[b].boundary)) > 0.001
    )
    shared = shapely.intersection(old[target].boundary, old[neighbour].boundary)
    on_edge = shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True)
    centre = old[target].representative_point()
    # 10 m into the target grid from the shared edge.
    dx, dy = centre.x - on_edge.x, centre.y - on_edge.y
    scale = 10.0 / (((dx * 79_900) ** 2 + (dy * 111_100) ** 2) ** 0.5)
    p = shapely.Point(on_edge.x + dx * scale, on_edge.y + dy * scale)
    assert old[target].contains(p)
    shrunk = shapely.buffer(old[target], -0.0013)  # ~100 m smaller all round
    changed_from = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    path = write(
        tmp_path,
        "grids.geojson",
        [
            feature(target, "变更后的网格", "220204001001", shrunk),
            feature(
                neighbour,
                session.execute(
                    text("SELECT name FROM grids WHERE code = :c AND valid_to IS NULL"), {"c": neighbour}
                ).scalar_one(),
                "220204001001",
                old[neighbour],
            ),
        ],
    )
    # Route once before the import: the process-wide router cache now holds the old outlines.
    cached = route(session=session, lon=p.x, lat=p.y)
    assert cached.status == "routed" and cached.grid is not None and cached.grid.code == target
    before = fingerprint(session)
    result = run(
        "import", "boundaries", str(path), "--level", "grid", "--valid-from", changed_from.isoformat()
    )
    assert result.exit_code == 0, result.output
    assert "0 new, 1 changed" in result.output and "1 unchanged" in result.output
    after = fingerprint(session)
    assert {t for t in TABLES if before[t] != after[t]} == {"grids", "geography_revisions"}
    rows = session.execute(
        text("SELECT name, valid_from, valid_to FROM grids WHERE code = :c ORDER BY valid_from"),
        {"c": target},
    ).all()
    assert (
        len(rows) == 2 and rows[0].valid_to == changed_from == rows[1].valid_from and rows[1].valid_to is None
    )
    assert rows[1].name == "变更后的网格"
    assert session.execute(text("SELECT count(*) FROM grids WHERE valid_to IS NOT NULL")).scalar_one() == 1

    # The import (another process, committed) bumped the revision: the cached router is rebuilt.
    new_report = route(session=session, lon=p.x, lat=p.y)
    old_report = route(session=session, lon=p.x, lat=p.y, at=changed_from - timedelta(days=30))
    assert old_report.status == "routed" and old_report.grid is not None and old_report.grid.code == target
    assert (
        new_report.status == "snapped" and new_report.grid is not None and new_report.grid.code == neighbour
    )
    assert old_report.trace[0].startswith("outlines valid at")

    again = run(
        "import", "boundaries", str(path), "--level", "grid", "--valid-from", changed_from.isoformat()
    )
    assert again.exit_code == 0 and "0 new, 0 changed" in again.output and "2 unchanged" in again.output
    assert fingerprint(session) == after  # an unchanged file writes nothing, not even a revision


def test_categories_units_and_grid_workers_import(
    cli_database_url: str, session: Session, tmp_path: Path
) -> None:
    result = run("import", "categories")
    assert result.exit_code == 0, result.output
    assert "41 categories" in result.output
    desheng = current(session, "streets", DESHENG)
    units = write(
        tmp_path,
        "units.geojson",
        [
            {
                "type": "Feature",
                "properties": {
                    "code": "fire-desheng",
                    "name": "德胜消防站",
                    "kind": "fire_rescue",
                    "level": "street",
                    "street_code": DESHENG,
                },
                "geometry": json.loads(shapely.to_geojson(desheng)),
            }
        ],
    )
    result = run("import", "units", str(units))
    assert result.exit_code == 0, result.output
    session.rollback()
    fire = session.execute(text("SELECT name, level FROM department_units WHERE code = 'fire-desheng'")).one()
    assert tuple(fire) == ("德胜消防站", "street")

    bad_kind = write(
        tmp_path,
        "bad-units.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "x", "name": "某局", "kind": "ministry_of_magic", "level": "city"},
                "geometry": json.loads(shapely.to_geojson(desheng)),
            }
        ],
    )
    before = fingerprint(session)
    result = run("import", "units", str(bad_kind))
    assert result.exit_code == 1 and "unknown department kind 'ministry_of_magic'" in result.output
    assert fingerprint(session) == before

    run("user", "create", "wang.wei", "--role", "grid_worker", "--password", "wangwei-2024")
    grids = (
        session.execute(
            text(
                "SELECT code FROM grids WHERE community_code LIKE :s AND valid_to IS NULL ORDER BY code LIMIT 3"
            ),
            {"s": DESHENG[:9] + "%"},
        )
        .scalars()
        .all()
    )
    csv_path = tmp_path / "workers.csv"
    csv_path.write_text("username,grid_code\n" + "".join(f"wang.wei,{g}\n" for g in grids), encoding="utf-8")
    result = run("import", "grid-workers", str(csv_path))
    assert result.exit_code == 0, result.output
    assert "3 grid(s) assigned to 1 worker(s)" in result.output
    session.rollback()
    assigned = (
        session.execute(
            text(
                "SELECT grid_code FROM grid_assignments a JOIN users u ON u.id = a.user_id WHERE u.username = 'wang.wei' ORDER BY 1"
            )
        )
        .scalars()
        .all()
    )
    assert assigned == list(grids)
    csv_path.write_text("username,grid_code\nwang.wei,220204001999999\n", encoding="utf-8")
    before = fingerprint(session)
    result = run("import", "grid-workers", str(csv_path))
    assert result.exit_code == 1 and "unknown grid(s): 220204001999999" in result.output
    assert fingerprint(session) == before


def test_demo_load_with_accounts_and_if_empty(
    cli_database_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    skipped = run("demo", "load", "--if-empty")
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
    result = run("demo", "load", "--with-accounts")
    assert result.exit_code == 0, result.output
    assert "2820 grids" in result.output and "every row marked demo" in result.output
    assert "demo password for every demo account: whistle-demo" in result.output
    session.rollback()
    roles: dict[str, str] = dict(session.execute(text("SELECT username, role FROM users")).all())
    assert roles == {
        "admin": "admin",
        "dispatcher": "dispatcher",
        "grid-zhengyang": "grid_worker",
        "grid-changjiang": "grid_worker",
        "courier": "courier",
        "police-beijinglu": "officer",
        "market-city": "officer",
        "team-desheng": "street_team",
        "power-shulan": "officer",
        "emergency-shulan": "officer",
        "fire-shulan": "officer",
        "team-beicheng": "street_team",
        "supervisor-tongzhan": "supervisor",
        "command-chuanying": "dispatcher",
        "command-desheng": "dispatcher",
    }
    office = session.execute(
        text(
            "SELECT o.name FROM users u JOIN supervising_offices o ON o.id = u.office_id "
            "WHERE u.username = 'supervisor-tongzhan'"
        )
    ).scalar_one()
    assert office == "船营区委统战部"
    # The district's and the street's command staff command their division (service.cases.command).
    divisions: dict[str, str] = dict(
        session.execute(
            text(
                "SELECT u.username, coalesce(d.name, s.name) FROM users u "
                "LEFT JOIN districts d ON d.code = u.division_code AND d.valid_to IS NULL "
                "LEFT JOIN streets s ON s.code = u.division_code AND s.valid_to IS NULL "
                "WHERE u.division_code IS NOT NULL"
            )
        ).all()
    )
    assert divisions == {"command-chuanying": "船营区", "command-desheng": "德胜街道"}
    unit = session.execute(
        text(
            "SELECT d.name FROM users u JOIN department_units d ON d.id = u.unit_id WHERE u.username = 'police-beijinglu'"
        )
    ).scalar_one()
    assert unit == "北京路派出所"
    shulan: dict[str, str] = dict(
        session.execute(
            text(
                "SELECT u.username, d.name FROM users u JOIN department_units d ON d.id = u.unit_id "
                "WHERE u.username IN ('power-shulan', 'emergency-shulan', 'fire-shulan', 'team-beicheng')"
            )
        ).all()
    )
    assert shulan == {
        "power-shulan": "国网舒兰市供电公司",
        "emergency-shulan": "舒兰市应急管理局",
        "fire-shulan": "舒兰市消防救援大队",
        "team-beicheng": "北城街道综合行政执法队",
    }
    zhengyang = session.execute(
        text(
            "SELECT count(*), count(*) FILTER (WHERE c.name = '正阳社区') FROM grid_assignments a JOIN users u ON u.id = a.user_id JOIN grids g ON g.code = a.grid_code AND g.valid_to IS NULL JOIN communities c ON c.code = g.community_code AND c.valid_to IS NULL WHERE u.username = 'grid-zhengyang'"
        )
    ).one()
    assert zhengyang[0] > 0 and zhengyang[0] == zhengyang[1]
    assert session.execute(text("SELECT bool_and(is_demo) FROM grids")).scalar_one() is True

    monkeypatch.setenv("WHISTLE_ENV", "production")
    get_settings.cache_clear()
    refused = run("demo", "load", "--with-accounts")
    assert refused.exit_code == 1 and "refused when WHISTLE_ENV=production" in refused.output


def test_a_shapefile_in_gcj02_imports_new_grids(
    cli_database_url: str, session: Session, tmp_path: Path
) -> None:
    import shapefile  # pyshp

    from geo.crs import geometry_from_wgs84

    community = current(session, "communities", "220204001001")
    piece = shapely.intersection(community, shapely.buffer(community.representative_point(), 0.0004))
    gcj = geometry_from_wgs84(piece, "gcj02")
    base = tmp_path / "grids"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("code", "C", 15)
        w.field("name", "C", 40)
        w.field("parent", "C", 12)
        for poly in getattr(gcj, "geoms", [gcj]):
            w.poly([list(poly.exterior.coords)[::-1]])  # shapefile rings run clockwise
            w.record("220204001001950", "测试网格", "220204001001")
    result = run(
        "import",
        "boundaries",
        f"{base}.shp",
        "--level",
        "grid",
        "--datum",
        "gcj02",
        "--valid-from",
        "2026-01-01",
    )
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    stored = current(session, "grids", "220204001001950")
    assert shapely.symmetric_difference(stored, piece).area < 1e-3 * piece.area  # back in WGS-84, within cm
