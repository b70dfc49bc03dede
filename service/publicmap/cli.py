"""Commands of the public map: ``whistle import stations|pairings FILE``, ``whistle open311 create-key``,
``whistle tiles refresh-counts``, ``whistle demo load-publicmap``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

open311_app = typer.Typer(help="Open311 GeoReport v2 API keys.", no_args_is_help=True)
tiles_app = typer.Typer(help="Vector tiles.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def _session() -> Iterator[Session]:
    from service.db.session import create_database
    from service.settings import get_settings

    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            yield session
    finally:
        db.dispose()


def _import(path: Path, run: Callable[..., int], what: str) -> None:
    from geo.pointfiles import PointFileError

    if not path.exists():
        _fail(f"{path} does not exist")
    with _session() as session:
        try:
            count = run(session=session, path=path)
        except PointFileError as exc:
            session.rollback()
            _fail(str(exc))
            return
        session.commit()
    typer.echo(f"imported {count} {what} from {path}")


FileArg = Annotated[
    Path, typer.Argument(help="A .csv or .geojson file (see geo/pointfiles.py for the columns).")
]


def import_stations(path: FileArg) -> None:
    """Import warm-new stations (upsert by code)."""
    from service.publicmap.loading import import_stations as run

    _import(path, run, "stations")


def import_pairings(path: FileArg) -> None:
    """Import pairing points (upsert by code); each point must lie in its community."""
    from service.publicmap.loading import import_pairings as run

    _import(path, run, "pairing points")


@open311_app.command("create-key")
def create_key(
    name: str,
    user: Annotated[str | None, typer.Option(help="File reports under this existing account.")] = None,
) -> None:
    """Create an API key for POST requests; the key is printed once and stored hashed."""
    from service.errors import DomainError
    from service.open311.keys import create_key as run

    with _session() as session:
        try:
            created = run(session=session, name=name, username=user)
        except DomainError as exc:
            _fail(exc.message)
            return
        session.commit()
    typer.echo(f"created Open311 key {name!r} (reports filed as {created.user.username}):")
    typer.echo(created.key)


@open311_app.command("revoke-key")
def revoke_key(name: str) -> None:
    """Revoke an API key at once."""
    from service.errors import DomainError
    from service.open311.keys import revoke_key as run

    with _session() as session:
        try:
            run(session=session, name=name)
        except DomainError as exc:
            _fail(exc.message)
            return
        session.commit()
    typer.echo(f"revoked Open311 key {name!r}")


@tiles_app.command("refresh-counts")
def refresh_counts() -> None:
    """Rebuild the city-zoom report counts now (tiles also rebuild them when they are stale)."""
    from service.tiles.counts import refresh

    with _session() as session:
        state = refresh(session=session, now=datetime.now(UTC))
        session.commit()
    typer.echo(f"report counts rebuilt (version {state.version})")


def load_publicmap(seed: Annotated[int | None, typer.Option(help="Demo city seed.")] = None) -> None:
    """Generate and store the demo stations, pairing points and warm-new streets (after the divisions)."""
    from geo.demo import DEFAULT_SEED, build_demo_city
    from service.publicmap.loading import load_demo_public_map

    city = build_demo_city(seed if seed is not None else DEFAULT_SEED)
    with _session() as session:
        summary = load_demo_public_map(session=session, city=city)
        session.commit()
    typer.echo(
        f"loaded {summary.stations} stations, {summary.pairings} pairing points, {summary.streets} streets"
    )


def register(app: typer.Typer, import_app_: typer.Typer, demo_app: typer.Typer) -> None:
    """Hang the commands on the main CLI: ``import stations|pairings`` beside the geography imports,
    ``demo load-publicmap`` beside ``demo load``, and the ``open311`` and ``tiles`` groups."""
    import_app_.command("stations")(import_stations)
    import_app_.command("pairings")(import_pairings)
    demo_app.command("load-publicmap")(load_publicmap)
    app.add_typer(open311_app, name="open311")
    app.add_typer(tiles_app, name="tiles")
