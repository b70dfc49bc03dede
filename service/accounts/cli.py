"""``whistle user …``: create an account, revoke a lost phone's tokens."""

from __future__ import annotations

import getpass
import sys
import uuid
from typing import Annotated

import typer

from service.commands import fail
from service.db.session import command_session
from service.errors import DomainError
from service.settings import get_settings

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[
        str,
        typer.Option(help="grid_worker, courier, dispatcher, officer, street_team, admin or supervisor."),
    ],
    password: Annotated[str | None, typer.Option(help="Asked for when not given.")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the apps.")] = "",
    unit_id: Annotated[
        str | None, typer.Option(help="Department unit id (officers and street teams).")
    ] = None,
    office: Annotated[
        str | None, typer.Option(help="Supervising office (督办单位) code or id (supervisors).")
    ] = None,
    division: Annotated[
        str | None,
        typer.Option(help="Dispatchers: the district (6 digits) or street (12 digits) they command."),
    ] = None,
) -> None:
    """Create a user account."""
    from service.accounts import service as accounts
    from service.accounts.models import Role

    try:
        role_enum = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
    if password is None:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        with command_session(get_settings().database) as session:
            office_id = accounts.office_id_of(session=session, office=office) if office else None
            user = accounts.create_user(
                session=session,
                username=username,
                password=password,
                role=role_enum,
                display_name=display_name,
                unit_id=uuid.UUID(unit_id) if unit_id else None,
                office_id=office_id,
                division_code=division,
            )
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"created {user.role} {user.username} ({user.id})")


@user_app.command("revoke-tokens")
def user_revoke_tokens(username: str) -> None:
    """Revoke every token of a user at once (a lost phone)."""
    from service.accounts import service as accounts

    with command_session(get_settings().database) as session:
        user = accounts.get_user_by_username(session=session, username=username)
        if user is None:
            fail(f"no user {username!r}")
        count = accounts.revoke_all_tokens(session=session, user=user, by=user)
    typer.echo(f"revoked {count} token(s) of {username}")
