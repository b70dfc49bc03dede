"""Where a case comes from (案件来源): the rule that derives it from the report, and what a case made by
hand says of itself.

| source | 中文 | how |
|---|---|---|
| `grid_worker` | 网格员上报 | a grid worker's report from the phone (also an admin's) |
| `courier` | 流动网格员上报 | a courier's report |
| `open311` | 合作方接入 | a partner's Open311 request (`reports.channel = 'open311'`) |
| `inspection` | 街道自查/巡查 | a street team member's own report, or a case the street makes by hand |
| `hotline` | 12345热线 | a case the command center makes by hand from a call |
| `referral` | 督办交办 | a case made by hand from a supervising office's referral |

The first four are derived at filing (`origin_of`); the last three are named by the case made by hand
(`service.reports.handmade`), which also keeps the caller's name and phone (command center only).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.cases.models import HAND_MADE_SOURCES
from service.db import refs
from service.errors import Invalid


@dataclass(frozen=True)
class CaseOrigin:
    source: str
    source_ref: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None

    def __post_init__(self) -> None:
        if self.source not in HAND_MADE_SOURCES:
            allowed = "、".join(HAND_MADE_SOURCES)
            raise Invalid(
                f"source：手工建案只能是 {allowed}（网格员、流动网格员、合作方的案件来自上报）",
                details={"field": "source"},
            )


def source_of(channel: str, reporter_role: str) -> str:
    """The source of a case filed from a report that arrived by `channel` from a `reporter_role`."""
    if channel == "open311":
        return "open311"
    if reporter_role == Role.courier.value:
        return "courier"
    if reporter_role == Role.street_team.value:
        return "inspection"
    return "grid_worker"


def origin_of(session: Session, report_id: uuid.UUID) -> str:
    """The source of a case about to be filed from the report (its channel and its reporter's role)."""
    r = refs.reports.c
    row = session.execute(
        select(r.channel, User.role).join(User, User.id == r.reporter_id).where(r.id == report_id)
    ).one()
    return source_of(row.channel, row.role)
