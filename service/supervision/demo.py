"""The demo's supervising offices (督办单位). The source account names 船营区委统战部 (the office that
referred the 德胜街道 signboard case), 吉林市委组织部 and 吉林市直机关工委; it speaks of the 行政执法监督部门
without a name, so that office and the 督查室 are invented for the demo and marked `is_demo`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.supervision.models import SupervisingOffice


@dataclass(frozen=True)
class DemoOffice:
    code: str
    name: str
    district_code: str | None
    invented: bool


DEMO_OFFICES = (
    DemoOffice("cy-tongzhan", "船营区委统战部", "220204", invented=False),
    DemoOffice("jl-zuzhi", "吉林市委组织部", None, invented=False),
    DemoOffice("jl-jiguan", "吉林市直机关工委", None, invented=False),
    DemoOffice("jl-ducha", "吉林市委督查室", None, invented=True),
    DemoOffice("jl-zhifa-jiandu", "吉林市综合行政执法监督办公室", None, invented=True),
)


def load_demo_offices(*, session: Session) -> int:
    """Add the demo offices that are missing (by code); returns how many there are."""
    for office in DEMO_OFFICES:
        session.execute(
            insert(SupervisingOffice)
            .values(
                code=office.code,
                name=office.name,
                district_code=office.district_code,
                active=True,
                is_demo=office.invented,
            )
            .on_conflict_do_nothing()
        )
    return len(DEMO_OFFICES)
