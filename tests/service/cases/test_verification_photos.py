"""核查 with photos: the grid worker passes or fails a unit's result with photos taken on site.

The photos go through the intake's pipeline (stored before the commit, metadata-free derivatives), are
listed with the task beside the unit's result photos, and a refused decision stores nothing at all.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Dispatch, VerificationTask
from service.deps import get_settings
from service.settings import Settings
from tests.media.photo_factory import encode, make_exif, rational, scene
from tests.service.cases.conftest import DESHENG_POINT, Auth, City, ReportFactory, UploadFiles, site_photo

VERIFY = "/api/v1/verification/dispatches/{id}/{decision}"


def _verifying_dispatch(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> uuid.UUID:
    """A dispatch whose unit has sent its result with one photo: the grid worker's task is open."""
    case = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    dispatch = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[city.unit("market")], by=city.users["dispatcher"]
    )[0]
    cases.check_in(session=db, dispatch_id=dispatch.id, user=city.users["market"])
    db.commit()
    result = client.post(
        f"/api/v1/department/dispatches/{dispatch.id}/result",
        data={"note": "牌匾已拆除"},
        # Not landscape_8.jpg: that is landscape_6.jpg (the worker's photo) with another numeral drawn on
        # it, which the perceptual hash rightly calls a copy.
        files=site_photo("BlueSquare.jpg"),
        headers=auth(city.users["market"]),
    )
    assert result.status_code == 200, result.text
    assert result.json()["state"] == "verifying"
    return dispatch.id


def _worker_tasks(client: TestClient, city: City, auth: Auth) -> list[dict[str, Any]]:
    """The grid worker's verification tasks, decided ones included, as the phone lists them."""
    answer = client.get(
        "/api/v1/verification/tasks?include_done=true", headers=auth(city.users["desheng_worker"])
    )
    assert answer.status_code == 200, answer.text
    tasks: list[dict[str, Any]] = answer.json()
    return tasks


def _stored_objects(settings: Settings) -> list[Path]:
    return sorted(p for p in Path(settings.media.root).rglob("*") if p.is_file())


def _photo_rows(db: Session, dispatch_id: uuid.UUID) -> int:
    count: int = db.execute(
        text(
            "SELECT count(*) FROM photos p JOIN verification_items i ON i.task_id = p.verification_task_id "
            "WHERE i.dispatch_id = :d"
        ),
        {"d": dispatch_id},
    ).scalar_one()
    return count


def test_the_task_shows_the_units_result_photos_and_passing_records_the_workers_photo(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    worker = auth(city.users["desheng_worker"])

    [task] = client.get("/api/v1/verification/tasks", headers=worker).json()
    assert task["dispatch"]["id"] == str(dispatch_id)
    assert len(task["result_photos"]) == 1 and task["photos"] == []
    assert client.get(task["result_photos"][0]["thumb_url"]).status_code == 200

    passed = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"),
        data={"note": "现场复核：已整改"},
        files=site_photo("DSCN0010.jpg"),
        headers=worker,
    )
    assert passed.status_code == 200, passed.text
    assert passed.json()["state"] == "closed"

    [done] = _worker_tasks(client, city, auth)
    assert done["state"] == "passed" and done["note"] == "现场复核：已整改"
    [mine] = done["photos"]
    original = (Path(__file__).resolve().parents[2] / "fixtures" / "photos" / "DSCN0010.jpg").read_bytes()
    assert mine["sha256"] == hashlib.sha256(original).hexdigest()
    # The published derivative is the photo without any metadata (DSCN0010.jpg carries GPS).
    display = client.get(mine["display_url"])
    assert display.status_code == 200
    with Image.open(io.BytesIO(display.content)) as image:
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    task_row = db.get(VerificationTask, uuid.UUID(done["id"]))
    assert task_row is not None and task_row.photo_count == 1

    # The original is evidence: the command center and the case's unit may fetch it, another worker not.
    original_url = f"/api/v1/photos/{mine['id']}/original"
    assert client.get(original_url, headers=auth(city.users["dispatcher"])).content == original
    assert client.get(original_url, headers=auth(city.users["market"])).status_code == 200
    assert client.get(original_url, headers=auth(city.users["police_other"])).status_code == 404

    # The case shows the unit's photo beside the worker's; its event log names the decision's photos.
    detail = client.get(f"/api/v1/console/cases/{done['case']['id']}", headers=auth(city.users["dispatcher"]))
    photos = detail.json()["dispatch_photos"]
    assert [(p["kind"], p["dispatch_id"]) for p in photos] == [
        ("result", str(dispatch_id)),
        ("verification", str(dispatch_id)),
    ]
    assert photos[1]["id"] == mine["id"]
    [verify_event] = [e for e in detail.json()["events"] if e["action"] == "verify_pass"]
    assert verify_event["detail"]["photos"] == [mine["sha256"]]
    # DSCN0010.jpg was taken in Italy in 2008: not on site, not after the work. The desk is told why.
    [verification] = detail.json()["verifications"]
    assert verification["state"] == "passed" and verification["photo_count"] == 1
    codes = [f["code"] for f in verification["flags"]]
    assert codes == ["photo_before_result", "photo_far_from_case"]
    assert [f["code"] for f in done["flags"]] == codes
    assert "米" in verification["flags"][1]["message"]
    unit_view = client.get(f"/api/v1/department/dispatches/{dispatch_id}", headers=auth(city.users["market"]))
    assert [p["kind"] for p in unit_view.json()["dispatch_photos"]] == ["result", "verification"]


def test_failing_with_a_photo_sends_the_dispatch_back_for_rework(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    failed = client.post(
        VERIFY.format(id=dispatch_id, decision="fail"),
        data={"reason": "牌匾仍在原处"},
        files=site_photo(),
        headers=auth(city.users["desheng_worker"]),
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["state"] == "checked_in" and failed.json()["rework_count"] == 1
    assert _photo_rows(db, dispatch_id) == 1
    [task] = _worker_tasks(client, city, auth)
    assert task["state"] == "failed" and task["flags"] == [], "a photo without GPS or time raises nothing"


def _photo_at(lon: float, lat: float, taken: datetime, *, upside_down: bool = False) -> UploadFiles:
    """A phone photo with EXIF GPS and the local time it was taken (China Standard Time); `upside_down`
    makes it another picture (one scene twice would be a copy of itself)."""
    local = taken.astimezone(timezone(timedelta(hours=8)))
    exif = make_exif(
        gps={
            1: "N",
            2: (rational(round(lat * 1e6), 1_000_000),),
            3: "E",
            4: (rational(round(lon * 1e6), 1_000_000),),
        },
        exif_ifd={0x9003: local.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"},
    )
    picture = scene().transpose(Image.Transpose.FLIP_TOP_BOTTOM) if upside_down else scene()
    return [("photos", ("site.jpg", encode(picture, "JPEG", exif=exif), "image/jpeg"))]


def test_a_photo_taken_on_site_after_the_result_raises_no_flag(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    lon, lat = DESHENG_POINT
    near = _photo_at(lon + 0.001, lat, datetime.now(UTC) + timedelta(minutes=1))  # ~80 m east, just now
    passed = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"), files=near, headers=auth(city.users["desheng_worker"])
    )
    assert passed.status_code == 200, passed.text
    [task] = _worker_tasks(client, city, auth)
    assert task["flags"] == []

    # The same check 500 m away is flagged with the distance.
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    far = _photo_at(lon + 0.0065, lat, datetime.now(UTC) + timedelta(minutes=1), upside_down=True)
    client.post(
        VERIFY.format(id=dispatch_id, decision="pass"), files=far, headers=auth(city.users["desheng_worker"])
    )
    tasks = _worker_tasks(client, city, auth)
    [flags] = [t["flags"] for t in tasks if t["dispatch"]["id"] == str(dispatch_id)]
    assert [f["code"] for f in flags] == ["photo_far_from_case"]
    assert "52" in flags[0]["message"], flags[0]["message"]  # 0.0065° of longitude at 43.84° N ≈ 522 m


def test_sending_the_units_own_result_photo_back_is_flagged(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    passed = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"),
        files=site_photo("BlueSquare.jpg"),  # the very photo the unit sent with its result
        headers=auth(city.users["desheng_worker"]),
    )
    assert passed.status_code == 200, passed.text
    detail = client.get(
        f"/api/v1/department/dispatches/{dispatch_id}", headers=auth(city.users["market"])
    ).json()
    assert [f["code"] for f in detail["verifications"][0]["flags"]] == ["photo_reused"]


def test_the_units_result_photo_re_encoded_is_flagged_too(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    [(_field, (_name, result_photo, _type))] = site_photo("BlueSquare.jpg")
    with Image.open(io.BytesIO(result_photo)) as image:
        forwarded = encode(image.convert("RGB"), "JPEG", quality=60)  # as a chat app passes it on
    assert hashlib.sha256(forwarded).digest() != hashlib.sha256(result_photo).digest()
    passed = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"),
        files=[("photos", ("site.jpg", forwarded, "image/jpeg"))],
        headers=auth(city.users["desheng_worker"]),
    )
    assert passed.status_code == 200, passed.text
    [task] = _worker_tasks(client, city, auth)
    assert [f["code"] for f in task["flags"]] == ["photo_reused"]


@pytest.mark.parametrize(
    ("decision", "form", "files", "status", "code"),
    [
        ("pass", {"note": "ok"}, None, 422, "photo_count"),
        ("fail", {"reason": "未整改"}, None, 422, "photo_count"),
        ("pass", {}, [("photos", ("site.jpg", b"this is not a photo at all", "image/jpeg"))], 415, "unsupported_media_type"),
        ("fail", {"reason": "  "}, site_photo(), 422, "invalid"),
    ],
    ids=["pass-without-photo", "fail-without-photo", "text-renamed-jpg", "fail-without-reason"],
)  # fmt: skip
def test_a_refused_decision_stores_nothing_and_changes_nothing(
    decision: str, form: dict[str, str], files: list[tuple[str, tuple[str, bytes, str]]] | None, status: int,
    code: str, client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth,
    settings: Settings,
) -> None:  # fmt: skip
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    before = _stored_objects(settings)
    answer = client.post(
        VERIFY.format(id=dispatch_id, decision=decision),
        data=form,
        files=files,
        headers=auth(city.users["desheng_worker"]),
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert _stored_objects(settings) == before
    assert _photo_rows(db, dispatch_id) == 0
    db.expire_all()
    dispatch = db.get(Dispatch, dispatch_id)
    assert dispatch is not None and dispatch.state == "verifying"


def test_another_grid_worker_is_refused_before_any_photo_is_stored(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth, settings: Settings
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    before = _stored_objects(settings)
    answer = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"),
        files=site_photo(),
        headers=auth(city.users["other_worker"]),
    )
    assert answer.status_code == 403, answer.text
    assert _stored_objects(settings) == before


def test_photos_can_be_made_optional_by_configuration(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth, settings: Settings
) -> None:
    dispatch_id = _verifying_dispatch(client, db, city, make_report, auth)
    optional = settings.model_copy(
        update={"cases": settings.cases.model_copy(update={"verification_min_photos": 0})}
    )
    client.app.dependency_overrides[get_settings] = lambda: optional  # type: ignore[attr-defined]
    passed = client.post(
        VERIFY.format(id=dispatch_id, decision="pass"),
        data={"note": "电话回访确认"},
        headers=auth(city.users["desheng_worker"]),
    )
    assert passed.status_code == 200, passed.text
    assert passed.json()["state"] == "closed"
    assert _photo_rows(db, dispatch_id) == 0
