"""The ``whistle`` command line: serve, database, users; geography, demo and media commands plug in here."""

from __future__ import annotations

import getpass
import sys
import uuid
from typing import Annotated

import typer

from service.cases.cli import cases_app
from service.couriers import cli as couriers_cli
from service.geography import cli as geography_cli
from service.publicmap import cli as publicmap_cli
from service.reports.cli import media_app
from service.settings import get_settings

app = typer.Typer(help="Whistle grid incident service.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database: create, migrate.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(geography_cli.import_app, name="import")
app.add_typer(geography_cli.demo_app, name="demo")
app.add_typer(media_app, name="media")
app.add_typer(cases_app, name="cases")
publicmap_cli.register(app, geography_cli.import_app, geography_cli.demo_app)
couriers_cli.register(app)


def fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


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


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[
        str, typer.Option(help="grid_worker, courier, dispatcher, officer, street_team or admin.")
    ],
    password: Annotated[str | None, typer.Option(help="Asked for when not given.")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the apps.")] = "",
    unit_id: Annotated[
        str | None, typer.Option(help="Department unit id (officers and street teams).")
    ] = None,
) -> None:
    """Create a user account."""
    from service.accounts import service as accounts
    from service.accounts.models import Role
    from service.db.session import create_database
    from service.errors import DomainError

    try:
        role_enum = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
        return
    if password is None:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            user = accounts.create_user(
                session=session,
                username=username,
                password=password,
                role=role_enum,
                display_name=display_name,
                unit_id=uuid.UUID(unit_id) if unit_id else None,
            )
            session.commit()
            typer.echo(f"created {user.role} {user.username} ({user.id})")
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.dispose()


@user_app.command("revoke-tokens")
def user_revoke_tokens(username: str) -> None:
    """Revoke every token of a user at once (a lost phone)."""
    from service.accounts import service as accounts
    from service.db.session import create_database

    db = create_database(get_settings().database)
    try:
        with db.session() as session:
            user = accounts.get_user_by_username(session=session, username=username)
            if user is None:
                fail(f"no user {username!r}")
                return
            count = accounts.revoke_all_tokens(session=session, user=user, by=user)
            typer.echo(f"revoked {count} token(s) of {username}")
    finally:
        db.dispose()


if __name__ == "__main__":
    app()
