"""Loading the whole demo city, and the demo accounts (all with one documented password)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.demo import DemoCity, Progress
from geo.demo.model import no_progress
from service.accounts import service as accounts
from service.accounts.models import Role
from service.geography.demo import load_demo_city
from service.geography.imports import assign_grids
from service.publicmap.loading import load_demo_public_map
from service.supervision.demo import load_demo_offices

DEMO_PASSWORD = "whistle-demo"  # noqa: S105 - documented on purpose; refused in production


def load_demo(*, session: Session, city: DemoCity, progress: Progress = no_progress) -> dict[str, int]:
    """Store the demo city in the caller's transaction: divisions, river, kinds, categories, units, and
    the public map (stations, pairing points, warm-new streets), the supervising offices. Returns the
    geography's counts."""
    counts = load_demo_city(session=session, city=city, progress=progress)
    load_demo_public_map(session=session, city=city)
    counts["supervising_offices"] = load_demo_offices(session=session)
    return counts


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    unit_code: str | None = None
    grids_of_community: str | None = None  # name of a named community: its grids become the worker's
    office_code: str | None = None  # a supervisor's office (service.supervision.demo)
    division: str | None = (
        None  # a dispatcher's district or street, by name: a district's or street's command
    )


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin", "系统管理员（演示）"),
    DemoAccount("dispatcher", "dispatcher", "指挥中心值班员（演示）"),
    DemoAccount("command-chuanying", "dispatcher", "船营区指挥中心值班员（演示）", division="船营区"),
    DemoAccount("command-desheng", "dispatcher", "德胜街道指挥值班员（演示）", division="德胜街道"),
    DemoAccount("grid-zhengyang", "grid_worker", "正阳社区网格员（演示）", grids_of_community="正阳社区"),
    DemoAccount("grid-changjiang", "grid_worker", "长江社区网格员（演示）", grids_of_community="长江社区"),
    DemoAccount("courier", "courier", "外卖骑手（演示）"),
    DemoAccount("police-beijinglu", "officer", "北京路派出所民警（演示）", unit_code="name:北京路派出所"),
    DemoAccount("market-city", "officer", "市场监管执法员（演示）", unit_code="name:吉林市市场监督管理局"),
    DemoAccount(
        "team-desheng", "street_team", "德胜街道综合执法队员（演示）", unit_code="name:德胜街道综合行政执法队"
    ),
    # The 正阳社区 story (舒兰市北城街道): private wiring removed by the departments with the street's team.
    DemoAccount("power-shulan", "officer", "舒兰供电公司电工（演示）", unit_code="name:国网舒兰市供电公司"),
    DemoAccount("emergency-shulan", "officer", "舒兰应急管理干部（演示）", unit_code="name:舒兰市应急管理局"),
    DemoAccount("fire-shulan", "officer", "舒兰消防救援队员（演示）", unit_code="name:舒兰市消防救援大队"),
    DemoAccount(
        "team-beicheng", "street_team", "北城街道执法队员（演示）", unit_code="name:北城街道综合行政执法队"
    ),
    DemoAccount(
        "supervisor-tongzhan", "supervisor", "船营区委统战部督办员（演示）", office_code="cy-tongzhan"
    ),
)


def create_demo_accounts(*, session: Session, password: str = DEMO_PASSWORD) -> list[str]:
    """Create the demo accounts that do not exist yet; returns lines describing each account."""
    lines = []
    for a in DEMO_ACCOUNTS:
        unit_id = None
        if a.unit_code is not None:
            name = a.unit_code.removeprefix("name:")
            unit_id = session.execute(
                text("SELECT id FROM department_units WHERE name = :n ORDER BY code LIMIT 1"), {"n": name}
            ).scalar_one()
        office_id = None
        if a.office_code is not None:
            office_id = session.execute(
                text("SELECT id FROM supervising_offices WHERE code = :c"), {"c": a.office_code}
            ).scalar_one()
        division = None
        if a.division is not None:
            division = session.execute(
                text(
                    "SELECT code FROM districts WHERE name = :n AND valid_to IS NULL UNION ALL "
                    "SELECT code FROM streets WHERE name = :n AND valid_to IS NULL LIMIT 1"
                ),
                {"n": a.division},
            ).scalar_one()
        existing = accounts.get_user_by_username(session=session, username=a.username)
        if existing is not None:
            lines.append(f"{a.username:18} {a.role:12} exists, left unchanged")
            continue
        user = accounts.create_user(
            session=session,
            username=a.username,
            password=password,
            role=Role(a.role),
            display_name=a.display_name,
            unit_id=unit_id,
            office_id=office_id,
            division_code=division,
        )
        note = a.display_name
        if a.grids_of_community is not None:
            grids = list(
                session.execute(
                    text(
                        "SELECT g.code FROM grids g JOIN communities c ON c.code = g.community_code "
                        "AND c.valid_to IS NULL WHERE g.valid_to IS NULL AND c.name = :n ORDER BY g.code"
                    ),
                    {"n": a.grids_of_community},
                ).scalars()
            )
            assign_grids(session=session, user_id=user.id, grid_codes=grids)
            note += f", {len(grids)} grid(s) of {a.grids_of_community}"
        lines.append(f"{a.username:18} {a.role:12} {note}")
    return lines
