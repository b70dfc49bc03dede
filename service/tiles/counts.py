"""The city-zoom report counts: one GROUP BY over all reports, kept in ``report_counts``.

A city tile (z < 14) draws one feature per grid, community or street with its counts by state and SLA
colour. Counting a million reports per tile would take ~0.5 s; counting them once and reading a few
hundred summary rows per tile takes milliseconds. The summary is rebuilt when it is older than
``counts_max_age_s`` (colours move on with the clock even when no row changes): in a background thread
of the instance that noticed (the tile is served from the previous counts meanwhile), by one instance at
a time (an advisory lock), or explicitly with ``whistle tiles refresh-counts``. Only a database that has
never had counts builds them inside the request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases.states import DISCARDED_STATES, IN_PROGRESS_STATES, values
from service.db.session import Database
from service.publicmap.public_reports import PUBLIC_CLOSED_STATES, PUBLIC_OPEN_STATES
from service.tiles.layers import COLOUR_RANK, OPEN_DISPATCH

log = logging.getLogger(__name__)
LOCK_KEY = 0x5748_4953  # "WHIS": one refresher at a time across every instance


REFRESH_SQL = f"""
    WITH case_colour AS (
        SELECT d.case_id, {COLOUR_RANK} AS rank
        FROM dispatches d WHERE {OPEN_DISPATCH}
        GROUP BY d.case_id
    ),
    r AS (
        SELECT r.grid_code, r.community_code, r.street_code, r.district_code,
               coalesce(c.state, 'reported') AS state, cc.rank
        FROM reports r
        LEFT JOIN cases c ON c.id = r.case_id
        LEFT JOIN case_colour cc ON cc.case_id = c.id
    ),
    g AS (
        SELECT CASE WHEN grouping(grid_code) = 0 THEN 'grid'
                    WHEN grouping(community_code) = 0 THEN 'community' ELSE 'street' END AS level,
               CASE WHEN grouping(grid_code) = 0 THEN grid_code
                    WHEN grouping(community_code) = 0 THEN community_code ELSE street_code END AS code,
               max(district_code) AS district_code, max(street_code) AS street_code,
               count(*) AS total,
               count(*) FILTER (WHERE state = 'reported') AS reported,
               count(*) FILTER (WHERE state = ANY(:in_progress)) AS in_progress,
               count(*) FILTER (WHERE state = 'closed') AS closed,
               count(*) FILTER (WHERE state = ANY(:voided)) AS voided,
               count(*) FILTER (WHERE state = ANY(:public_open) OR state = ANY(:public_closed))
                   AS public_total,
               count(*) FILTER (WHERE state = ANY(:public_open)) AS public_open,
               count(*) FILTER (WHERE state = ANY(:public_closed)) AS public_closed,
               count(*) FILTER (WHERE rank = 1) AS green,
               count(*) FILTER (WHERE rank = 2) AS yellow,
               count(*) FILTER (WHERE rank = 3) AS red
        FROM r
        GROUP BY GROUPING SETS ((grid_code), (community_code), (street_code))
    ),
    divisions AS (
        SELECT 'grid' AS level, code, name, geom_3857 FROM grids WHERE valid_to IS NULL
        UNION ALL
        SELECT 'community', code, name, geom_3857 FROM communities WHERE valid_to IS NULL
        UNION ALL
        SELECT 'street', code, name, geom_3857 FROM streets WHERE valid_to IS NULL
    )
    INSERT INTO report_counts (level, code, name, district_code, street_code, label_3857, total, reported,
                               in_progress, closed, voided, public_total, public_open, public_closed,
                               green, yellow, red)
    SELECT g.level, g.code, d.name, g.district_code, g.street_code, ST_PointOnSurface(d.geom_3857), g.total,
           g.reported, g.in_progress, g.closed, g.voided, g.public_total, g.public_open, g.public_closed,
           g.green, g.yellow, g.red
    FROM g JOIN divisions d ON d.level = g.level AND d.code = g.code
"""


@dataclass(frozen=True)
class CountsState:
    refreshed_at: datetime
    version: int


def current_state(*, session: Session) -> CountsState | None:
    row = session.execute(text("SELECT refreshed_at, version FROM report_counts_state WHERE id = 1")).first()
    return CountsState(row.refreshed_at, row.version) if row else None


def refresh(*, session: Session, now: datetime) -> CountsState:
    """Rebuild every count (caller commits). Waits for a concurrent refresher rather than racing it."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    session.execute(text("DELETE FROM report_counts"))
    session.execute(
        text(REFRESH_SQL),
        {
            "now": now,
            "in_progress": values(IN_PROGRESS_STATES),
            "voided": values(DISCARDED_STATES),
            "public_open": list(PUBLIC_OPEN_STATES),
            "public_closed": list(PUBLIC_CLOSED_STATES),
        },
    )
    row = session.execute(
        text(
            """
            INSERT INTO report_counts_state (id, refreshed_at, source_version, version)
            VALUES (1, :now, 'full', 1)
            ON CONFLICT (id) DO UPDATE SET refreshed_at = :now, version = report_counts_state.version + 1
            RETURNING refreshed_at, version
            """
        ),
        {"now": now},
    ).one()
    return CountsState(row.refreshed_at, row.version)


def ensure_fresh(
    *, session: Session, now: datetime, max_age_s: float, background: Callable[[], None] | None = None
) -> CountsState:
    """Counts no older than ``max_age_s``, or (with ``background``) the previous counts while a rebuild
    runs elsewhere; when another request is already rebuilding, the previous counts."""
    state = current_state(session=session)
    if state is not None and (now - state.refreshed_at).total_seconds() <= max_age_s:
        return state
    if state is not None and background is not None:
        background()
        return state
    got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}).scalar_one()
    if not got and state is not None:
        return state
    state = refresh(session=session, now=now)
    session.commit()
    return state


_REFRESHING = threading.Lock()  # one background rebuild per process


def refresh_in_background(database: Database, max_age_s: float) -> None:
    """Start a rebuild on a connection of its own, unless one is running (here or on another instance)."""
    if not _REFRESHING.acquire(blocking=False):
        return

    def run() -> None:
        try:
            with database.session() as session:
                if not session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}
                ).scalar_one():
                    return
                now = datetime.now(UTC)
                state = current_state(session=session)
                if state is None or (now - state.refreshed_at).total_seconds() > max_age_s:
                    refresh(session=session, now=now)
                    session.commit()
        except Exception:
            log.exception("rebuilding the report counts failed; tiles keep the previous counts")
        finally:
            _REFRESHING.release()

    threading.Thread(target=run, name="whistle-report-counts", daemon=True).start()
