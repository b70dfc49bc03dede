"""The demo couriers: the article's figures, deterministic from the seed, loaded once."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.hashing import verify_password
from service.accounts.models import Role, User
from service.couriers import demo, points
from service.couriers.models import CommunityPass, Company, Pairing, Participation, PointsEntry, Rider
from service.couriers.stats import courier_stats
from tests.service.couriers.conftest import seed_places


def fingerprint(db: Session) -> list[tuple[str, str, str, str, bool, bool]]:
    rows = db.execute(
        select(User.username, User.display_name, Rider.community_code, Company.code, Rider.is_party_member,
               Rider.mobile_grid_worker_since.is_not(None))
        .join(Rider, Rider.user_id == User.id)
        .join(Company, Company.id == Rider.company_id)
        .where(Rider.is_demo, User.username.like("demo-rider-%"))
        .order_by(User.username)
    ).all()  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def ensure_user(db: Session, username: str, role: Role) -> User:
    found = accounts.get_user_by_username(session=db, username=username)
    return found or accounts.create_user(session=db, username=username, password="demo-password", role=role)


def test_demo_couriers_follow_the_article_and_the_seed(db: Session) -> None:
    seed_places(db)
    if demo.has_demo_couriers(db):  # the template database may hold the demo city and its couriers
        first = fingerprint(db)
    else:
        with db.begin_nested() as attempt:
            courier = ensure_user(db, "courier", Role.courier)
            worker = ensure_user(db, "grid-changjiang", Role.grid_worker)
            counts = demo.load_demo_couriers(session=db)
            assert counts["pairings"] == 1
            rider = db.get(Rider, courier.id)
            assert rider is not None and rider.mobile_grid_worker_since is not None
            assert (
                db.scalar(select(Pairing.grid_worker_id).where(Pairing.rider_id == courier.id)) == worker.id
            )
            assert (
                points.get_balance(session=db, user_id=courier.id).balance == 5
            )  # 隐患问题随手拍, confirmed
            assert (
                counts["riders"] == 1744 and counts["mobile grid workers"] == 539 and counts["passes"] == 139
            )
            first = fingerprint(db)
            attempt.rollback()
        demo.load_demo_couriers(session=db)
        assert fingerprint(db) == first  # the same seed gives the same riders, places and hires
    assert demo.load_demo_couriers(session=db) == {}  # loaded once
    assert len(first) == 1744 and first[0][1] == "张有志"
    assert sum(r[5] for r in first) == 539 and sum(r[4] for r in first) == 165
    stats = courier_stats(session=db, at=demo.DEMO_NOW)
    assert stats.registered >= 1744 and stats.valid_passes >= 139
    claims = db.scalar(
        select(func.count()).select_from(Participation).join(Rider, Rider.user_id == Participation.rider_id)
        .where(Rider.is_demo)
    )  # fmt: skip
    assert claims == 298 + 620
    demo_passes = db.scalar(
        select(func.count()).select_from(CommunityPass).where(CommunityPass.number.like("%-D%"))
    )
    assert demo_passes is not None and demo_passes >= 139
    paid = db.scalar(
        select(func.count()).select_from(PointsEntry).join(Rider, Rider.user_id == PointsEntry.user_id)
    )
    assert paid is not None and 0.7 * 918 < paid <= 918 + 1
    # Demo riders cannot log in: their stored "hash" is no hash.
    stored = db.scalar(text("SELECT password_hash FROM users WHERE username = 'demo-rider-0001'"))
    assert (
        stored is not None
        and not verify_password("", stored)
        and not verify_password(demo.LOCKED_PASSWORD, stored)
    )
