"""The ``whistle`` command line: ``serve`` and ``db`` here; every domain's commands are wired in below
(each domain's ``cli`` module owns its commands)."""

from __future__ import annotations

from typing import Annotated

import typer

from service.accounts.cli import user_app
from service.cases.cli import cases_app
from service.couriers.cli import couriers_app
from service.demo.cli import demo_app
from service.geography.cli import import_app
from service.open311.cli import open311_app
from service.outbound.cli import outbound_app
from service.publicmap import cli as publicmap_cli
from service.reports.cli import media_app
from service.settings import get_settings
from service.tiles.cli import tiles_app

app = typer.Typer(help="Whistle grid incident service.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database: create, migrate.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
import_app.command("stations")(publicmap_cli.import_stations)
import_app.command("pairings")(publicmap_cli.import_pairings)
app.add_typer(demo_app, name="demo")
app.add_typer(media_app, name="media")
app.add_typer(cases_app, name="cases")
app.add_typer(couriers_app, name="couriers")
app.add_typer(open311_app, name="open311")
app.add_typer(tiles_app, name="tiles")
app.add_typer(outbound_app, name="outbound")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Serve the API and the web apps with uvicorn."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "service.main:app",
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=workers or settings.server.workers,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


@db_app.command("ensure")
def db_ensure() -> None:
    """Create the configured database (and the PostGIS extension) when it does not exist yet."""
    from service.db.admin import ensure_database

    created = ensure_database(get_settings().database.url)
    typer.echo("created the database" if created else "the database exists")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from service.db.migrate import upgrade

    upgrade(get_settings().database.url, revision)
    typer.echo(f"database at {revision}")


if __name__ == "__main__":
    app()
