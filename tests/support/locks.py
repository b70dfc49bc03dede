"""Racing two writers on purpose: wait until the second one is blocked on a row lock."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

WAITING = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")


def sessions_waiting_on_a_lock(engine: Engine, *, polls: int = 600, every_s: float = 0.05) -> int:
    """How many sessions wait on a lock, polled until one does (or `polls` polls have passed)."""
    waiting = 0
    with engine.connect() as watcher:
        for _ in range(polls):
            waiting = int(watcher.execute(WAITING).scalar_one())
            watcher.commit()
            if waiting:
                break
            time.sleep(every_s)
    return waiting
