"""Points for reports, settled from the workflow's append-only case event log.

Decision — when a report earns: when the command center files it (研判立案: the report is judged true,
new and in scope; the case keeps the category the dispatcher confirmed). The workflow only lets a case
be voided or merged as a duplicate *before* it is dispatched, so this is the only moment after which
"reversed if later found a duplicate" can happen; a filed case that is later voided (作废) or merged into
another case (合并) has its reports' awards reversed by a reversal line. Reports that are voided or
merged in triage never earn, nor do flagged ones (a reused photo, an old or far EXIF), nor a report
whose photo already earned once (content hash, any reporter), or a near copy of such a photo
(re-encoded, resized, Whistle's own derivative uploaded again: `service.photos.service.near_copies`),
nor reports of non-courier accounts.

How it runs: :func:`install_hook` listens to every ORM flush; when the flush inserted case events it
settles them on the same connection, in the same transaction as the workflow's transition (no lag, and
a rolled-back transition rolls its points back). :func:`settle_pending` sweeps events nobody settled
(e.g. written by another program), and can run any time: every step is idempotent (unique keys on the
ledger, the photo claims and the settlement log).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, event, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.couriers.models import EntryKind, PhotoClaim, PointsEntry, Settlement
from service.couriers.points import append_entry, reverse_entry
from service.db import refs
from service.photos.service import near_copies

# Flags (set at intake) that suggest gaming the points; a flagged report earns nothing.
# Signs that the photos were not taken when or where the report says: such a report earns nothing.
GAMING_FLAGS = frozenset({"photo_reused", "exif_time_old", "exif_far_from_device", "exif_positions_disagree"})

# The advisory lock under which near copies are checked against the photos that earned already.
NEAR_COPY_LOCK = "whistle.points.near_copy_claims"

AWARDED = "awarded"
REVERSED = "reversed"


@dataclass(frozen=True)
class CaseEventRow:
    id: int
    case_id: uuid.UUID
    report_id: uuid.UUID | None
    action: str
    to_state: str


def settles(action: str, to_state: str) -> bool:
    """Whether a case event concerns points: filing, voiding, or a case merged as a duplicate."""
    return action in ("file", "void") or (action == "merge" and to_state == "merged")


def _record(
    conn: Connection,
    ev: CaseEventRow,
    report_id: uuid.UUID,
    user_id: uuid.UUID | None,
    outcome: str,
    entry_id: int | None = None,
) -> None:
    conn.execute(
        insert(Settlement)
        .values(event_id=ev.id, report_id=report_id, user_id=user_id, outcome=outcome, entry_id=entry_id)
        .on_conflict_do_nothing()
    )


def _award_outcome(
    conn: Connection, ev: CaseEventRow, report_id: uuid.UUID
) -> tuple[uuid.UUID | None, str, int | None]:
    r = refs.reports.c
    report = conn.execute(
        select(r.reporter_id, r.flags, User.role)
        .join(User, User.id == r.reporter_id)
        .where(r.id == report_id)
    ).one_or_none()
    if report is None:
        return None, "report_missing", None
    if report.role != Role.courier.value:
        return report.reporter_id, "not_courier", None
    flagged = sorted(GAMING_FLAGS.intersection(report.flags or ()))
    if flagged:
        return report.reporter_id, "flagged:" + ",".join(flagged), None
    c, k = refs.cases.c, refs.categories.c
    category, points = conn.execute(
        select(k.code, k.points).join(refs.cases, c.category_code == k.code).where(c.id == ev.case_id)
    ).one()
    if not points or points <= 0:
        return report.reporter_id, "no_points", None
    p = refs.photos.c
    photos = conn.execute(select(p.sha256, p.phash).where(p.report_id == report_id)).all()
    hashes = sorted({photo.sha256 for photo in photos})
    if hashes:
        conn.execute(
            insert(PhotoClaim)
            .values([{"sha256": h, "report_id": report_id} for h in hashes])
            .on_conflict_do_nothing()
        )
        taken = conn.scalar(
            select(exists().where(PhotoClaim.sha256.in_(hashes), PhotoClaim.report_id != report_id))
        )
        if taken:
            return report.reporter_id, "photo_already_rewarded", None
    if _near_copy_rewarded(conn, report_id, [photo.phash for photo in photos]):
        return report.reporter_id, "photo_already_rewarded", None
    entry_id = append_entry(
        conn=conn,
        user_id=report.reporter_id,
        kind=EntryKind.report_verified,
        amount=int(points),
        reference_type="report",
        reference_id=str(report_id),
        note=f"上报立案（{category}）",
    )
    if entry_id is None:
        return report.reporter_id, "already_awarded", None
    return report.reporter_id, AWARDED, entry_id


def _near_copy_rewarded(conn: Connection, report_id: uuid.UUID, phashes: list[int | None]) -> bool:
    """Whether a near copy of one of the report's photos earned for another report already.

    The exact claims above are serialised by their primary key; near copies have no common key, so the
    check runs under one transaction-level advisory lock: of two copies settled at once, the second
    waits for the first to commit and then sees its claim. Filing is a dispatcher's click, so the lock
    is never contended for long."""
    if all(phash is None for phash in phashes):
        return False
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(NEAR_COPY_LOCK))))
    rewarded = select(PhotoClaim.sha256).where(PhotoClaim.report_id != report_id)
    return bool(near_copies(conn, phashes, other_than_report=report_id, sha256_in=rewarded))


def _reverse_outcome(
    conn: Connection, ev: CaseEventRow, report_id: uuid.UUID
) -> tuple[uuid.UUID | None, str, int | None]:
    why = "voided" if ev.action == "void" else "merged"
    award = conn.execute(
        select(PointsEntry.id, PointsEntry.user_id).where(
            PointsEntry.kind == EntryKind.report_verified.value,
            PointsEntry.reference_type == "report",
            PointsEntry.reference_id == str(report_id),
        )
    ).one_or_none()
    if award is None:
        reporter = conn.scalar(select(refs.reports.c.reporter_id).where(refs.reports.c.id == report_id))
        return reporter, why, None
    note = "案卷作废，积分冲正" if why == "voided" else "合并为重复上报，积分冲正"
    entry_id = reverse_entry(conn=conn, entry_id=award.id, note=note)
    return award.user_id, REVERSED if entry_id is not None else "already_reversed", entry_id


def settle_event(*, conn: Connection, ev: CaseEventRow) -> int:
    """Settle one case event for every report it concerns; returns how many reports it touched."""
    if not settles(ev.action, ev.to_state):
        return 0
    r = refs.reports.c
    if ev.action == "file" or (ev.action == "merge" and ev.report_id is not None):
        targets = [ev.report_id] if ev.report_id is not None else []
    else:
        targets = list(conn.scalars(select(r.id).where(r.case_id == ev.case_id).order_by(r.id)).all())
    for report_id in targets:
        if report_id is None:
            continue
        if ev.action == "file":
            user_id, outcome, entry_id = _award_outcome(conn, ev, report_id)
        else:
            user_id, outcome, entry_id = _reverse_outcome(conn, ev, report_id)
        _record(conn, ev, report_id, user_id, outcome, entry_id)
    return len(targets)


def settle_pending(*, session: Session, batch: int = 1000) -> int:
    """Settle case events that have no settlement yet, oldest first; returns the number of events."""
    e = refs.case_events.c
    stmt = (
        select(e.id, e.case_id, e.report_id, e.action, e.to_state)
        .where(
            or_(e.action.in_(("file", "void")), and_(e.action == "merge", e.to_state == "merged")),
            ~exists().where(Settlement.event_id == e.id),
        )
        .order_by(e.id)
        .limit(batch)
    )
    done, last_id = 0, 0
    while True:
        rows = session.execute(stmt.where(e.id > last_id)).all()
        conn = session.connection()
        for row in rows:
            settle_event(conn=conn, ev=CaseEventRow(*row))
            last_id = row.id
        done += len(rows)
        if len(rows) < batch:
            return done


def _after_flush(session: Session, _context: Any) -> None:
    new_events = [obj for obj in session.new if getattr(obj, "__tablename__", None) == "case_events"]
    if not new_events:
        return
    conn = session.connection()
    for obj in sorted(new_events, key=lambda o: o.id):
        settle_event(
            conn=conn,
            ev=CaseEventRow(obj.id, obj.case_id, obj.report_id, obj.action, obj.to_state),
        )


def install_hook() -> None:
    """Settle case events as the workflow writes them (idempotent to call twice)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def report_outcomes(
    *, session: Session, user_id: uuid.UUID, limit: int = 100, before_id: int | None = None
) -> list[Settlement]:
    """What each of a user's reports earned or why not, newest first (by id); a page before `before_id`."""
    stmt = select(Settlement).where(Settlement.user_id == user_id).order_by(Settlement.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Settlement.id < before_id)
    return list(session.scalars(stmt))
