"""What every `whistle` command shares: `fail` (one red line on standard error, exit code 1).

A command's database work runs in `service.db.session.command_session` (committed when the block ends
without an exception, rolled back otherwise)."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)
