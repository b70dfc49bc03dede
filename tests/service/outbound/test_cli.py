"""`whistle outbound deliver --once` (for cron) against a real database and a loopback receiver: it
scans for deadline events and delivers what is due; a second run finds nothing to do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cli import app as cli
from tests.service.cases.conftest import City, make_people, seed_geography
from tests.service.outbound.conftest import Receiver, make_endpoint, set_scan_mark, whistle


def test_deliver_once_scans_and_delivers_then_finds_nothing(
    cli_database_url: str, receiver: Receiver
) -> None:
    engine = create_engine(cli_database_url)
    past = datetime.now(UTC) - timedelta(days=20)  # both clocks long red by now
    with Session(engine, expire_on_commit=False) as session:
        units = seed_geography(session)
        city = City(units=units, users=make_people(session, units))
        make_endpoint(session, city, receiver.url)
        set_scan_mark(session, past)
        (dispatch,) = whistle(session, city, at=past)

    runner = CliRunner()
    first = runner.invoke(cli, ["outbound", "deliver", "--once"])
    assert first.exit_code == 0, first.output
    assert "2 deadline event(s) enqueued; delivered 3, retrying 0, failed 0" in first.output
    events = sorted(json.loads(r.body)["key"] for r in receiver.received)
    assert events == sorted(
        f"dispatch:{dispatch.id}:{suffix}" for suffix in ("whistle", "check_in:red", "handling:red")
    )
    again = runner.invoke(cli, ["outbound", "deliver", "--once"])
    assert again.exit_code == 0 and "0 deadline event(s) enqueued; delivered 0" in again.output
    assert len(receiver.received) == 3
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM outbound_deliveries WHERE status = 'delivered'")) == 3
    engine.dispose()
