"""``whistle cases score-no-shows`` (for cron) against a real cli_database_url: scores each no-show once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cases import service as cases
from service.cli import app as cli
from tests.service.cases.conftest import SIGNBOARD, insert_report, make_people, seed_geography


def test_score_no_shows_scores_an_unanswered_dispatch_once(cli_database_url: str) -> None:
    engine = create_engine(cli_database_url)
    with Session(engine) as session:
        units = seed_geography(session)
        people = make_people(session, units)
        past = datetime.now(UTC) - timedelta(days=10)
        report = insert_report(
            session, reporter=people["desheng_worker"], category=SIGNBOARD, created_at=past
        )
        case = cases.file_report(session=session, report_id=report, by=people["dispatcher"], at=past)
        unanswered, answered = cases.dispatch_case(
            session=session, case_id=case.id, unit_ids=[units["police"], units["market"]],
            by=people["dispatcher"], at=past,
        )  # fmt: skip
        cases.check_in(session=session, dispatch_id=answered.id, user=people["market"], at=past)
        unanswered_id, answered_id = unanswered.id, answered.id
        session.commit()

    runner = CliRunner()
    first = runner.invoke(cli, ["cases", "score-no-shows"])
    assert first.exit_code == 0, first.output
    assert str(unanswered_id) in first.output and str(answered_id) not in first.output
    assert "1 no-show dispatch(es) scored" in first.output
    again = runner.invoke(cli, ["cases", "score-no-shows"])
    assert again.exit_code == 0 and "0 no-show dispatch(es) scored" in again.output

    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT reason, list_kind FROM evaluations WHERE dispatch_id = :d"), {"d": unanswered_id}
        ).one()
        audited = conn.execute(
            text(
                "SELECT actor_id, actor_username, detail FROM audit_events WHERE action = 'case.finalise_no_shows'"
            )
        ).all()
    engine.dispose()
    assert tuple(row) == ("no_show", "interview")
    # Audited like the console's call, by the system; the run that scored nothing left no row.
    assert [(a.actor_id, a.actor_username, a.detail) for a in audited] == [(None, "system", {"count": 1})]
