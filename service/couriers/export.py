"""Periodic points export per company (企业将社区反馈的积分与奖金、晋升挂钩): one CSV row per rider.

Points are attributed to the company (and its branches and outlets) the rider worked for when each
line was written, so a rider who changed employer appears in both companies' exports for their own
periods. Columns: earned, reversed and spent within [start, end), and the balance at ``end``.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.couriers.companies import get_company, subtree_ids
from service.couriers.models import Company, EntryKind, PointsEntry, Rider

HEADER = (
    "username",
    "display_name",
    "outlet_code",
    "outlet_name",
    "community_code",
    "mobile_grid_worker",
    "earned",
    "reversed",
    "spent",
    "net",
    "balance_at_end",
)


@dataclass(frozen=True)
class ExportRow:
    username: str
    display_name: str
    outlet_code: str
    outlet_name: str
    community_code: str
    mobile_grid_worker: bool
    earned: int
    reversed: int
    spent: int
    balance_at_end: int

    @property
    def net(self) -> int:
        return self.earned - self.reversed - self.spent


def company_points(
    *, session: Session, company_id: uuid.UUID, start: datetime, end: datetime
) -> list[ExportRow]:
    get_company(session=session, company_id=company_id)
    ids = subtree_ids(session=session, company_id=company_id)
    e = PointsEntry
    in_period = and_(e.at >= start, e.at < end, e.company_id.in_(ids))
    members = (
        select(Rider.user_id.label("id"))
        .where(Rider.company_id.in_(ids))
        .union(select(e.user_id).where(in_period))
        .subquery()
    )

    def total(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((and_(in_period, condition), e.amount), else_=0)), 0)

    period = (
        select(
            e.user_id,
            total(e.kind.not_in([EntryKind.redemption.value, EntryKind.reversal.value])).label("earned"),
            total(e.kind == EntryKind.reversal.value).label("reversed"),
            total(e.kind == EntryKind.redemption.value).label("spent"),
            func.coalesce(func.sum(case((e.at < end, e.amount), else_=0)), 0).label("balance"),
        )
        .where(e.user_id.in_(select(members.c.id)))
        .group_by(e.user_id)
        .subquery()
    )
    rows = session.execute(
        select(
            User.username,
            User.display_name,
            Company.code,
            Company.name,
            Rider.community_code,
            Rider.mobile_grid_worker_since,
            func.coalesce(period.c.earned, 0),
            func.coalesce(period.c.reversed, 0),
            func.coalesce(period.c.spent, 0),
            func.coalesce(period.c.balance, 0),
        )
        .select_from(members)
        .join(User, User.id == members.c.id)
        .outerjoin(Rider, Rider.user_id == User.id)
        .outerjoin(Company, and_(Company.id == Rider.company_id, Company.id.in_(ids)))
        .outerjoin(period, period.c.user_id == User.id)
        .order_by(User.username)
    ).all()
    return [
        ExportRow(
            username=r[0],
            display_name=r[1],
            outlet_code=r[2] or "",
            outlet_name=r[3] or "",
            community_code=r[4] or "",
            mobile_grid_worker=r[5] is not None,
            earned=int(r[6]),
            reversed=-int(r[7]),
            spent=-int(r[8]),
            balance_at_end=int(r[9]),
        )
        for r in rows
    ]


def to_csv(rows: list[ExportRow]) -> str:
    """UTF-8 CSV with a byte-order mark so that spreadsheet programs read the Chinese names."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            [
                r.username,
                r.display_name,
                r.outlet_code,
                r.outlet_name,
                r.community_code,
                "yes" if r.mobile_grid_worker else "no",
                r.earned,
                r.reversed,
                r.spent,
                r.net,
                r.balance_at_end,
            ]
        )
    return out.getvalue()
