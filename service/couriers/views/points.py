"""积分与兑换: the items a community offers for points, riders' redemptions, and the points ledger (a
user's own, a rider's for staff, the admin's settlement run)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from service.accounts.deps import Member
from service.couriers import points, redemptions, settlement
from service.couriers import schemas as s
from service.couriers.views.common import ERRORS, Admin, Courier, Staff, load_staff_rider
from service.couriers.views.presenters import points_public, redemption_public
from service.deps import SessionDep
from service.paging import Page
from service.params import PAGE_DEFAULT, BeforeId, Limit

items_router = APIRouter(prefix="/api/v1/redemption-items", tags=["couriers: points"], responses=ERRORS)
redemptions_router = APIRouter(prefix="/api/v1/redemptions", tags=["couriers: points"], responses=ERRORS)
points_router = APIRouter(prefix="/api/v1/points", tags=["couriers: points"], responses=ERRORS)


# ---------------------------------------------------------------- redemption


@items_router.post(
    "", response_model=s.ItemPublic, status_code=status.HTTP_201_CREATED, summary="Offer an item for points"
)
def create_item(body: s.ItemCreate, session: SessionDep, user: Staff) -> Any:
    item = redemptions.create_item(
        session=session,
        community_code=body.community_code,
        name=body.name,
        cost=body.cost,
        stock=body.stock,
        by=user,
    )
    session.commit()
    return item


@items_router.get("", response_model=list[s.ItemPublic], summary="Items offered for points")
def list_items(
    session: SessionDep,
    _user: Member,
    page: Page,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> Any:
    """By community, cost, name (paged: `limit`, `cursor`)."""
    rows = redemptions.list_items(
        session=session,
        community_code=community,
        after=page.after(str, int, str, uuid.UUID),
        limit=page.fetch,
    )
    return page.cut(rows, key=lambda i: (i.community_code, i.cost, i.name, i.id))


@items_router.patch("/{item_id}", response_model=s.ItemPublic, summary="Restock or withdraw an item")
def update_item(item_id: uuid.UUID, body: s.ItemUpdate, session: SessionDep, user: Staff) -> Any:
    item = redemptions.update_item(
        session=session, item_id=item_id, by=user, add_stock=body.add_stock, active=body.active
    )
    session.commit()
    return item


@redemptions_router.post(
    "",
    response_model=s.RedemptionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Spend points on an item (409 insufficient_points / out_of_stock)",
)
def redeem(body: s.RedeemRequest, session: SessionDep, user: Courier, response: Response) -> Any:
    redemption, created = redemptions.redeem(
        session=session, user=user, item_id=body.item_id, redemption_id=body.id
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    item = redemptions.get_item(session=session, item_id=redemption.item_id)
    balance = points.get_balance(session=session, user_id=user.id).balance
    return redemption_public(redemption, item, balance)


@redemptions_router.get("/mine", response_model=list[s.RedemptionPublic], summary="My redemptions")
def my_redemptions(session: SessionDep, user: Courier, page: Page) -> Any:
    """Newest first (paged: `limit`, `cursor`)."""
    balance = points.get_balance(session=session, user_id=user.id).balance
    rows = redemptions.list_redemptions(
        session=session, user_id=user.id, after=page.after(datetime, uuid.UUID), limit=page.fetch
    )
    return [
        redemption_public(r, i, balance) for r, i in page.cut(rows, key=lambda row: (row[0].at, row[0].id))
    ]


# ---------------------------------------------------------------- points


@points_router.get("/me", response_model=s.PointsPublic, summary="My balance and ledger, newest first")
def my_points(
    session: SessionDep,
    user: Member,
    before_id: BeforeId = None,
    limit: Limit = PAGE_DEFAULT,
) -> Any:
    return points_public(
        points.ledger_page(session=session, user_id=user.id, before_id=before_id, limit=limit)
    )


@points_router.get(
    "/me/reports", response_model=list[s.ReportOutcomePublic], summary="What my reports earned, or why not"
)
def my_report_outcomes(session: SessionDep, user: Member, page: Page) -> Any:
    """Newest first (paged: `limit`, `cursor`)."""
    rows = settlement.report_outcomes(
        session=session, user_id=user.id, limit=page.fetch, before_id=page.after_value(int)
    )
    return page.cut(rows, key=lambda o: (o.id,))


@points_router.get(
    "/users/{user_id}", response_model=s.PointsPublic, summary="A rider's balance and ledger (staff)"
)
def user_points(
    user_id: uuid.UUID,
    session: SessionDep,
    user: Staff,
    before_id: BeforeId = None,
    limit: Limit = PAGE_DEFAULT,
) -> Any:
    # Not the StaffRider dependency: the path names the rider ``user_id``, and a dependency would run
    # before the query is validated (an unknown rider with a bad ``limit`` would answer 404, not 422).
    load_staff_rider(session=session, user=user, rider_id=user_id)
    return points_public(
        points.ledger_page(session=session, user_id=user_id, before_id=before_id, limit=limit)
    )


@points_router.post(
    "/settle", response_model=s.SettledPublic, summary="Settle case events not yet settled (admin)"
)
def settle(session: SessionDep, _user: Admin) -> Any:
    count = settlement.settle_pending(session=session)
    session.commit()
    return s.SettledPublic(events=count)
