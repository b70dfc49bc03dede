"""``whistle couriers …`` against a real database: demo data once, settlement, a company export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cli import app as cli
from tests.service.couriers.conftest import seed_places


@pytest.fixture
def cli_env(cli_database_url: str) -> str:
    engine = create_engine(cli_database_url)
    with Session(engine) as session:
        seed_places(session)
        session.commit()
    engine.dispose()
    return cli_database_url


def test_demo_settle_and_export(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["couriers", "demo"])
    assert first.exit_code == 0, first.output
    if "exist already" not in first.output:  # the template may hold the demo couriers already
        assert "1744 riders" in first.output and "539 mobile grid workers" in first.output
    again = runner.invoke(cli, ["couriers", "demo"])
    assert again.exit_code == 0 and "exist already" in again.output
    settled = runner.invoke(cli, ["couriers", "settle"])
    assert settled.exit_code == 0 and "settled" in settled.output
    out = tmp_path / "jishiyu.csv"
    exported = runner.invoke(
        cli,
        [
            "couriers",
            "export",
            "demo-jishiyu",
            "--start",
            "2024-01-01T00:00:00+08:00",
            "--end",
            "2030-01-01T00:00:00+08:00",
            "--out",
            str(out),
        ],
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert len(rows) > 500 and rows[0]["username"].startswith("demo-rider-")
    assert sum(int(r["earned"]) for r in rows) > 0
    assert all(int(r["net"]) == int(r["earned"]) - int(r["reversed"]) - int(r["spent"]) for r in rows)
    unknown = runner.invoke(
        cli,
        [
            "couriers",
            "export",
            "nobody",
            "--start",
            "2024-01-01T00:00:00+08:00",
            "--end",
            "2030-01-01T00:00:00+08:00",
        ],
    )
    assert unknown.exit_code == 1
    naive = runner.invoke(
        cli, ["couriers", "export", "demo-jishiyu", "--start", "2024-01-01", "--end", "2030-01-01"]
    )
    assert naive.exit_code != 0
    assert "load-couriers" in runner.invoke(cli, ["demo", "--help"]).output
