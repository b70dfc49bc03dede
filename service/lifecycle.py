"""The application's shutdown signal, owned by its lifespan.

Long responses (the console's live feed) must end as soon as the server is asked to stop, or a graceful
shutdown waits for every open console. The ASGI lifespan's own shutdown comes too late for that: servers
run it after the open connections have closed. So the lifespan starts `ShutdownSignal.watch`, which
notices the server's exit request and sets `app.state.shutdown`; streams check it on every tick.

With uvicorn (the server `whistle serve` runs), the exit request is the `should_exit` flag of the server
whose handler is installed for SIGTERM/SIGINT while it serves; nothing of uvicorn's is patched. Under a
server where no such flag is found, the signal is set when the lifespan ends, and streams end when
their clients go away.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

POLL_S = 0.2


def serving_server() -> Any | None:
    """The object whose bound method handles SIGTERM/SIGINT and that has a `should_exit` flag."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        owner = getattr(signal.getsignal(sig), "__self__", None)
        if owner is not None and hasattr(owner, "should_exit"):
            return owner
    return None


class ShutdownSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    async def watch(self) -> None:
        """Poll the serving server's exit flag until it is raised (run as a task of the lifespan)."""
        server = serving_server()
        if server is None:
            return
        while not self._event.is_set():
            if server.should_exit:
                self._event.set()
                return
            await asyncio.sleep(POLL_S)
