"""`whistle cases ...`: the case workflow's scheduled work (registered in `service.cli`).

Run `whistle cases score-no-shows` from cron (every few minutes): it scores each dispatch still
unanswered after its report-in deadline (未报到 → 约谈), once; the console's
`POST /api/v1/console/evaluations/no-shows` does the same by hand. Safe to run on several hosts at
once (rows are locked with SKIP LOCKED) and as often as you like (a scored dispatch is not scored again).
"""

from __future__ import annotations

import typer

cases_app = typer.Typer(help="Case workflow: scheduled scoring.", no_args_is_help=True)


@cases_app.command("score-no-shows")
def score_no_shows() -> None:
    """Score every dispatch unanswered past its report-in deadline (未报到); prints each one scored."""
    from service.cases import service as cases
    from service.db.session import command_session
    from service.settings import get_settings

    with command_session(get_settings().database, application_name="whistle-no-shows") as session:
        scored = cases.finalise_no_shows(session=session)
        lines = [f"{e.dispatch_id} unit {e.unit_id}: {e.score} ({e.list_kind or 'no list'})" for e in scored]
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} no-show dispatch(es) scored")
