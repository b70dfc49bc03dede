"""``whistle demo …``: the demo city (``load``), its public map alone (``load-publicmap``) and its
couriers (``load-couriers``). Every row is marked demo; demo accounts are refused in production."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer

from service.commands import fail
from service.couriers.cli import demo_command as load_couriers_command
from service.db.session import command_session
from service.errors import DomainError
from service.settings import get_settings

demo_app = typer.Typer(
    help="The demo city (Jilin City, generated outlines, marked demo).", no_args_is_help=True
)


@demo_app.command("load")
def load_command(
    seed: Annotated[int | None, typer.Option(help="Seed of the generated outlines.")] = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when divisions exist.")] = False,
    with_accounts: Annotated[
        bool, typer.Option("--with-accounts", help="Also create the demo accounts (never in production).")
    ] = False,
) -> None:
    """Build the demo city from a seed and store it (marked demo), with a progress display."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from geo.demo import DEFAULT_SEED, build_demo_city
    from service.demo.service import DEMO_PASSWORD, create_demo_accounts, load_demo
    from service.geography.demo import has_divisions

    settings = get_settings()
    if with_accounts and (settings.env == "production" or os.environ.get("WHISTLE_ENV") == "production"):
        fail(
            "--with-accounts is refused when WHISTLE_ENV=production (demo accounts share one known password)"
        )
    started = time.perf_counter()
    try:
        with command_session(settings.database) as session:
            if if_empty and has_divisions(session):
                typer.echo("divisions exist: the demo city is not loaded (--if-empty)")
                return
            with Progress(
                TextColumn("{task.description:28}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                transient=False,
            ) as bar:
                tasks: dict[str, object] = {}

                def progress(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=max(total, 1))
                    bar.update(tasks[stage], completed=done, total=max(total, 1))  # type: ignore[arg-type]

                city = build_demo_city(seed if seed is not None else DEFAULT_SEED, progress)
                counts = load_demo(session=session, city=city, progress=progress)
            accounts = create_demo_accounts(session=session) if with_accounts else []
    except DomainError as exc:
        fail(exc.message)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"demo city (seed {city.seed}) loaded in {elapsed:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + " — every row marked demo"
    )
    if accounts:
        typer.echo("demo accounts:")
        for line in accounts:
            typer.echo(f"  {line}")
        typer.secho(f"demo password for every demo account: {DEMO_PASSWORD}", bold=True)


@demo_app.command("load-publicmap")
def load_publicmap_command(seed: Annotated[int | None, typer.Option(help="Demo city seed.")] = None) -> None:
    """Generate and store the demo stations, pairing points and warm-new streets (after the divisions)."""
    from geo.demo import DEFAULT_SEED, build_demo_city
    from service.publicmap.loading import load_demo_public_map

    city = build_demo_city(seed if seed is not None else DEFAULT_SEED)
    with command_session(get_settings().database) as session:
        summary = load_demo_public_map(session=session, city=city)
    typer.echo(
        f"loaded {summary.stations} stations, {summary.pairings} pairing points, {summary.streets} streets"
    )


demo_app.command("load-couriers")(load_couriers_command)
