"""``whistle tiles …``: the vector tiles' maintenance."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from service.db.session import command_session
from service.settings import get_settings

tiles_app = typer.Typer(help="Vector tiles.", no_args_is_help=True)


@tiles_app.command("refresh-counts")
def refresh_counts() -> None:
    """Rebuild the city-zoom report counts now (tiles also rebuild them when they are stale)."""
    from service.tiles.counts import refresh

    with command_session(get_settings().database) as session:
        state = refresh(session=session, now=datetime.now(UTC))
    typer.echo(f"report counts rebuilt (version {state.version})")
