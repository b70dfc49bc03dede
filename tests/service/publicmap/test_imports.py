"""Imports of stations and pairing points: validated against the database, all or nothing; the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geo.pointfiles import PointFileError
from service.publicmap.loading import import_pairings, import_stations

STATIONS = "code,name,address,lon,lat,services,opening_hours,operator,community_code\n"
PAIRINGS = (
    "code,unit_name,community_code,lon,lat,first_secretary_role,first_secretary_name,liaison_name,projects\n"
)


def a_community(db: Session) -> tuple[str, float, float, float, float]:
    """A current urban community: code, a point inside, and a point far outside it."""
    row = db.execute(
        text(
            "SELECT code, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y "
            "FROM communities WHERE valid_to IS NULL AND kind = 'community' ORDER BY code LIMIT 1"
        )
    ).one()
    return row.code, row.x, row.y, row.x + 0.5, row.y + 0.5


def test_station_import_upserts_by_code(db: Session, tmp_path: Path) -> None:
    code, x, y, _, _ = a_community(db)
    path = tmp_path / "s.csv"
    path.write_text(
        STATIONS + f"imp-1,新驿站,解放路1号,{x},{y},toilet|rest,24/7,邮政,{code}\n", encoding="utf-8"
    )
    assert import_stations(session=db, path=path) == 1
    path.write_text(
        STATIONS + f"imp-1,改名驿站,解放路1号,{x},{y},rest,daily 08:00-20:00,邮政,{code}\n", encoding="utf-8"
    )
    import_stations(session=db, path=path)
    row = db.execute(
        text("SELECT name, services, always_open, is_demo FROM stations WHERE code = 'imp-1'")
    ).one()
    assert (row.name, row.services, row.always_open, row.is_demo) == ("改名驿站", ["rest"], False, False)


def test_unknown_community_refuses_the_whole_file(db: Session, tmp_path: Path) -> None:
    code, x, y, _, _ = a_community(db)
    path = tmp_path / "s.csv"
    path.write_text(
        STATIONS
        + f"imp-ok,好驿站,,{x},{y},rest,24/7,,{code}\n"
        + f"imp-bad,坏驿站,,{x},{y},rest,24/7,,220299999999\n",
        encoding="utf-8",
    )
    with pytest.raises(PointFileError) as caught:
        import_stations(session=db, path=path)
    assert caught.value.problems == ["code imp-bad: community_code 220299999999 is not a current community"]
    assert db.scalar(text("SELECT count(*) FROM stations WHERE code LIKE 'imp-%'")) == 0


def test_pairing_points_must_lie_in_their_community(db: Session, tmp_path: Path) -> None:
    code, x, y, far_x, far_y = a_community(db)
    path = tmp_path / "p.csv"
    path.write_text(
        PAIRINGS
        + f"pp-1,市统计局,{code},{x},{y},科长,王强,李敏,图书角\npp-2,市审计局,{code},{far_x},{far_y},,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(PointFileError, match="code pp-2: the point lies outside its community"):
        import_pairings(session=db, path=path)
    path.write_text(
        PAIRINGS + f"pp-1,市统计局,{code},{x},{y},科长,王强,李敏,图书角\npp-3,市审计局,{code},,,,,,\n",
        encoding="utf-8",
    )
    assert import_pairings(session=db, path=path) == 2
    placed = db.execute(
        text(
            "SELECT ST_Covers(c.geom, p.geom) FROM pairings p JOIN communities c ON c.code = p.community_code "
            "AND c.valid_to IS NULL WHERE p.code = 'pp-3'"
        )
    ).scalar_one()
    assert placed  # a pairing without a position is placed inside its community


def test_cli_imports_and_reports_every_bad_row(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import settings as settings_module
    from service.cli import app

    monkeypatch.setenv("WHISTLE_DATABASE__URL", fresh_database_url)
    settings_module.get_settings.cache_clear()
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            code, x, y, _, _ = a_community(session)
        good = tmp_path / "good.csv"
        good.write_text(STATIONS + f"cli-1,驿站,,{x},{y},charging,24/7,,{code}\n", encoding="utf-8")
        bad = tmp_path / "bad.csv"
        bad.write_text(
            STATIONS + f"cli-2,驿站,,{x},{y},sauna,24/7,,{code}\ncli-3,驿站,,abc,{y},rest,24/7,,\n",
            encoding="utf-8",
        )
        runner = CliRunner()
        result = runner.invoke(app, ["import", "stations", str(bad)])
        assert result.exit_code == 1
        assert "line 2 (code cli-2)" in result.output and "line 3 (code cli-3)" in result.output
        result = runner.invoke(app, ["import", "stations", str(good)])
        assert result.exit_code == 0, result.output
        key = runner.invoke(app, ["open311", "create-key", "partner"])
        assert key.exit_code == 0, key.output
        assert key.output.strip().splitlines()[-1].startswith("o311_")
        with Session(engine) as session:
            assert session.scalar(text("SELECT count(*) FROM stations WHERE code LIKE 'cli-%'")) == 1
            stored = session.scalar(text("SELECT key_hash FROM open311_keys WHERE name = 'partner'"))
            assert stored is not None and key.output.strip().splitlines()[-1].encode() not in bytes(stored)
    finally:
        engine.dispose()
        settings_module.get_settings.cache_clear()
