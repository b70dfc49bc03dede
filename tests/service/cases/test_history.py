"""Scores, lists and indicators from a seeded week of history equal values computed by hand.

The week of Monday 2026-03-02 (no holiday), Asia/Shanghai. Category 0202: report in within 2 work
hours, handle within 3 work days. A dispatch at 09:00 Monday is due to report in at 11:00 Monday and
to be handled by 17:30 Thursday (09:00 is after the day's first period began, so counting starts
Tuesday: Tue, Wed, Thu); one at 09:00 Tuesday reports in by 11:00 Tuesday, handles by 17:30 Friday.

| dispatch | unit | story | score | list |
|---|---|---|---|---|
| D1 | 市场监管 | in 10:00 Mon, result with photo 10:00 Wed, passed 15:00 Wed | 100 | praise |
| D2 | 北京路派出所 | in 12:30 Mon (late), result without photo Thu 16:00, failed Thu 17:00, result with photo Fri 10:00 (late: 1.5 of 24 work hours over, 6.25 % ≤ 25 %), passed Fri 11:00 | 100 −10 −10 −10 = 70 | interview |
| D3 | 江南派出所 | never reports in; finalised Wed 12:00 | 100 −30 = 70 | interview |
| D4 | 市场监管 | in 09:30 Tue, sends back 10:00 Tue ("not ours") | 100 | none |
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case, Dispatch, Evaluation
from service.photos.pipeline import NewPhoto
from tests.service.cases.conftest import Auth, City, ReportFactory

SH = ZoneInfo("Asia/Shanghai")
PHOTO = NewPhoto(sha256="a" * 64, original_key="originals/a", display_key="public/a", thumb_key="public/t")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


SINCE, UNTIL = at(2, 0), at(9, 0)


def seed_week(db: Session, city: City, make_report: ReportFactory) -> dict[str, Dispatch]:
    d = city.users["dispatcher"]
    market, police, other = city.users["market"], city.users["police"], city.users["police_other"]
    worker = city.users["desheng_worker"]
    r1 = make_report(created_at=at(2, 8))
    r_void = make_report(created_at=at(2, 8, 10))
    r2 = make_report(created_at=at(3, 8))
    r3 = make_report(created_at=at(3, 8, 5))
    cases.void_report(session=db, report_id=r_void, by=d, reason="重复上报", at=at(2, 8, 20))
    c1 = cases.file_report(session=db, report_id=r1, by=d, at=at(2, 8, 30))
    d1, d2 = cases.dispatch_case(
        session=db, case_id=c1.id, unit_ids=[city.unit("market"), city.unit("police")], by=d, at=at(2, 9)
    )
    assert d1.check_in_deadline == at(2, 11) and d1.handling_deadline == at(5, 17, 30)
    cases.check_in(session=db, dispatch_id=d1.id, user=market, at=at(2, 10))
    cases.check_in(session=db, dispatch_id=d2.id, user=police, at=at(2, 12, 30))
    cases.submit_result(session=db, dispatch_id=d1.id, user=market, note="拆除", photos=[PHOTO], at=at(4, 10))
    cases.submit_result(session=db, dispatch_id=d2.id, user=police, note="已处理", at=at(5, 16))
    # One visit for the joint case once both results are in: the market passes, the police rework.
    (task,) = cases.list_tasks(session=db, user=worker)
    cases.decide_task(
        session=db, task_id=task.task.id, user=worker, at=at(5, 17),
        outcomes={d1.id: cases.Outcome(passed=True), d2.id: cases.Outcome(passed=False, reason="未拆除")},
    )  # fmt: skip
    cases.submit_result(session=db, dispatch_id=d2.id, user=police, note="拆除", photos=[PHOTO], at=at(6, 10))
    cases.verify(session=db, dispatch_id=d2.id, user=worker, passed=True, at=at(6, 11))

    c2 = cases.file_report(session=db, report_id=r2, by=d, at=at(3, 8, 30))
    (d3,) = cases.dispatch_case(
        session=db, case_id=c2.id, unit_ids=[city.unit("police_other")], by=d, at=at(3, 9)
    )
    assert d3.check_in_deadline == at(3, 11) and d3.handling_deadline == at(6, 17, 30)
    c3 = cases.file_report(session=db, report_id=r3, by=d, at=at(3, 8, 35))
    (d4,) = cases.dispatch_case(session=db, case_id=c3.id, unit_ids=[city.unit("market")], by=d, at=at(3, 9))
    cases.check_in(session=db, dispatch_id=d4.id, user=market, at=at(3, 9, 30))
    cases.send_back(session=db, dispatch_id=d4.id, user=market, reason="属公安职责", at=at(3, 10))
    finalised = cases.finalise_no_shows(session=db, as_of=at(4, 12))
    assert [e.dispatch_id for e in finalised] == [d3.id]
    db.commit()
    assert other.unit_id == d3.unit_id
    assert (db.get(Case, c1.id) or c1).state == "closed"
    assert (db.get(Case, c3.id) or c3).state == "filed", "all dispatches sent back: back to triage"
    return {"D1": d1, "D2": d2, "D3": d3, "D4": d4}


def test_scores_and_lists(db: Session, city: City, make_report: ReportFactory) -> None:
    ds = seed_week(db, city, make_report)
    got = {k: db.get(Evaluation, d.id) for k, d in ds.items()}
    assert {k: (e.score, e.list_kind, e.reason) for k, e in got.items() if e} == {
        "D1": (Decimal(100), "praise", "closed"),
        "D2": (Decimal(70), "interview", "closed"),
        "D3": (Decimal(70), "interview", "no_show"),
        "D4": (Decimal(100), None, "sent_back"),
    }
    d2 = got["D2"]
    assert d2 is not None
    assert [(row["rule"], row["points"]) for row in d2.breakdown] == [
        ("late_check_in", "-10"),
        ("late_handling", "-10"),
        ("rework", "-10"),
    ]
    assert d2.rules["rework_each"] == "10"
    lists = cases.unit_lists(session=db, since=SINCE, until=UNTIL, as_of=at(7, 12))
    names = {kind.value: sorted(e.unit_name for e in entries) for kind, entries in lists.items()}
    assert names == {
        "praise": ["市市场监督管理局"],
        "reminder": [],
        "interview": ["北京路派出所", "江南派出所"],
    }
    market = lists[next(k for k in lists if k.value == "praise")][0]
    assert market.dispatches == 2 and market.mean_score == Decimal("100.00")


HOURS = 3600


def test_indicators_by_unit_kind_and_street(
    db: Session, city: City, make_report: ReportFactory, client: TestClient, auth: Auth
) -> None:
    seed_week(db, city, make_report)
    rows = {
        r.key: r
        for r in cases.indicator_rows(session=db, group_by=cases.GroupBy.UNIT, since=SINCE, until=UNTIL)
    }
    market, police, other = (rows[str(city.unit(k))] for k in ("market", "police", "police_other"))
    assert market.name == "市市场监督管理局"
    c = market.counts
    assert (c.reported, c.dispatched, c.accurately_dispatched, c.checked_in_on_time) == (2, 2, 1, 2)
    assert (c.due_for_handling, c.handled, c.handled_on_time, c.closed, c.closed_on_time, c.reworked) == (
        1, 1, 1, 1, 1, 0
    )  # fmt: skip
    assert c.handling_seconds == 49 * HOURS
    i = market.indicators
    assert i.accurate_dispatch_rate == Decimal("0.5") and i.on_time_check_in_rate == 1
    assert i.on_time_closure_rate == 1 and i.rework_rate == 0 and i.mean_handling_time == timedelta(hours=49)

    p = police.indicators
    one, zero = Decimal(1), Decimal(0)
    assert (p.accurate_dispatch_rate, p.on_time_check_in_rate, p.handling_rate, p.on_time_handling_rate) == (
        one, zero, one, zero
    )  # fmt: skip
    assert (p.closure_rate, p.on_time_closure_rate, p.rework_rate) == (one, zero, one)
    assert p.mean_handling_time == timedelta(hours=97)

    o = other.indicators
    assert (o.dispatched, o.handling_rate, o.closure_rate) == (1, zero, zero)
    assert o.rework_rate is None and o.mean_handling_time is None

    kinds = {
        r.key: r
        for r in cases.indicator_rows(session=db, group_by=cases.GroupBy.KIND, since=SINCE, until=UNTIL)
    }
    k = kinds["t_police"].counts
    assert (k.dispatched, k.checked_in_on_time, k.due_for_handling, k.handled, k.closed, k.reworked) == (
        2, 0, 2, 1, 1, 1
    )  # fmt: skip
    assert kinds["t_police"].indicators.closure_rate == Decimal("0.5")

    streets = cases.indicator_rows(session=db, group_by=cases.GroupBy.STREET, since=SINCE, until=UNTIL)
    (street,) = streets
    s = street.counts
    assert (street.key, street.name) == ("220204001000", "德胜街道")
    assert (s.reported, s.filed, s.dispatched, s.accurately_dispatched, s.checked_in_on_time) == (
        4,
        3,
        4,
        3,
        2,
    )
    assert (s.due_for_closure, s.closed, s.closed_on_time, s.handling_seconds) == (3, 2, 1, 146 * HOURS)
    si = street.indicators
    assert si.on_time_closure_rate == Decimal(1) / Decimal(3) and si.mean_handling_time == timedelta(hours=73)
    (district,) = cases.indicator_rows(session=db, group_by=cases.GroupBy.DISTRICT, since=SINCE, until=UNTIL)
    assert district.counts == s

    # The same through HTTP, and as CSV (percentages as bulletins print them: 1/3 → 33.33).
    headers = auth(city.users["dispatcher"])
    period = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    body = client.get("/api/v1/console/indicators", params={"group_by": "street", **period}, headers=headers)
    assert body.status_code == 200
    (row,) = body.json()["rows"]
    assert (
        Decimal(row["on_time_closure_rate"]) == Decimal(1) / Decimal(3) and row["mean_handling_hours"] == 73
    )
    exported = client.get(
        "/api/v1/console/indicators.csv", params={"group_by": "street", **period}, headers=headers
    )
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(table) == 1 and table[0]["名称"] == "德胜街道"
    assert table[0]["按期结案率(%)"] == "33.33" and table[0]["准确派遣率(%)"] == "75.00"
    assert table[0]["平均处置时长(小时)"] == "73.00"
    scores = client.get("/api/v1/console/evaluations", params=period, headers=headers).json()
    assert sorted(Decimal(e["score"]) for e in scores) == [70, 70, 100, 100]


def test_the_daily_rollups_agree_with_the_dispatches(
    db: Session, city: City, make_report: ReportFactory
) -> None:
    """Whole-day periods read the trigger-kept rollups, others the dispatches: same counts, and a full
    recount (`whistle_rebuild_indicator_days`) finds the trigger's running totals exact."""
    seed_week(db, city, make_report)
    shifted = SINCE + timedelta(seconds=1)  # not a midnight: aggregated from the dispatches
    for group in cases.GroupBy:
        from_rollup = cases.indicator_rows(session=db, group_by=group, since=SINCE, until=UNTIL)
        from_rows = cases.indicator_rows(session=db, group_by=group, since=shifted, until=UNTIL)
        assert [(r.key, r.counts) for r in from_rollup] == [(r.key, r.counts) for r in from_rows], group
    snapshot = "SELECT * FROM indicator_unit_days ORDER BY day, unit_id"
    kept = db.execute(text(snapshot)).all()
    db.execute(text("SELECT whistle_rebuild_indicator_days()"))
    assert db.execute(text(snapshot)).all() == kept
