"""The points ledger (积分): append lines, keep the balance row in step, read a user's history.

Every write goes through :func:`append_entry`, which inserts the ledger line and moves the balance row
in the same transaction. Awards are idempotent: the ledger's unique key (user, kind, reference) makes a
repeated award insert nothing (``ON CONFLICT DO NOTHING``) and leave the balance alone. Spending locks
the balance row first (:func:`lock_balance`), so concurrent redemptions see each other's debits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from service.couriers.models import EntryKind, PointsBalance, PointsEntry, Rider


@dataclass(frozen=True)
class Balance:
    balance: int = 0
    earned: int = 0
    spent: int = 0
    reversed: int = 0


def _bucket(kind: EntryKind, amount: int) -> dict[str, int]:
    """How a line moves the running sums."""
    if kind is EntryKind.redemption:
        return {"spent": -amount}
    if kind is EntryKind.reversal:
        return {"reversed": -amount}
    return {"earned": amount}


def append_entry(
    *,
    conn: Connection,
    user_id: uuid.UUID,
    kind: EntryKind,
    amount: int,
    reference_type: str,
    reference_id: str,
    note: str = "",
    actor_id: uuid.UUID | None = None,
    reverses_id: int | None = None,
) -> int | None:
    """Append one line and move the balance; the new line's id, or None when it was already there.

    Takes a Connection (not a Session) so that the case-event hook can call it while the ORM flushes.
    """
    rider = conn.execute(
        select(Rider.company_id, Rider.community_code).where(Rider.user_id == user_id)
    ).one_or_none()
    entry_id = conn.execute(
        insert(PointsEntry)
        .values(
            user_id=user_id,
            kind=kind.value,
            amount=amount,
            reference_type=reference_type,
            reference_id=reference_id,
            reverses_id=reverses_id,
            company_id=rider.company_id if rider else None,
            community_code=rider.community_code if rider else None,
            note=note,
            actor_id=actor_id,
        )
        .on_conflict_do_nothing()
        .returning(PointsEntry.id)
    ).scalar_one_or_none()
    if entry_id is None:
        return None
    sums = {"balance": amount, "earned": 0, "spent": 0, "reversed": 0, **_bucket(kind, amount)}
    stmt = insert(PointsBalance).values(user_id=user_id, **sums)
    excluded = stmt.excluded
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[PointsBalance.user_id],
            set_={
                "balance": PointsBalance.balance + excluded.balance,
                "earned": PointsBalance.earned + excluded.earned,
                "spent": PointsBalance.spent + excluded.spent,
                "reversed": PointsBalance.reversed + excluded.reversed,
                "updated_at": func.now(),
            },
        )
    )
    return int(entry_id)


def reverse_entry(
    *, conn: Connection, entry_id: int, note: str, actor_id: uuid.UUID | None = None
) -> int | None:
    """Cancel a line by appending its opposite; None when it was reversed already."""
    original = conn.execute(
        select(PointsEntry.user_id, PointsEntry.amount).where(PointsEntry.id == entry_id)
    ).one()
    return append_entry(
        conn=conn,
        user_id=original.user_id,
        kind=EntryKind.reversal,
        amount=-original.amount,
        reference_type="entry",
        reference_id=str(entry_id),
        reverses_id=entry_id,
        note=note,
        actor_id=actor_id,
    )


def lock_balance(*, session: Session, user_id: uuid.UUID) -> int:
    """The user's balance with its row locked until the transaction ends (created at zero if missing)."""
    session.execute(insert(PointsBalance).values(user_id=user_id).on_conflict_do_nothing())
    return int(
        session.execute(
            select(PointsBalance.balance).where(PointsBalance.user_id == user_id).with_for_update()
        ).scalar_one()
    )


def get_balance(*, session: Session, user_id: uuid.UUID) -> Balance:
    row = session.execute(
        select(
            PointsBalance.balance, PointsBalance.earned, PointsBalance.spent, PointsBalance.reversed
        ).where(PointsBalance.user_id == user_id)
    ).one_or_none()
    return Balance(*row) if row else Balance()


def ledger_sum(*, session: Session, user_id: uuid.UUID) -> int:
    """The balance recomputed from the ledger (a check of the balance row)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(PointsEntry.user_id == user_id)
        )
        or 0
    )


def list_entries(
    *, session: Session, user_id: uuid.UUID, before_id: int | None = None, limit: int = 100
) -> list[PointsEntry]:
    """Newest first, keyset-paged by id."""
    stmt = (
        select(PointsEntry).where(PointsEntry.user_id == user_id).order_by(PointsEntry.id.desc()).limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(PointsEntry.id < before_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class LedgerPage:
    balance: Balance
    entries: list[PointsEntry]  # newest first
    next_before_id: int | None  # the ``before_id`` of the next page; None when this page is the last


def ledger_page(
    *, session: Session, user_id: uuid.UUID, before_id: int | None = None, limit: int = 100
) -> LedgerPage:
    """A user's balance and one page of their ledger (see :func:`list_entries`)."""
    balance = get_balance(session=session, user_id=user_id)
    entries = list_entries(session=session, user_id=user_id, before_id=before_id, limit=limit)
    return LedgerPage(balance, entries, entries[-1].id if len(entries) == limit else None)
