"""积分兑换: items a community offers, and spending points on them without ever overdrawing.

A redemption locks the rider's balance row, then the item row (always in that order, so two
redemptions cannot deadlock), checks both, and writes the stock, the redemption and the ledger line in
one transaction. Concurrent redemptions by one rider queue on the balance row; each sees the debits of
those before it, so exactly the affordable number succeed and the balance never goes below zero.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.couriers import access
from service.couriers.models import EntryKind, Redemption, RedemptionItem
from service.couriers.points import append_entry, lock_balance
from service.couriers.riders import get_rider
from service.db import keyset
from service.errors import Conflict, Invalid, NotFound


class InsufficientPoints(Conflict):
    code = "insufficient_points"


class OutOfStock(Conflict):
    code = "out_of_stock"


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_item(
    *,
    session: Session,
    community_code: str,
    name: str,
    cost: int,
    stock: int,
    by: User | None,
    is_demo: bool = False,
) -> RedemptionItem:
    access.require_current_community(session=session, community_code=community_code)
    if by is not None:
        access.require_community_staff(session=session, user=by, community_code=community_code)
    if cost <= 0:
        raise Invalid("cost must be positive", details={"field": "cost"})
    if stock < 0:
        raise Invalid("stock cannot be negative", details={"field": "stock"})
    item = RedemptionItem(
        community_code=community_code,
        name=name,
        cost=cost,
        stock=stock,
        created_by=by.id if by else None,
        is_demo=is_demo,
    )
    session.add(item)
    session.flush()
    return item


def update_item(
    *,
    session: Session,
    item_id: uuid.UUID,
    by: User,
    add_stock: int = 0,
    active: bool | None = None,
) -> RedemptionItem:
    item = session.scalars(
        select(RedemptionItem).where(RedemptionItem.id == item_id).with_for_update()
    ).one_or_none()
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    access.require_community_staff(session=session, user=by, community_code=item.community_code)
    if item.stock + add_stock < 0:
        raise Invalid("stock cannot go below zero", details={"field": "add_stock"})
    item.stock += add_stock
    if active is not None:
        item.active = active
    session.flush()
    return item


def get_item(*, session: Session, item_id: uuid.UUID) -> RedemptionItem:
    item = session.get(RedemptionItem, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    return item


def list_items(
    *,
    session: Session,
    community_code: str | None = None,
    include_inactive: bool = False,
    after: tuple[str, int, str, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[RedemptionItem]:
    """Items by community, cost, name (key: those and the id); a page of `limit` after `after`."""
    key = (RedemptionItem.community_code, RedemptionItem.cost, RedemptionItem.name, RedemptionItem.id)
    stmt = select(RedemptionItem).order_by(*key).limit(limit)
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(False,) * 4))
    if community_code is not None:
        stmt = stmt.where(RedemptionItem.community_code == community_code)
    if not include_inactive:
        stmt = stmt.where(RedemptionItem.active.is_(True))
    return list(session.scalars(stmt))


def redeem(
    *,
    session: Session,
    user: User,
    item_id: uuid.UUID,
    redemption_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> tuple[Redemption, bool]:
    """Spend points on one item; (redemption, created). A repeated ``redemption_id`` returns the first."""
    get_rider(session=session, user_id=user.id)
    balance = lock_balance(session=session, user_id=user.id)
    if redemption_id is not None:
        earlier = session.get(Redemption, redemption_id)
        if earlier is not None:
            if earlier.user_id != user.id or earlier.item_id != item_id:
                raise Conflict(f"redemption {redemption_id} exists with other content")
            return earlier, False
    item = session.scalars(
        select(RedemptionItem)
        .where(RedemptionItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if item is None or not item.active:
        raise NotFound(f"item {item_id} is not offered")
    if balance < item.cost:
        raise InsufficientPoints(
            f"{item.name} costs {item.cost} points; the balance is {balance}",
            details={"balance": balance, "cost": item.cost},
        )
    if item.stock <= 0:
        raise OutOfStock(f"{item.name} is out of stock")
    item.stock -= 1
    redemption = Redemption(
        id=redemption_id or uuid.uuid4(), item_id=item.id, user_id=user.id, cost=item.cost, at=at or utcnow()
    )
    session.add(redemption)
    session.flush()
    append_entry(
        conn=session.connection(),
        user_id=user.id,
        kind=EntryKind.redemption,
        amount=-item.cost,
        reference_type="redemption",
        reference_id=str(redemption.id),
        note=item.name,
        actor_id=user.id,
    )
    return redemption, True


def list_redemptions(
    *,
    session: Session,
    user_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[tuple[Redemption, RedemptionItem]]:
    """A user's redemptions, newest first (key: at, id, both descending); a page after `after`."""
    key = (Redemption.at, Redemption.id)
    stmt = (
        select(Redemption, RedemptionItem)
        .join(RedemptionItem, RedemptionItem.id == Redemption.item_id)
        .where(Redemption.user_id == user_id)
        .order_by(*(c.desc() for c in key))
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(key, after, descending=(True, True)))
    return [(r, i) for r, i in session.execute(stmt).all()]
