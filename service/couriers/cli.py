"""``whistle couriers …``: load the demo couriers, settle points, export a company's points."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from service.commands import fail
from service.db.session import command_session
from service.settings import get_settings

couriers_app = typer.Typer(
    help="Couriers: demo data, points settlement, company exports.", no_args_is_help=True
)


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs a UTC offset, e.g. 2026-11-01T00:00:00+08:00")
    return parsed


@couriers_app.command("demo")
def demo_command(seed: Annotated[int | None, typer.Option(help="Seed of the demo couriers.")] = None) -> None:
    """Load the demo couriers (companies, 1744 riders, hires, passes, programmes, points) once."""
    from service.couriers.demo import DEMO_SEED, load_demo_couriers

    with command_session(get_settings().database) as session:
        counts = load_demo_couriers(session=session, seed=seed if seed is not None else DEMO_SEED)
    if not counts:
        typer.echo("demo couriers exist already, or there are no communities yet (run `whistle demo load`)")
        return
    typer.echo("demo couriers loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@couriers_app.command("settle")
def settle_command() -> None:
    """Settle case events not settled yet into points (safe to run any time, e.g. from cron)."""
    from service.couriers.settlement import settle_pending

    with command_session(get_settings().database) as session:
        count = settle_pending(session=session)
    typer.echo(f"settled {count} case event(s)")


@couriers_app.command("export")
def export_command(
    company: Annotated[str, typer.Argument(help="Company code (its branches and outlets are included).")],
    start: Annotated[str, typer.Option(help="Start of the period, ISO 8601 with offset.")],
    end: Annotated[str, typer.Option(help="End of the period (exclusive), ISO 8601 with offset.")],
    out: Annotated[Path | None, typer.Option(help="CSV file to write (default: standard output).")] = None,
) -> None:
    """Points per rider of a company in a period, as CSV (the companies tie them to bonuses)."""
    from sqlalchemy import select

    from service.couriers.export import company_points, to_csv
    from service.couriers.models import Company

    period = (_parse(start), _parse(end))
    with command_session(get_settings().database) as session:
        company_id = session.scalar(select(Company.id).where(Company.code == company))
        if company_id is None:
            fail(f"no company {company!r}")
        text = to_csv(company_points(session=session, company_id=company_id, start=period[0], end=period[1]))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
