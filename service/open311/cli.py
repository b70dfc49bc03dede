"""``whistle open311 …``: API keys for Open311 POST requests (printed once, stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer

from service.commands import fail
from service.db.session import command_session
from service.errors import DomainError
from service.settings import get_settings

open311_app = typer.Typer(help="Open311 GeoReport v2 API keys.", no_args_is_help=True)


@open311_app.command("create-key")
def create_key(
    name: str,
    user: Annotated[str | None, typer.Option(help="File reports under this existing account.")] = None,
) -> None:
    """Create an API key for POST requests; the key is printed once and stored hashed."""
    from service.open311.keys import create_key as run

    with command_session(get_settings().database) as session:
        try:
            created = run(
                session=session, name=name, username=user, secret_key=get_settings().security.secret_key
            )
        except DomainError as exc:
            fail(exc.message)
    typer.echo(f"created Open311 key {name!r} (reports filed as {created.user.username}):")
    typer.echo(created.key)


@open311_app.command("revoke-key")
def revoke_key(name: str) -> None:
    """Revoke an API key at once."""
    from service.open311.keys import revoke_key as run

    with command_session(get_settings().database) as session:
        try:
            run(session=session, name=name)
        except DomainError as exc:
            fail(exc.message)
    typer.echo(f"revoked Open311 key {name!r}")
