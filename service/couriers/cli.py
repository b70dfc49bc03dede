"""``whistle couriers …``: load the demo couriers, settle points, export a company's points."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

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
    from service.db.session import create_database

    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            counts = load_demo_couriers(session=session, seed=seed if seed is not None else DEMO_SEED)
            session.commit()
    finally:
        db.dispose()
    if not counts:
        typer.echo("demo couriers exist already, or there are no communities yet (run `whistle demo load`)")
        return
    typer.echo("demo couriers loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@couriers_app.command("settle")
def settle_command() -> None:
    """Settle case events not settled yet into points (safe to run any time, e.g. from cron)."""
    from service.couriers.settlement import settle_pending
    from service.db.session import create_database

    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            count = settle_pending(session=session)
            session.commit()
    finally:
        db.dispose()
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
    from service.db.session import create_database

    period = (_parse(start), _parse(end))
    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            company_id = session.scalar(select(Company.id).where(Company.code == company))
            if company_id is None:
                typer.secho(f"error: no company {company!r}", fg=typer.colors.RED, err=True)
                raise typer.Exit(1)
            text = to_csv(
                company_points(session=session, company_id=company_id, start=period[0], end=period[1])
            )
    finally:
        db.dispose()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Hang the commands on the main CLI: the ``couriers`` group, and ``demo load-couriers`` beside
    ``demo load`` when that group is registered first (as ``load-publicmap`` is)."""
    app.add_typer(couriers_app, name="couriers")
    for group in app.registered_groups:
        if group.name == "demo" and group.typer_instance is not None:
            group.typer_instance.command("load-couriers")(demo_command)
