"""`whistle media ...`: maintenance of the photo store (registered in `service.cli`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

media_app = typer.Typer(help="Photo store: orphan sweep.", no_args_is_help=True)


@media_app.command("sweep")
def sweep(
    grace_seconds: Annotated[
        int | None,
        typer.Option(help="Only objects older than this (default: settings media.orphan_grace_s, 1 day)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="List what would be removed, remove nothing.")] = False,
) -> None:
    """Remove stored photos no report points to, and idempotency keys past their retention window."""
    from service.db.session import command_session
    from service.idempotency import service as idempotency
    from service.photos.store import build_media_store
    from service.photos.sweep import sweep_orphans
    from service.settings import get_settings

    settings = get_settings()
    grace = timedelta(seconds=settings.media.orphan_grace_s if grace_seconds is None else grace_seconds)
    store = build_media_store(settings.media)
    with command_session(settings.database, application_name="whistle-sweep") as session:
        result = sweep_orphans(session=session, store=store, grace=grace, dry_run=dry_run)
        for key in result.removed:
            typer.echo(f"{'would remove' if dry_run else 'removed'} {key}")
        retention = settings.reports.idempotency_retention_days
        cutoff = idempotency.retention_cutoff(datetime.now(UTC), retention)
        pruned = 0 if dry_run else idempotency.prune(session=session, older_than=cutoff)
    typer.echo(
        f"{len(result.removed)} orphan object(s) {'to remove' if dry_run else 'removed'}, "
        f"{result.kept} old object(s) still in use, {result.temporaries} stale temporary file(s) removed, "
        f"{pruned} idempotency key(s) older than {settings.reports.idempotency_retention_days} days pruned "
        f"(grace {int(grace.total_seconds())} s)"
    )
