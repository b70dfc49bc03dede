"""The couriers' answers write every time in UTC with `Z`, also times sent with `+08:00` and echoed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from tests.service.cases.test_utc_answers import Answers
from tests.service.couriers.conftest import CHANGJIANG, Place, register
from tests.support.rolled_back import Login

CITY = timezone(timedelta(hours=8))


def test_passes_programmes_and_points_write_utc_with_z(
    client: TestClient, place: Place, login: Login
) -> None:
    answer = Answers(client)
    rider, staff = login(place.rider), login(place.worker)
    register(client, rider, place.outlet_id)
    answer("POST", f"/api/v1/riders/{place.rider.id}/hire", staff)
    now = datetime.now(CITY)
    issued = {
        "community_code": CHANGJIANG,
        "rider_id": str(place.rider.id),
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_to": (now + timedelta(days=30)).isoformat(),
    }
    answer("POST", "/api/v1/passes", staff, json=issued)
    answer("GET", "/api/v1/passes", staff, params={"community": CHANGJIANG})
    answer("GET", "/api/v1/passes/mine", rider)
    answer("GET", f"/api/v1/gate/{CHANGJIANG}/passes", {})
    programme = {
        "community_code": CHANGJIANG,
        "type": "activity",
        "kind": "volunteer",
        "title": "清雪",
        "points": 5,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    created = answer("POST", "/api/v1/programs", staff, json=programme)
    answer("POST", f"/api/v1/programs/{created['id']}/join", rider)
    answer("POST", f"/api/v1/programs/{created['id']}/participants/{place.rider.id}/confirm", staff)
    answer("GET", "/api/v1/programs", rider)
    answer("GET", f"/api/v1/programs/{created['id']}/participants", staff)
    answer("GET", "/api/v1/points/me", rider)
    answer("GET", "/api/v1/riders", staff)
    answer("GET", f"/api/v1/riders/{place.rider.id}", staff)
    assert answer.count() >= 15
    assert answer.offenders() == []
