"""Commands of the public map: ``whistle import stations|pairings FILE`` (registered in ``service.cli``
beside the geography imports)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from service.commands import fail
from service.db.session import command_session
from service.settings import get_settings


def _import(path: Path, run: Callable[..., int], what: str) -> None:
    from geo.pointfiles import PointFileError

    if not path.exists():
        fail(f"{path} does not exist")
    with command_session(get_settings().database) as session:
        try:
            count = run(session=session, path=path)
        except PointFileError as exc:
            session.rollback()
            fail(str(exc))
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
