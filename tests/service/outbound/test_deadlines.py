"""The deadline scan: yellow and red events from the dispatches' stored instants, each clock announced
once per colour however often (or irregularly, or concurrently) the scan runs; `now` is injected."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.deadlines import LimitUnit
from service.cases.models import Dispatch
from service.outbound.dispatch_events import scan_deadlines
from service.outbound.service import EventType
from tests.service.cases.conftest import City
from tests.service.outbound.conftest import deliveries, make_endpoint, set_scan_mark, whistle

CITY = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=CITY)  # a working morning
US = timedelta(microseconds=1)


def keys(db: Session) -> list[str]:
    return [d.idempotency_key.split(":", 2)[2] for d in deliveries(db)]


def test_each_clock_turns_yellow_then_red_once_at_the_boards_instants(db: Session, city: City) -> None:
    make_endpoint(db, city, "http://127.0.0.1:9/hook")
    set_scan_mark(db, WEDNESDAY)
    (d,) = whistle(db, city, at=WEDNESDAY)
    assert d.check_in_yellow_at < d.check_in_deadline < d.handling_yellow_at < d.handling_deadline

    def scan(now: datetime, overlap_s: float = 0.0) -> int:
        result = scan_deadlines(session=db, now=now, overlap_s=overlap_s)
        db.commit()
        return result.enqueued

    assert scan(d.check_in_yellow_at - US) == 0  # green
    assert scan(d.check_in_yellow_at) == 1  # yellow from the instant itself (the board's rule)
    assert scan(d.check_in_yellow_at) == 0  # the same moment again
    assert scan(d.check_in_yellow_at + timedelta(minutes=5), overlap_s=3600) == 0  # overlapping window
    assert scan(d.check_in_deadline) == 0  # at the deadline it is still yellow
    assert scan(d.check_in_deadline + US) == 1  # red after it
    assert scan(d.handling_yellow_at) == 1
    assert scan(d.handling_deadline + timedelta(hours=1)) == 1
    assert keys(db) == ["whistle", "check_in:yellow", "check_in:red", "handling:yellow", "handling:red"]

    # Everything scanned again from the start (a second process, a reset watermark): nothing new.
    set_scan_mark(db, WEDNESDAY - timedelta(days=1))
    again = scan_deadlines(session=db, now=d.handling_deadline + timedelta(days=5))
    db.commit()
    assert (again.since, again.enqueued) == (WEDNESDAY - timedelta(days=1), 0)
    assert len(deliveries(db)) == 5

    payloads = {r.idempotency_key.split(":", 2)[2]: r.payload for r in deliveries(db)}
    red = payloads["check_in:red"]
    assert red["event"] == EventType.RED.value and red["clock"] == "check_in"
    assert red["deadline"] == red["occurred_at"] == d.check_in_deadline.isoformat()
    due = d.check_in_deadline.astimezone(CITY).strftime("%m-%d %H:%M")
    number = red["case"]["number"]
    assert red["summary"] == f"【已超时】案卷 {number} 违章张贴悬挂广告牌匾，报到时限 {due} 已过，请尽快报到"
    yellow = payloads["handling:yellow"]
    assert yellow["occurred_at"] == d.handling_yellow_at.isoformat()
    handling_due = d.handling_deadline.astimezone(CITY).strftime("%m-%d %H:%M")
    assert yellow["summary"] == f"【即将超时】案卷 {number} 违章张贴悬挂广告牌匾，请于 {handling_due} 前办结"


def test_a_late_scan_sends_red_alone_and_a_stopped_clock_sends_nothing(db: Session, city: City) -> None:
    make_endpoint(db, city, "http://127.0.0.1:9/hook", unit="market")
    make_endpoint(db, city, "http://127.0.0.1:9/hook", unit="police")
    set_scan_mark(db, WEDNESDAY)
    market, police = whistle(db, city, units=("market", "police"), at=WEDNESDAY)
    # The police report in on time: their report-in clock stops yellow-free; their handling runs on.
    cases.check_in(
        session=db, dispatch_id=police.id, user=city.users["police"], at=WEDNESDAY + timedelta(minutes=5)
    )
    db.commit()
    # One scan, long after both report-in instants: the market's clock is red (no stale yellow first).
    scan_deadlines(session=db, now=market.check_in_deadline + timedelta(minutes=1))
    db.commit()
    found = {(r.payload["unit"]["name"], r.idempotency_key.split(":", 2)[2]) for r in deliveries(db)}
    assert found == {
        ("市市场监督管理局", "whistle"),
        ("北京路派出所", "whistle"),
        ("市市场监督管理局", "check_in:red"),
    }


def test_an_endpoint_hears_only_the_events_it_asked_for(db: Session, city: City) -> None:
    reds, _ = make_endpoint(db, city, "http://127.0.0.1:9/red", events=[EventType.RED.value])
    everything, _ = make_endpoint(db, city, "http://127.0.0.1:9/all")
    set_scan_mark(db, WEDNESDAY)
    (d,) = whistle(db, city, at=WEDNESDAY)
    whistle(db, city, units=("police",), at=WEDNESDAY)  # another unit's dispatch: not theirs
    for now in (d.check_in_yellow_at, d.check_in_deadline + US):
        scan_deadlines(session=db, now=now)
        db.commit()
    assert [r.idempotency_key for r in deliveries(db, reds.id)] == [f"dispatch:{d.id}:check_in:red"]
    assert [r.event for r in deliveries(db, everything.id)] == [
        "dispatch.whistle",
        "dispatch.yellow",
        "dispatch.red",
    ]


def test_an_extended_handling_deadline_is_announced_again(db: Session, city: City) -> None:
    make_endpoint(db, city, "http://127.0.0.1:9/hook")
    set_scan_mark(db, WEDNESDAY)
    (d,) = whistle(db, city, at=WEDNESDAY)
    cases.check_in(
        session=db, dispatch_id=d.id, user=city.users["market"], at=WEDNESDAY + timedelta(minutes=5)
    )
    scan_deadlines(session=db, now=d.handling_deadline + US)
    first_deadline = d.handling_deadline
    cases.request_extension(
        session=db, dispatch_id=d.id, user=city.users["market"], amount=Decimal(2), unit=LimitUnit.WORK_DAYS,
        reason="需要协调供电部门", at=first_deadline + timedelta(minutes=1),
    )  # fmt: skip
    cases.decide_extension(
        session=db,
        dispatch_id=d.id,
        grant=True,
        by=city.users["dispatcher"],
        at=first_deadline + timedelta(minutes=2),
    )
    db.commit()
    extended = db.get(Dispatch, d.id)
    assert extended is not None and extended.handling_deadline > first_deadline
    for now in (extended.handling_yellow_at, extended.handling_deadline + US):
        scan_deadlines(session=db, now=now)
        db.commit()
    assert keys(db) == ["whistle", "handling:red", "handling:yellow:ext1", "handling:red:ext1"]


def test_a_second_scan_while_one_holds_the_watermark_skips(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    with Session(engine) as first, Session(engine) as second:
        held = scan_deadlines(session=first, now=datetime.now(CITY))  # not committed: the mark stays locked
        assert not held.skipped
        assert scan_deadlines(session=second, now=datetime.now(CITY)).skipped
        first.commit()
        second.rollback()
        assert not scan_deadlines(session=second, now=datetime.now(CITY) + timedelta(seconds=1)).skipped
    engine.dispose()
