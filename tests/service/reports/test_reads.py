"""Reading reports back: nearby (duplicate hint), mine, one report, photo downloads by role."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import wgs84_to_gcj02
from service.accounts.models import Role
from service.audit.models import AuditEvent
from tests.media.photo_factory import encode, fixture_bytes, scene
from tests.service.reports.conftest import JILIN_LAT, JILIN_LON, OTHER_CATEGORY, Headers, post_report
from tests.support.rolled_back import Login, UserFactory

# One metre of latitude in degrees.
METRE = 1 / 111_195


def file(client: TestClient, headers: Headers, *, dy_m: float = 0, **fields: Any) -> dict[str, Any]:
    response = post_report(
        client, headers, [encode(scene(40 + int(dy_m) % 50, 30))], lat=JILIN_LAT + dy_m * METRE, **fields
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_nearby_lists_open_reports_of_the_category_within_the_radius(
    client: TestClient, reporter_headers: Headers
) -> None:
    near = file(client, reporter_headers, dy_m=30)
    far = file(client, reporter_headers, dy_m=150)
    file(client, reporter_headers, dy_m=10, category=OTHER_CATEGORY)
    response = client.get(
        "/api/v1/reports/nearby",
        params={"lon": JILIN_LON, "lat": JILIN_LAT, "category": "0501"},
        headers=reporter_headers,
    )
    assert response.status_code == 200, response.text
    items = response.json()
    assert [i["id"] for i in items] == [near["id"]]
    assert items[0]["distance_m"] == pytest.approx(30, abs=0.5)
    assert items[0]["thumb_url"].endswith(".thumb.jpg") and items[0]["status"] == "reported"
    assert set(items[0]) == {"id", "category", "text", "status", "distance_m", "created_at", "thumb_url"}

    wider = client.get(
        "/api/v1/reports/nearby",
        params={"lon": JILIN_LON, "lat": JILIN_LAT, "category": "0501", "radius_m": 200},
        headers=reporter_headers,
    ).json()
    assert [i["id"] for i in wider] == [near["id"], far["id"]]

    gcj = wgs84_to_gcj02(JILIN_LON, JILIN_LAT)
    in_gcj = client.get(
        "/api/v1/reports/nearby",
        params={"lon": gcj[0], "lat": gcj[1], "datum": "gcj02", "category": "0501"},
        headers=reporter_headers,
    ).json()
    assert [i["id"] for i in in_gcj] == [near["id"]]

    too_wide = client.get(
        "/api/v1/reports/nearby",
        params={"lon": JILIN_LON, "lat": JILIN_LAT, "category": "0501", "radius_m": 5000},
        headers=reporter_headers,
    )
    assert too_wide.status_code == 400


def test_mine_lists_only_my_reports_newest_first(
    client: TestClient, reporter_headers: Headers, make_user: UserFactory, login: Login
) -> None:
    first = file(client, reporter_headers)
    second = file(client, reporter_headers, dy_m=5)
    other = login(make_user(Role.courier))
    file(client, other)
    mine = client.get("/api/v1/reports/mine", headers=reporter_headers).json()
    assert [r["id"] for r in mine] == [second["id"], first["id"]]
    assert mine[1] == first
    page = client.get("/api/v1/reports/mine", params={"limit": 1}, headers=reporter_headers).json()
    assert [r["id"] for r in page] == [second["id"]]


def test_one_report_for_its_reporter_and_the_command_center_only(
    client: TestClient, reporter_headers: Headers, make_user: UserFactory, login: Login
) -> None:
    report = file(client, reporter_headers)
    url = f"/api/v1/reports/{report['id']}"
    assert client.get(url, headers=reporter_headers).json() == report
    assert client.get(url, headers=login(make_user(Role.dispatcher))).json() == report
    assert client.get(url, headers=login(make_user(Role.admin))).status_code == 200
    stranger = client.get(url, headers=login(make_user(Role.grid_worker)))
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/reports/{uuid.uuid4()}", headers=reporter_headers).status_code == 404


def test_public_derivatives_are_immutable_jpegs_for_anyone(
    client: TestClient, reporter_headers: Headers
) -> None:
    report = file(client, reporter_headers)
    photo = report["photos"][0]
    response = client.get(photo["display_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content[:3] == b"\xff\xd8\xff"
    assert client.get(photo["thumb_url"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/public/../originals/aa/bb/" + "a" * 64 + ".jpg",
        "/media/public/%2e%2e/%2e%2e/etc/passwd",
        "/media/public/aa/bb/" + "a" * 64 + ".jpg",  # valid form, fan-out not matching the hash
        "/media/public/ab/cd/abcd" + "0" * 60 + ".png",
        "/media/public/ab/cd/ABCD" + "0" * 60 + ".jpg",
        "/media/public/ab/cd/abcd" + "0" * 60 + ".jpg",  # well-formed, not stored
        "/media/originals/ab/cd/abcd" + "0" * 60 + ".jpg",
    ],
)
def test_public_media_keys_are_validated_strictly(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404


def test_originals_for_the_command_center_only_and_audited(
    client: TestClient, reporter_headers: Headers, make_user: UserFactory, login: Login, db: Session
) -> None:
    original = fixture_bytes("DSCN0010.jpg")
    response = post_report(client, reporter_headers, [original])
    assert response.status_code == 201
    photo_id = response.json()["photos"][0]["id"]
    url = f"/api/v1/photos/{photo_id}/original"
    assert client.get(url, headers=reporter_headers).status_code == 403
    assert client.get(url).status_code == 401
    dispatcher = make_user(Role.dispatcher)
    download = client.get(url, headers=login(dispatcher))
    assert download.status_code == 200
    assert download.content == original  # byte-exact evidence, EXIF and all
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["cache-control"] == "private, no-store"
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "photo_original_viewed")))
    assert [(e.actor_id, e.subject_id) for e in events] == [(dispatcher.id, photo_id)]
    assert client.get(f"/api/v1/photos/{uuid.uuid4()}/original", headers=login(dispatcher)).status_code == 404
