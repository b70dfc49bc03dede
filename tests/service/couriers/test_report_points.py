"""Points for reports, end to end through HTTP: intake (real photos), triage, dispatch, report-in,
result, verification, and the gaming rules (reused photo, void, merge as a duplicate).

Policy under test (service.couriers.settlement): a courier's report earns its category's points when
the command center files it; voiding or merging its case afterwards reverses them; reports voided,
merged or flagged in triage never earn; a photo earns once.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.couriers import points, settlement
from tests.service.couriers.conftest import CENTRE, CHANGJIANG, GRID_A, Place, register, square
from tests.service.reports.test_flags_http import gps_photo
from tests.support.field import on_site
from tests.support.rolled_back import Login, UserFactory

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"
HAZARD = "9801"  # a test category: 井盖缺失 (a hazard on the street)
HAZARD_POINTS = 12
POINT = (CENTRE[0] - 0.0075, CENTRE[1])  # inside grid A of 长江社区


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def new_picture(seed: int) -> bytes:
    """A fresh photo without EXIF (no old time, no far GPS), unlike any other seed's: random blocks.
    (BlueSquare.jpg will not do: its EXIF DateTime is from 2005, which `exif_time_old` now reads.)"""
    blocks = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    picture = Image.fromarray(blocks).resize((640, 480), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def unit_id(db: Session) -> uuid.UUID:
    db.execute(
        text("INSERT INTO department_kinds (code, name) VALUES ('t_cj', '城管') ON CONFLICT DO NOTHING")
    )
    db.execute(
        text(
            "INSERT INTO categories (code, major_code, major_name, name, primary_kind, report_in_amount, "
            "report_in_unit, handling_amount, handling_unit, points) VALUES (:c, '98', '测试', '井盖缺失', 't_cj', "
            "2, 'work_hours', 2, 'work_days', :p) ON CONFLICT (code) DO UPDATE SET points = EXCLUDED.points"
        ),
        {"c": HAZARD, "p": HAZARD_POINTS},
    )
    unit = uuid.uuid4()
    db.execute(
        text(
            "INSERT INTO department_units (id, code, name, short_name, kind_code, level, district_code, "
            "is_street_team, jurisdiction, is_demo, active) VALUES (:id, :code, '丰满区城管执法中队', '城管', 't_cj', "
            "'district', '220211', false, ST_GeomFromEWKT(:geom), false, true)"
        ),
        {"id": unit, "code": f"T-cj-{unit.hex[:6]}", "geom": square(*CENTRE, 0.05)},
    )
    # New divisions were seeded: a new geography revision makes in-process routers rebuild.
    db.execute(text("INSERT INTO geography_revisions (what) VALUES ('couriers test places')"))
    db.commit()
    return unit


class Loop:
    """The workflow's endpoints, driven the way the console, the department and the grid worker do."""

    def __init__(self, client: TestClient, place: Place, login: Login, officer: User) -> None:
        self.client = client
        self.place = place
        self.console = login(place.dispatcher)
        self.officer = login(officer)
        self.verifier = login(place.worker)
        self.login = login

    def report(self, user: User, photo_name: str, *, content: bytes | None = None, **fields: Any) -> str:
        report_id = str(uuid.uuid4())
        now = datetime.now(timezone(timedelta(hours=8)))
        data = {
            "id": report_id,
            "category": HAZARD,
            "text": "人行道井盖缺失",
            "lon": str(POINT[0]),
            "lat": str(POINT[1]),
            "datum": "wgs84",
            "accuracy_m": "8",
            "captured_at": now.isoformat(),
            **fields,
        }
        headers = {**self.login(user), "Idempotency-Key": report_id}
        response = self.client.post(
            "/api/v1/reports",
            data=data,
            files=[("photos", (photo_name, content or photo(photo_name), "image/jpeg"))],
            headers=headers,
        )
        assert response.status_code == 201, response.text
        return report_id

    def file(self, report_id: str) -> dict[str, Any]:
        response = self.client.post(f"/api/v1/console/triage/{report_id}/file", json={}, headers=self.console)
        assert response.is_success, response.text
        body: dict[str, Any] = response.json()
        return body

    def void(self, report_id: str) -> None:
        response = self.client.post(
            f"/api/v1/console/triage/{report_id}/void",
            json={"reason": "照片与位置不符"},
            headers=self.console,
        )
        assert response.status_code == 200, response.text

    def close(self, case_id: str, unit_id: uuid.UUID) -> None:
        pushed = self.client.post(
            f"/api/v1/console/cases/{case_id}/dispatch",
            json={"unit_ids": [str(unit_id)]},
            headers=self.console,
        )
        assert pushed.status_code == 201, pushed.text
        dispatch = pushed.json()[0]["id"]
        checked = self.client.post(
            f"/api/v1/department/dispatches/{dispatch}/check-in", **on_site(), headers=self.officer
        )
        assert checked.status_code == 200, checked.text
        result = self.client.post(
            f"/api/v1/department/dispatches/{dispatch}/result",
            data={"note": "已补装井盖"},
            files=[("photos", ("done.jpg", photo("landscape_8.jpg"), "image/jpeg"))],
            headers=self.officer,
        )
        assert result.status_code == 200, result.text
        passed = self.client.post(
            f"/api/v1/verification/dispatches/{dispatch}/pass",
            data={"note": "复核通过"},
            files=[("photos", ("site.jpg", photo("landscape_6.jpg"), "image/jpeg"))],
            headers=self.verifier,
        )
        assert passed.status_code == 200, passed.text
        case = self.client.get(f"/api/v1/console/cases/{case_id}", headers=self.console).json()
        assert case["case"]["state"] == "closed"

    def points(self, user: User) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get("/api/v1/points/me", headers=self.login(user)).json()
        return body

    def outcomes(self, user: User) -> list[tuple[str, str]]:
        rows = self.client.get("/api/v1/points/me/reports", headers=self.login(user)).json()
        return [(r["report_id"], r["outcome"]) for r in rows]


@pytest.fixture
def loop(client: TestClient, place: Place, login: Login, make_user: UserFactory, unit_id: uuid.UUID) -> Loop:
    officer = make_user(Role.officer, unit_id=unit_id)
    for rider in (place.rider, place.rider2):
        register(client, login(rider), place.outlet_id)
    return Loop(client, place, login, officer)


def test_rider_story_end_to_end(
    client: TestClient, place: Place, loop: Loop, unit_id: uuid.UUID, db: Session
) -> None:
    staff = loop.login(place.worker)
    rider = str(place.rider.id)
    assert client.post(f"/api/v1/riders/{rider}/hire", headers=staff).status_code == 200
    assert (
        client.put(f"/api/v1/riders/{rider}/grids", json={"grid_codes": [GRID_A]}, headers=staff).status_code
        == 200
    )
    paired = client.post("/api/v1/pairings", json={"rider_id": rider}, headers=staff)
    assert paired.status_code == 201 and paired.json()["grid_worker_id"] == str(place.worker.id)

    report_id = loop.report(place.rider, "landscape_6.jpg")
    seen = client.get("/api/v1/pairings/mine/reports", headers=staff).json()
    assert [(r["id"], r["reporter"]["display_name"], r["case_state"]) for r in seen] == [
        (report_id, "张有志", None)
    ]
    assert loop.points(place.rider)["balance"] == 0

    case = loop.file(report_id)
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    loop.close(case["id"], unit_id)
    after = loop.points(place.rider)
    assert after["balance"] == HAZARD_POINTS  # closing does not pay twice
    assert [(e["kind"], e["amount"], e["reference_id"]) for e in after["entries"]] == [
        ("report_verified", HAZARD_POINTS, report_id)
    ]
    assert loop.outcomes(place.rider) == [(report_id, "awarded")]
    assert client.get("/api/v1/pairings/mine/reports", headers=staff).json()[0]["case_state"] == "closed"

    item = client.post(
        "/api/v1/redemption-items",
        json={"community_code": CHANGJIANG, "name": "爱心小推车券", "cost": 5, "stock": 3},
        headers=staff,
    ).json()
    spent = client.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=loop.login(place.rider))
    assert spent.status_code == 201 and spent.json()["balance"] == HAZARD_POINTS - 5
    final = loop.points(place.rider)
    assert final["balance"] == HAZARD_POINTS - 5 == sum(e["amount"] for e in final["entries"])
    assert points.ledger_sum(session=db, user_id=place.rider.id) == final["balance"]


def test_the_same_photo_reported_twice_earns_once(place: Place, loop: Loop) -> None:
    first = loop.report(place.rider, "new.jpg", content=new_picture(1))
    second = loop.report(place.rider, "new.jpg", content=new_picture(1))
    loop.file(first)
    loop.file(second)
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    assert sorted(loop.outcomes(place.rider)) == sorted(
        [(first, "awarded"), (second, "flagged:photo_reused")]
    )


def test_a_photo_earns_once_even_when_intake_did_not_flag_it(place: Place, loop: Loop, db: Session) -> None:
    first = loop.report(place.rider, "landscape_6.jpg")
    second = loop.report(place.rider2, "landscape_6.jpg")
    db.execute(text("UPDATE reports SET flags = '{}' WHERE id = :id"), {"id": second})
    loop.file(first)
    loop.file(second)
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    assert loop.points(place.rider2)["balance"] == 0
    assert loop.outcomes(place.rider2) == [(second, "photo_already_rewarded")]


def re_encoded(name: str) -> bytes:
    """The photo as a courier's second upload would carry it: decoded, halved, saved at quality 60."""
    with Image.open(PHOTOS / name) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    half = upright.resize((upright.width // 2, upright.height // 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    half.save(buffer, "JPEG", quality=60)
    return buffer.getvalue()


def test_a_re_encoded_copy_is_flagged_at_intake_and_earns_nothing(
    place: Place, loop: Loop, db: Session
) -> None:
    first = loop.report(place.rider, "landscape_6.jpg")
    copy = loop.report(place.rider2, "copy.jpg", content=re_encoded("landscape_6.jpg"))
    flags = db.execute(text("SELECT flags FROM reports WHERE id = :id"), {"id": copy}).scalar_one()
    assert "photo_reused" in flags
    loop.file(first)
    loop.file(copy)
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    assert loop.points(place.rider2)["balance"] == 0
    assert loop.outcomes(place.rider2) == [(copy, "flagged:photo_reused")]


def test_a_re_encoded_copy_earns_nothing_even_when_intake_did_not_flag_it(
    place: Place, loop: Loop, db: Session
) -> None:
    first = loop.report(place.rider, "landscape_6.jpg")
    copy = loop.report(place.rider2, "copy.jpg", content=re_encoded("landscape_6.jpg"))
    db.execute(text("UPDATE reports SET flags = '{}' WHERE id = :id"), {"id": copy})
    loop.file(first)
    loop.file(copy)
    assert loop.points(place.rider2)["balance"] == 0
    assert loop.outcomes(place.rider2) == [(copy, "photo_already_rewarded")]
    # A different photo of another problem still earns.
    other = loop.report(place.rider2, "other.jpg", content=new_picture(2), lon=str(POINT[0] + 0.002))
    loop.file(other)
    assert loop.points(place.rider2)["balance"] == HAZARD_POINTS


def test_a_voided_report_earns_nothing(place: Place, loop: Loop) -> None:
    report_id = loop.report(place.rider, "landscape_8.jpg")
    loop.void(report_id)
    assert loop.points(place.rider) | {"entries": []} == {
        "balance": 0,
        "earned": 0,
        "spent": 0,
        "reversed": 0,
        "entries": [],
        "next_before_id": None,
    }
    assert loop.outcomes(place.rider) == [(report_id, "voided")]


def test_a_filed_case_voided_later_is_reversed(client: TestClient, place: Place, loop: Loop) -> None:
    report_id = loop.report(place.rider, "landscape_8.jpg")
    case = loop.file(report_id)
    voided = client.post(
        f"/api/v1/console/cases/{case['id']}/void", json={"reason": "现场核实不存在"}, headers=loop.console
    )
    assert voided.is_success, voided.text
    mine = loop.points(place.rider)
    assert (mine["balance"], mine["earned"], mine["reversed"]) == (0, HAZARD_POINTS, HAZARD_POINTS)
    assert [e["kind"] for e in mine["entries"]] == ["reversal", "report_verified"]


def test_a_merged_duplicate_is_reversed(client: TestClient, place: Place, loop: Loop) -> None:
    original = loop.file(loop.report(place.rider, "landscape_6.jpg"))
    # Another photo of the problem (landscape_8.jpg would be a copy of landscape_6.jpg: photo_reused).
    duplicate_report = loop.report(place.rider2, "another.jpg", content=new_picture(3))
    duplicate = loop.file(duplicate_report)
    assert loop.points(place.rider2)["balance"] == HAZARD_POINTS
    merged = client.post(
        f"/api/v1/console/cases/{duplicate['id']}/merge",
        json={"into_case_id": original["id"]},
        headers=loop.console,
    )
    assert merged.is_success, merged.text
    mine = loop.points(place.rider2)
    assert mine["balance"] == 0
    reversal, award = mine["entries"]
    assert (reversal["kind"], reversal["amount"], reversal["reverses_id"]) == (
        "reversal",
        -HAZARD_POINTS,
        award["id"],
    )
    assert reversal["note"] == "合并为重复上报，积分冲正"
    assert loop.outcomes(place.rider2) == [(duplicate_report, "reversed"), (duplicate_report, "awarded")]
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS  # the original keeps its points
    # A report merged while still in triage never earned, so nothing is reversed.
    late = loop.report(place.rider2, "landscape_8.jpg")
    joined = client.post(
        f"/api/v1/console/triage/{late}/merge", json={"into_case_id": original["id"]}, headers=loop.console
    )
    assert joined.is_success, joined.text
    assert loop.points(place.rider2)["balance"] == 0
    assert loop.outcomes(place.rider2)[0] == (late, "merged")


def test_grid_worker_reports_earn_nothing(place: Place, loop: Loop) -> None:
    report_id = loop.report(place.worker, "landscape_6.jpg")
    loop.file(report_id)
    assert loop.points(place.worker)["entries"] == []


def test_the_sweep_settles_what_the_hook_missed_and_never_twice(
    place: Place, loop: Loop, db: Session, client: TestClient
) -> None:
    event.remove(Session, "after_flush", settlement._after_flush)
    try:
        report_id = loop.report(place.rider, "landscape_6.jpg")
        loop.file(report_id)
        assert loop.points(place.rider)["balance"] == 0
    finally:
        settlement.install_hook()
    admin = loop.login(place.admin)
    assert client.post("/api/v1/points/settle", headers=admin).json()["events"] >= 1
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    assert client.post("/api/v1/points/settle", headers=admin).json()["events"] == 0
    assert settlement.settle_pending(session=db) == 0
    assert loop.points(place.rider)["balance"] == HAZARD_POINTS
    assert client.post("/api/v1/points/settle", headers=loop.login(place.rider)).status_code == 403


def test_category_points_are_configurable(place: Place, loop: Loop, db: Session) -> None:
    db.execute(text("UPDATE categories SET points = 30 WHERE code = :c"), {"c": HAZARD})
    loop.file(loop.report(place.rider, "landscape_8.jpg"))
    assert loop.points(place.rider)["balance"] == 30


def test_photos_that_disagree_on_where_they_were_taken_earn_nothing(
    client: TestClient, place: Place, loop: Loop, login: Login
) -> None:
    """Without a device fix, photos whose GPS lie kilometres apart were not all taken at the hazard."""
    report_id = str(uuid.uuid4())
    photos = [gps_photo(*POINT, seed=11), gps_photo(POINT[0] + 0.2, POINT[1], seed=12)]  # ~16 km apart
    response = client.post(
        "/api/v1/reports",
        data={"id": report_id, "category": HAZARD, "text": "人行道井盖缺失"},
        files=[("photos", (f"{k}.jpg", p, "image/jpeg")) for k, p in enumerate(photos)],
        headers=login(place.rider),
    )
    assert response.status_code == 201, response.text
    assert "exif_positions_disagree" in {f["code"] for f in response.json()["flags"]}
    loop.file(report_id)
    assert loop.outcomes(place.rider) == [(report_id, "flagged:exif_positions_disagree")]
