"""`whistle outbound deliver [--once]`: the delivery worker's round from cron or a shell.

Each service process already runs the worker (`WHISTLE_OUTBOUND__WORKER`, on by default); this command
is for deployments that switch it off and deliver from cron (`--once` every minute), or for an
operator who wants the outbox emptied now. It scans the clocks for deadline events, then delivers
everything due; without `--once` it repeats every `WHISTLE_OUTBOUND__POLL_INTERVAL_S` until stopped
(Ctrl-C or SIGTERM). Safe beside running services: rows are claimed with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer

outbound_app = typer.Typer(help="Outbound webhooks: deliver the outbox.", no_args_is_help=True)


@outbound_app.command("deliver")
def deliver(
    once: Annotated[
        bool, typer.Option("--once", help="One round (scan, deliver what is due), then exit.")
    ] = False,
) -> None:
    """Scan the dispatches' clocks for deadline events and deliver every due webhook."""
    from service.db.session import open_database
    from service.outbound.worker import OutboundWorker, describe, run_round
    from service.settings import get_settings

    settings = get_settings()
    if once:
        db = open_database(settings.database, application_name="whistle-outbound")
        try:
            with db.session() as session:
                typer.echo(describe(run_round(session=session, settings=settings.outbound)))
        finally:
            db.dispose()
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker = OutboundWorker(settings.database, settings.outbound)
    worker.start()
    typer.echo("delivering; Ctrl-C to stop")
    stop.wait()
    worker.stop()
