"""A small city for the workflow tests: the article's two places, their units, categories and people.

Seeded inside the test's rolled-back transaction (or a fresh database), with fixed limits so that
deadlines can be computed by hand. Category rows are upserted (the demo city may already hold them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.hashing import hash_password
from service.accounts.models import Role, User
from service.settings import Settings
from tests.support.rolled_back import PASSWORD

# 德胜街道 (船营区) and 舒兰市北城街道正阳社区, as in the article.
DESHENG = {
    "district": "220204",
    "street": "220204001000",
    "community": "220204001001",
    "grid": "220204001001991",
}
ZHENGYANG = {
    "district": "220283",
    "street": "220283001000",
    "community": "220283001007",
    "grid": "220283001007992",
}
DESHENG_POINT = (126.5402, 43.8371)
ZHENGYANG_POINT = (126.9472, 44.4127)

SIGNBOARD = "0202"  # 违章张贴悬挂广告牌匾
WIRING = "2101"  # 私接电线
VENDING = "0501"  # 无照经营游商: on the street enforcement list

KINDS = {
    "t_market": "市场监管",
    "t_police": "公安",
    "t_power": "供电",
    "t_emergency": "应急管理",
    "t_fire": "消防救援",
    "t_street": "街道综合执法",
}

CATEGORIES: list[dict[str, Any]] = [
    {
        "code": SIGNBOARD, "major_code": "02", "major_name": "宣传广告", "name": "违章张贴悬挂广告牌匾",
        "primary_kind": "t_market", "joint_kinds": ["t_police"], "on_street_list": False,
        "report_in_amount": 2, "report_in_unit": "work_hours", "handling_amount": 3, "handling_unit": "work_days",
    },
    {
        "code": WIRING, "major_code": "21", "major_name": "扩展事件", "name": "私接电线",
        # On the street's list with departments: 北城街道's team leads, the power company, emergency
        # management and the fire brigade join it (the 正阳社区 story).
        "primary_kind": "t_power", "joint_kinds": ["t_emergency", "t_fire"], "on_street_list": True,
        "report_in_amount": 1, "report_in_unit": "urgent_hours", "handling_amount": 2, "handling_unit": "work_days",
    },
    {
        "code": VENDING, "major_code": "05", "major_name": "街面秩序", "name": "无照经营游商",
        "primary_kind": "t_market", "joint_kinds": [], "on_street_list": True,
        "report_in_amount": 1, "report_in_unit": "work_hours", "handling_amount": 1, "handling_unit": "work_days",
    },
]  # fmt: skip


PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"
UploadFiles = list[tuple[str, tuple[str, bytes, str]]]


def site_photo(name: str = "landscape_6.jpg") -> UploadFiles:
    """The `files=` of a multipart request carrying one on-site photo (a result's or a verification's)."""
    return [("photos", (name, (PHOTOS / name).read_bytes(), "image/jpeg"))]


def _square(lon: float, lat: float, half: float) -> str:
    return (
        f"SRID=4326;MULTIPOLYGON((({lon - half} {lat - half},{lon + half} {lat - half},"
        f"{lon + half} {lat + half},{lon - half} {lat + half},{lon - half} {lat - half})))"
    )


@dataclass
class City:
    units: dict[str, uuid.UUID]
    users: dict[str, User]

    def unit(self, key: str) -> uuid.UUID:
        return self.units[key]


def seed_geography(session: Session) -> dict[str, uuid.UUID]:
    for sort, (code, name) in enumerate(KINDS.items()):
        session.execute(
            text(
                "INSERT INTO department_kinds (code, name, enforcement, sort) VALUES (:c, :n, true, :s) "
                "ON CONFLICT DO NOTHING"
            ),
            {"c": code, "n": name, "s": 900 + sort},
        )
    for sort, category in enumerate(CATEGORIES):
        cat = {**category, "minor_code": category["code"][2:], "note": "", "sort": 900 + sort}
        columns = ", ".join(cat)
        values = ", ".join(f":{k}" for k in cat)
        updates = ", ".join(f"{k} = EXCLUDED.{k}" for k in cat if k != "code")
        session.execute(
            text(
                f"INSERT INTO categories ({columns}) VALUES ({values}) ON CONFLICT (code) DO UPDATE SET {updates}"
            ),
            cat,
        )
    places = (
        (DESHENG, DESHENG_POINT, "德胜街道", "船营区"),
        (ZHENGYANG, ZHENGYANG_POINT, "北城街道", "舒兰市"),
    )
    for place, point, name, parent_name in places:
        session.execute(
            text(
                "INSERT INTO districts (id, code, name, kind, geom, valid_from, is_demo) "
                "SELECT gen_random_uuid(), CAST(:d AS varchar), :dn, 'district', ST_GeomFromEWKT(:geom), now(), false "
                "WHERE NOT EXISTS (SELECT 1 FROM districts WHERE code = :d AND valid_to IS NULL)"
            ),
            {"d": place["district"], "dn": parent_name, "geom": _square(*point, 0.3)},
        )
        session.execute(
            text(
                "INSERT INTO streets (id, code, district_code, name, kind, geom, valid_from, is_demo) "
                "SELECT gen_random_uuid(), CAST(:s AS varchar), CAST(:d AS varchar), :n, 'subdistrict', ST_GeomFromEWKT(:geom), now(), false "
                "WHERE NOT EXISTS (SELECT 1 FROM streets WHERE code = :s AND valid_to IS NULL)"
            ),
            {"s": place["street"], "d": place["district"], "n": name, "geom": _square(*point, 0.05)},
        )
    tag = uuid.uuid4().hex[:6]
    specs = {
        "market": ("市市场监督管理局", "t_market", None, None, False, _square(126.7, 44.0, 1.0)),
        "police": ("北京路派出所", "t_police", "220204", None, False, _square(*DESHENG_POINT, 0.01)),
        "police_other": ("江南派出所", "t_police", "220211", None, False, _square(126.56, 43.80, 0.01)),
        "power": ("国网舒兰市供电公司", "t_power", "220283", None, False, _square(*ZHENGYANG_POINT, 0.2)),
        "emergency": ("舒兰市应急管理局", "t_emergency", "220283", None, False, _square(*ZHENGYANG_POINT, 0.2)),
        "fire": ("舒兰市消防救援大队", "t_fire", "220283", None, False, _square(*ZHENGYANG_POINT, 0.2)),
        "desheng_team": ("德胜街道综合执法队", "t_street", "220204", DESHENG["street"], True, _square(*DESHENG_POINT, 0.05)),
        "beicheng_team": (
            "北城街道综合执法队", "t_street", "220283", ZHENGYANG["street"], True, _square(*ZHENGYANG_POINT, 0.05)
        ),
    }  # fmt: skip
    units = {}
    for key, (name, kind, district, street, is_team, geom) in specs.items():
        unit_id = uuid.uuid4()
        session.execute(
            text(
                "INSERT INTO department_units (id, code, name, short_name, kind_code, level, district_code, "
                "street_code, is_street_team, jurisdiction, is_demo, active) VALUES (:id, :code, :name, :name, "
                ":kind, :level, :district, :street, :team, ST_GeomFromEWKT(:geom), false, true)"
            ),
            {
                "id": unit_id, "code": f"T-{key}-{tag}", "name": name, "kind": kind, "district": district,
                "street": street, "team": is_team, "geom": geom,
                "level": "street" if street else ("district" if district else "city"),
            },
        )  # fmt: skip
        units[key] = unit_id
    return units


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One scrypt hash for every seeded account (hashing is slow on purpose; tests need many users)."""
    return hash_password(PASSWORD)


def make_people(session: Session, units: dict[str, uuid.UUID]) -> dict[str, User]:
    tag = uuid.uuid4().hex[:6]
    specs: dict[str, tuple[Role, uuid.UUID | None, str]] = {
        "dispatcher": (Role.dispatcher, None, "指挥中心值班员"),
        "chuanying_command": (Role.dispatcher, None, "船营区指挥中心值班员"),
        "desheng_command": (Role.dispatcher, None, "德胜街道指挥值班员"),
        "shulan_command": (Role.dispatcher, None, "舒兰市指挥中心值班员"),
        "dispatcher2": (Role.dispatcher, None, "指挥中心值班员二"),
        "admin": (Role.admin, None, "管理员"),
        "courier": (Role.courier, None, "外卖骑手"),
        "market": (Role.officer, units["market"], "市场监管执法员"),
        "police": (Role.officer, units["police"], "北京路派出所民警"),
        "police_other": (Role.officer, units["police_other"], "江南派出所民警"),
        "power": (Role.officer, units["power"], "供电公司电工"),
        "emergency": (Role.officer, units["emergency"], "应急管理局干部"),
        "fire": (Role.officer, units["fire"], "消防救援队员"),
        "desheng_team": (Role.street_team, units["desheng_team"], "德胜街道执法队员"),
        "beicheng_team": (Role.street_team, units["beicheng_team"], "北城街道执法队员"),
        "desheng_worker": (Role.grid_worker, None, "德胜网格员"),
        "zhengyang_worker": (Role.grid_worker, None, "正阳社区网格员"),
        "other_worker": (Role.grid_worker, None, "其他网格员"),
        "supervisor": (Role.supervisor, None, "船营区委统战部督办员"),
    }
    # The supervisor reads for the demo's 船营区委统战部 (the office that referred the 德胜 case).
    office = session.scalar(text("SELECT id FROM supervising_offices WHERE code = 'cy-tongzhan'"))
    # The district and street command staff (the city's command center has no division).
    divisions = {
        "chuanying_command": DESHENG["district"],
        "desheng_command": DESHENG["street"],
        "shulan_command": ZHENGYANG["district"],
    }
    users = {}
    for key, (role, unit_id, name) in specs.items():
        users[key] = User(
            username=f"{key}-{tag}", password_hash=password_hash(), role=role.value, display_name=name,
            unit_id=unit_id, office_id=office if role is Role.supervisor else None, is_active=True,
            division_code=divisions.get(key),
        )  # fmt: skip
        session.add(users[key])
    session.flush()
    for key, place in (("desheng_worker", DESHENG), ("zhengyang_worker", ZHENGYANG)):
        session.execute(
            text("INSERT INTO grid_assignments (user_id, grid_code) VALUES (:u, :g)"),
            {"u": users[key].id, "g": place["grid"]},
        )
    return users


def insert_report(
    session: Session,
    *,
    reporter: User,
    category: str,
    place: dict[str, str] = DESHENG,
    point: tuple[float, float] = DESHENG_POINT,
    created_at: datetime | None = None,
    text_: str = "",
    flags: list[str] | None = None,
) -> uuid.UUID:
    """A report row as intake stores it (the fields triage and the workflow read)."""
    report_id = uuid.uuid4()
    session.execute(
        text(
            "INSERT INTO reports (id, reporter_id, category_code, text, created_at, lon, lat, geom, datum, "
            "accuracy_m, location_source, routing_status, district_code, street_code, community_code, "
            "grid_code, routing, flags, request_hash) VALUES (:id, :reporter, :category, :text, :created_at, "
            ":lon, :lat, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'wgs84', 8, 'device', 'routed', "
            ":district, :street, :community, :grid, '{}'::jsonb, :flags, md5(CAST(:id AS text)))"
        ),
        {
            "id": report_id, "reporter": reporter.id, "category": category, "text": text_,
            "created_at": created_at or datetime.now(UTC), "lon": point[0], "lat": point[1],
            "district": place["district"], "street": place["street"], "community": place["community"],
            "grid": place["grid"], "flags": flags or [],
        },
    )  # fmt: skip
    return report_id


@pytest.fixture
def fresh_session(fresh_database_url: str) -> Iterator[Session]:
    """A session on a database of the test's own (commits are seen by a live server on it)."""
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def city(db: Session) -> City:
    units = seed_geography(db)
    users = make_people(db, units)
    db.commit()
    return City(units=units, users=users)


ReportFactory = Callable[..., uuid.UUID]


@pytest.fixture
def make_report(db: Session, city: City) -> ReportFactory:
    def factory(**kw: Any) -> uuid.UUID:
        kw.setdefault("reporter", city.users["desheng_worker"])
        kw.setdefault("category", SIGNBOARD)
        report_id = insert_report(db, **kw)
        db.commit()
        return report_id

    return factory


Auth = Callable[[User], dict[str, str]]


@pytest.fixture
def auth(db: Session, settings: Settings) -> Auth:
    """Bearer headers for a user, issued directly (login itself is tested in test_accounts)."""
    issued: dict[uuid.UUID, dict[str, str]] = {}

    def headers(user: User) -> dict[str, str]:
        if user.id not in issued:
            token = accounts.issue_token(session=db, user=user, settings=settings.security).token
            db.commit()
            issued[user.id] = {"Authorization": f"Bearer {token}"}
        return issued[user.id]

    return headers


class Clock:
    """The workflow's clock, set by the test: every `utcnow()` of the case workflow answers `now`, so
    HTTP requests act at chosen instants (before, at, after a deadline)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Monday 2026-11-16 13:00 in Jilin (05:00 UTC) until the test moves it."""
    from service.cases import (
        board,
        department,
        dispatch_decisions,
        dispatching,
        evaluation,
        triage,
        verification,
        verification_decision,
        workflow,
    )

    fake = Clock(datetime(2026, 11, 16, 5, 0, tzinfo=UTC))
    for module in (
        board, department, dispatch_decisions, dispatching, evaluation, triage, verification,
        verification_decision, workflow,
    ):  # fmt: skip
        monkeypatch.setattr(module, "utcnow", fake)
    return fake
