"""Demo couriers for the demo city: platform companies, riders, hires, passes, programmes and points.

Deterministic from a seed (names, communities, hires, passes, participations), and sized on the
article's figures: 1744 riders registered with communities, 539 hired as mobile grid workers, 165 party
members, 139 community passes, 298 project claims and 620 activity participations. 及时雨外卖公司 is the
article's company; the express and ride-hailing companies are invented and say so (演示).

Demo riders cannot log in (their password hash is not a hash). When the demo ``courier`` and
``grid-changjiang`` accounts exist (``whistle demo load --with-accounts``), the courier becomes a rider
of 及时雨外卖 at 长江社区 placed in its grids and paired with that grid worker, so the phone app shows a
real points history. Loading twice changes nothing: the ledger is append-only, so demo data is loaded
once and never rewritten.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.couriers.models import (
    CommunityPass,
    Company,
    CompanyKind,
    CompanyLevel,
    Pairing,
    Participation,
    PointsBalance,
    PointsEntry,
    Program,
    ProgramType,
    RedemptionItem,
    Rider,
    RiderGrid,
)
from service.couriers.programs import confirm_participation
from service.db import refs

DEMO_SEED = 20240607
# Fixed "now" of the demo data, so that a reload on another day produces the same rows.
DEMO_NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LOCKED_PASSWORD = "locked:demo-rider-cannot-log-in"  # noqa: S105 - not a hash: verify_password refuses it

REGISTERED, HIRED, PARTY_MEMBERS, PASSES = 1744, 539, 165, 139
PROJECT_CLAIMS, ACTIVITY_JOINS = 298, 620

NAMED_COMMUNITIES = ("长江社区", "泰和社区", "怀德社区", "新村社区", "新邑西区社区", "正阳社区")


@dataclass(frozen=True)
class DemoCompany:
    code: str
    name: str
    kind: CompanyKind
    outlets: tuple[tuple[str, str], ...]  # (code suffix, name)


COMPANIES = (
    DemoCompany(
        "demo-jishiyu",
        "及时雨外卖公司",
        CompanyKind.food_delivery,
        (
            ("jiangnan", "及时雨外卖江南站"),
            ("chuanying", "及时雨外卖船营站"),
            ("changyi", "及时雨外卖昌邑站"),
        ),
    ),
    DemoCompany(
        "demo-express",
        "江城速递（演示）",
        CompanyKind.express,
        (("fengman", "江城速递丰满网点（演示）"), ("longtan", "江城速递龙潭网点（演示）")),
    ),
    DemoCompany(
        "demo-ridehail",
        "北山出行（演示）",
        CompanyKind.ride_hailing,
        (("pioneers", "共产党员先锋车队（演示）"),),
    ),
)
# Riders per company, roughly as delivery dominates the new-employment groups.
COMPANY_WEIGHTS = (0.55, 0.35, 0.10)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅鹏飞宇浩然博文子涵雨欣海波"

# Riders the article names, placed first: (name, company index, community name, party member).
NAMED_RIDERS = (
    ("张有志", 0, "长江社区", True),
    ("李少红", 0, "长江社区", False),
    ("王刚", 2, "正阳社区", True),
)

PROJECTS = (
    ("hazard_snap", "隐患问题随手拍", 5),
    ("love_delivery", "爱心寄送", 8),
    ("red_errand", "红色代跑", 8),
    ("livestream_farm", "直播助农", 10),
)
ACTIVITIES = (
    ("civility", "文明创建志愿服务", 5),
    ("epidemic", "疫情防控志愿服务", 5),
    ("hazard_report", "平安建设直报隐患", 5),
    ("anti_fraud", "反诈宣传进小区", 5),
    ("party_day", "小区党支部主题党日", 3),
)
ITEMS = (("暖新保温杯", 30, 50), ("爱心义剪券", 15, 100), ("充电宝租用券", 10, 200), ("粮油礼包", 60, 20))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _communities(session: Session) -> list[tuple[str, str]]:
    c = refs.communities.c
    return [
        (code, name)
        for code, name in session.execute(
            select(c.code, c.name).where(c.valid_to.is_(None)).order_by(c.code)
        ).all()
    ]


def _grids_of(session: Session, community_code: str) -> list[str]:
    g = refs.grids.c
    stmt = select(g.code).where(g.community_code == community_code, g.valid_to.is_(None)).order_by(g.code)
    return list(session.scalars(stmt).all())


def _create_companies(session: Session, by_name: dict[str, str]) -> list[list[uuid.UUID]]:
    """Companies and outlets; returns each company's outlet ids."""
    outlets: list[list[uuid.UUID]] = []
    outlet_places = ("长江社区", "泰和社区", "怀德社区", "新村社区", "新邑西区社区", "正阳社区")
    place_index = 0
    for spec in COMPANIES:
        top = Company(
            code=spec.code,
            name=spec.name,
            kind=spec.kind.value,
            level=CompanyLevel.company.value,
            is_demo=True,
        )
        session.add(top)
        session.flush()
        ids = []
        for suffix, name in spec.outlets:
            place = outlet_places[place_index % len(outlet_places)]
            place_index += 1
            outlet = Company(
                code=f"{spec.code}-{suffix}",
                name=name,
                kind=spec.kind.value,
                level=CompanyLevel.outlet.value,
                parent_id=top.id,
                community_code=by_name.get(place),
                is_demo=True,
            )
            session.add(outlet)
            session.flush()
            ids.append(outlet.id)
        outlets.append(ids)
    return outlets


def has_demo_couriers(session: Session) -> bool:
    return session.scalar(select(Company.id).where(Company.code == COMPANIES[0].code)) is not None


def load_demo_couriers(*, session: Session, seed: int = DEMO_SEED) -> dict[str, int]:
    """Store the demo couriers in the caller's transaction (once; a second call returns zeros)."""
    if has_demo_couriers(session):
        return {}
    communities = _communities(session)
    if not communities:
        return {}
    rng = random.Random(seed)
    by_name: dict[str, str] = {}
    for code, name in communities:
        by_name.setdefault(name, code)
    outlets = _create_companies(session, by_name)
    named_codes = [by_name[n] for n in NAMED_COMMUNITIES if n in by_name]
    # Riders cluster where deliveries do: half in the named communities, the rest anywhere.
    rider_rows: list[dict[str, Any]] = []
    user_rows: list[dict[str, Any]] = []
    for i in range(REGISTERED):
        if i < len(NAMED_RIDERS):
            name, company_index, place, party = NAMED_RIDERS[i]
            community = by_name.get(place, communities[0][0])
        else:
            name, party = _name(rng), False
            company_index = rng.choices(range(len(COMPANIES)), weights=COMPANY_WEIGHTS)[0]
            community = (
                rng.choice(named_codes) if named_codes and rng.random() < 0.5 else rng.choice(communities)[0]
            )
        user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        user_rows.append(
            {
                "id": user_id,
                "username": f"demo-rider-{i + 1:04d}",
                "display_name": name,
                "role": Role.courier.value,
                "password_hash": LOCKED_PASSWORD,
                "is_active": True,
            }
        )
        rider_rows.append(
            {
                "user_id": user_id,
                "company_id": rng.choice(outlets[company_index]),
                "community_code": community,
                "registered_at": DEMO_NOW - timedelta(days=rng.randint(30, 700)),
                "is_party_member": party,
                "mobile_grid_worker_since": None,
                "hired_by": None,
                "is_demo": True,
            }
        )
    for row in rng.sample(rider_rows[len(NAMED_RIDERS) :], PARTY_MEMBERS - 2):
        row["is_party_member"] = True
    hired = rider_rows[:1] + rng.sample(rider_rows[1:], HIRED - 1)  # 张有志 is hired
    for row in hired:
        row["mobile_grid_worker_since"] = row["registered_at"] + timedelta(days=rng.randint(1, 25))
    session.execute(insert(User), user_rows)
    session.execute(insert(Rider), rider_rows)

    g = refs.grids.c
    grids_by_community: dict[str, list[str]] = {}
    for code, community_code in session.execute(
        select(g.code, g.community_code).where(g.valid_to.is_(None)).order_by(g.code)
    ).all():
        grids_by_community.setdefault(community_code, []).append(code)
    grid_rows = []
    for row in hired:
        grids = grids_by_community.get(str(row["community_code"]), [])
        for code in rng.sample(grids, min(len(grids), rng.randint(1, 3))):
            grid_rows.append(
                {"rider_id": row["user_id"], "grid_code": code, "placed_at": row["mobile_grid_worker_since"]}
            )
    if grid_rows:
        session.execute(insert(RiderGrid), grid_rows)

    pass_rows = []
    for number, row in enumerate(
        sorted(rng.sample(hired, PASSES), key=lambda r: str(r["community_code"])), 1
    ):
        start = DEMO_NOW - timedelta(days=rng.randint(1, 60))
        pass_rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "number": f"{row['community_code']}-D{number:04d}",
                "community_code": row["community_code"],
                "rider_id": row["user_id"],
                "valid_from": start,
                "valid_to": start + timedelta(days=365),
                "issued_at": start,
            }
        )
    session.execute(insert(CommunityPass), pass_rows)

    programs = _create_programs(session, named_codes or [communities[0][0]])
    joins = _join_programs(session, rng, programs, rider_rows)
    items = 0
    for code in named_codes:
        for name, cost, stock in ITEMS:
            session.add(RedemptionItem(community_code=code, name=name, cost=cost, stock=stock, is_demo=True))
            items += 1
    pairings = _pair_demo_accounts(session, by_name)
    session.flush()
    return {
        "companies": sum(1 + len(c.outlets) for c in COMPANIES),
        "riders": REGISTERED,
        "mobile grid workers": HIRED,
        "passes": PASSES,
        "programmes": len(programs),
        "participations": joins,
        "redemption items": items,
        "pairings": pairings,
    }


def _create_programs(session: Session, community_codes: Sequence[str]) -> list[Program]:
    programs = []
    for code in community_codes:
        for kinds, ptype in ((PROJECTS, ProgramType.project), (ACTIVITIES, ProgramType.activity)):
            for kind, title, pts in kinds:
                program = Program(
                    community_code=code,
                    type=ptype.value,
                    kind=kind,
                    title=title,
                    description="",
                    points=pts,
                    starts_at=DEMO_NOW - timedelta(days=90),
                    created_by=None,
                    is_demo=True,
                )
                session.add(program)
                programs.append(program)
    session.flush()
    return programs


def _join_programs(
    session: Session, rng: random.Random, programs: list[Program], riders: list[dict[str, Any]]
) -> int:
    """298 project claims and 620 activity participations, most confirmed and paid, in bulk: the riders
    are new, so their ledger lines and balances are written directly (the sums equal the lines)."""
    participations: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for ptype, count in ((ProgramType.project, PROJECT_CLAIMS), (ProgramType.activity, ACTIVITY_JOINS)):
        pool = [p for p in programs if p.type == ptype.value]
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < count:
            pairs.add((rng.randrange(len(pool)), rng.randrange(len(riders))))
        for program_index, rider_index in sorted(pairs):
            program, rider = pool[program_index], riders[rider_index]
            joined = DEMO_NOW - timedelta(days=rng.randint(1, 80))
            confirmed = joined + timedelta(days=1) if rng.random() < 0.85 else None
            participations.append(
                {
                    "program_id": program.id,
                    "rider_id": rider["user_id"],
                    "joined_at": joined,
                    "confirmed_at": confirmed,
                }
            )
            if confirmed is not None and program.points > 0:
                entries.append(
                    {
                        "user_id": rider["user_id"],
                        "kind": ptype.value,
                        "amount": program.points,
                        "reference_type": "program",
                        "reference_id": str(program.id),
                        "company_id": rider["company_id"],
                        "community_code": rider["community_code"],
                        "note": program.title,
                        "at": confirmed,
                    }
                )
    session.execute(insert(Participation), participations)
    if entries:
        session.execute(insert(PointsEntry), entries)
        totals: dict[uuid.UUID, int] = {}
        for entry in entries:
            totals[entry["user_id"]] = totals.get(entry["user_id"], 0) + entry["amount"]
        session.execute(
            insert(PointsBalance),
            [
                {"user_id": user_id, "balance": total, "earned": total, "spent": 0, "reversed": 0}
                for user_id, total in sorted(totals.items())
            ],
        )
    return len(participations)


def _pair_demo_accounts(session: Session, by_name: dict[str, str]) -> int:
    """The demo courier account becomes 及时雨's rider at 长江社区, paired with its grid worker."""
    courier = session.scalar(select(User).where(User.username == "courier", User.role == Role.courier.value))
    worker = session.scalar(select(User).where(User.username == "grid-changjiang"))
    community = by_name.get("长江社区")
    if courier is None or community is None or session.get(Rider, courier.id) is not None:
        return 0
    outlet = session.scalar(select(Company.id).where(Company.code == "demo-jishiyu-jiangnan"))
    session.add(
        Rider(
            user_id=courier.id,
            company_id=outlet,
            community_code=community,
            registered_at=DEMO_NOW - timedelta(days=200),
            is_party_member=True,
            mobile_grid_worker_since=DEMO_NOW - timedelta(days=180),
            is_demo=True,
        )
    )
    session.flush()
    for code in _grids_of(session, community):
        session.add(RiderGrid(rider_id=courier.id, grid_code=code, placed_at=DEMO_NOW - timedelta(days=180)))
    session.add(
        CommunityPass(
            number=f"{community}-D9999",
            community_code=community,
            rider_id=courier.id,
            valid_from=DEMO_NOW - timedelta(days=30),
            valid_to=DEMO_NOW + timedelta(days=335),
            issued_at=DEMO_NOW - timedelta(days=30),
        )
    )
    first = session.scalar(
        select(Program).where(Program.community_code == community, Program.kind == "hazard_snap")
    )
    if first is not None:
        session.add(
            Participation(program_id=first.id, rider_id=courier.id, joined_at=DEMO_NOW - timedelta(days=20))
        )
        session.flush()
        confirm_participation(
            session=session,
            program_id=first.id,
            rider_id=courier.id,
            by=None,
            at=DEMO_NOW - timedelta(days=19),
        )
    if worker is None:
        return 0
    session.add(
        Pairing(grid_worker_id=worker.id, rider_id=courier.id, started_at=DEMO_NOW - timedelta(days=170))
    )
    return 1
