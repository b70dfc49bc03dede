"""One publication policy on every public interface (issue 14, items 1, 3, 4, 8): reports from anywhere on
Earth never break them, the photo links they give work, they show the same reports, and Open311
behaves as its specification says."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from geo.coarsen import cell_centre
from geo.crs import haversine_m
from service.accounts.models import Role, User
from service.open311 import service as open311_service
from service.open311.keys import create_key
from service.settings import Settings
from tests.media.photo_factory import fixture_bytes
from tests.service.publicmap.test_open311 import parse_xml
from tests.service.publicmap.test_public_reports import CELL
from tests.support.cases import make_case

# Far from Jilin: Kenya (a phone's EXIF), the POST, the poles, the antimeridian, 0/0.
FAR_AWAY = [
    (36.06, -0.37),
    (35.0, 0.37),
    (0.0, 90.0),
    (0.0, -90.0),
    (180.0, 10.0),
    (-180.0, -10.0),
    (0.0, 0.0),
]


def _public_interfaces(client: TestClient, report_id: uuid.UUID) -> dict[str, Any]:
    return {
        "public reports": client.get("/api/v1/public/reports", params={"limit": 1000}),
        "OGC items": client.get("/ogc/collections/reports/items", params={"limit": 1000}),
        "OGC item": client.get(f"/ogc/collections/reports/items/{report_id}"),
        "Open311 JSON": client.get("/open311/v2/requests.json"),
        "Open311 XML": client.get("/open311/v2/requests.xml"),
        "Open311 one": client.get(f"/open311/v2/requests/{report_id}.json"),
        "Open311 one XML": client.get(f"/open311/v2/requests/{report_id}.xml"),
    }


@pytest.mark.parametrize(("lon", "lat"), FAR_AWAY)
def test_a_report_far_from_jilin_breaks_no_public_interface(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID], lon: float, lat: float
) -> None:
    report_id = make_report(lon, lat, state="filed")
    centre = cell_centre(lon, lat, CELL)
    for name, response in _public_interfaces(client, report_id).items():
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:300]}"
        assert str(report_id) in response.text, name
    (one,) = client.get(f"/open311/v2/requests/{report_id}.json").json()
    assert (one["long"], one["lat"]) == pytest.approx(centre, abs=1e-6)
    assert haversine_m(centre, (lon, lat)) <= CELL  # within its cell, wherever on Earth
    feature = client.get(f"/ogc/collections/reports/items/{report_id}").json()
    assert feature["geometry"]["coordinates"] == pytest.approx(list(centre), abs=1e-7)


def test_the_open311_xml_error_is_xml_whatever_the_error(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kw: Any) -> list[dict[str, Any]]:
        raise RuntimeError("an error nobody expected")

    monkeypatch.setattr(open311_service, "list_requests", broken)
    response = client.get("/open311/v2/requests.xml")
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/xml")
    root = parse_xml(response.content)
    assert root.tag == "errors" and root.findtext("error/code") == "500"
    as_json = client.get("/open311/v2/requests.json")
    assert as_json.status_code == 500 and as_json.json()[0]["code"] == 500


@pytest.fixture
def real_report(client: TestClient, db: Session, make_user: Callable[..., User], login: Any) -> uuid.UUID:
    """A report uploaded through the phone API with a real photo, then filed (public)."""
    reporter = make_user(Role.grid_worker)
    report_id = uuid.uuid4()
    response = client.post(
        "/api/v1/reports",
        data={"id": str(report_id), "category": "0101", "text": "张三家门口 3 号楼", "lon": "126.5535",
              "lat": "43.8625", "accuracy_m": "8"},
        files=[("photos", ("a.jpg", fixture_bytes("landscape_6.jpg"), "image/jpeg"))],
        headers=login(reporter),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    make_case(db, report_id)
    return report_id


def test_public_photo_links_are_absolute_and_work(
    client: TestClient, db: Session, real_report: uuid.UUID, settings: Settings
) -> None:
    (report,) = [r for r in client.get("/api/v1/public/reports").json() if r["id"] == str(real_report)]
    feature = client.get(f"/ogc/collections/reports/items/{real_report}").json()
    (request,) = client.get(f"/open311/v2/requests/{real_report}.json").json()
    links = [
        report["photos"][0]["display_url"],
        report["photos"][0]["thumb_url"],
        feature["properties"]["photos"][0]["display_url"],
        request["media_url"],
    ]
    for link in links:
        assert link.startswith("http://testserver/media/public/"), link
        fetched = client.get(link)
        assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/jpeg", link
    # Behind a proxy that says where it is, the links name the proxy.
    proxied = client.get("/api/v1/public/reports", headers={"host": "whistle.jilin.example"})
    assert proxied.json()[0]["photos"][0]["display_url"].startswith(
        "http://whistle.jilin.example/media/public/"
    )


def test_every_public_interface_shows_the_same_reports(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]
) -> None:
    shown = {state: make_report(126.5535, 43.8625, state=state, photos=1) for state in ("filed", "closed")}
    hidden = {
        "triage": make_report(126.5536, 43.8626, photos=1),
        "voided": make_report(126.5537, 43.8627, state="voided", photos=1),
        "merged": make_report(126.5538, 43.8628, state="merged", photos=1),
    }
    for name, response in _public_interfaces(client, shown["filed"]).items():
        if "one" in name or name.split()[-1] == "item":
            continue
        assert response.status_code == 200, name
        for report_id in shown.values():
            assert str(report_id) in response.text, f"{name} hides an accepted case"
        for why, report_id in hidden.items():
            assert str(report_id) not in response.text, f"{name} shows a report in {why}"
    for why, report_id in hidden.items():
        for url in (f"/open311/v2/requests/{report_id}.json", f"/ogc/collections/reports/items/{report_id}"):
            assert client.get(url).status_code == 404, (why, url)
    listed = client.get("/open311/v2/requests.json").json()
    assert all(r["description"] is None for r in listed)  # free text stays inside


@pytest.fixture
def key(db: Session, settings: Settings) -> str:
    created = create_key(
        session=db, name=f"partner-{uuid.uuid4().hex[:6]}", secret_key=settings.security.secret_key
    )
    db.commit()
    return created.key


def test_a_partner_reads_back_its_own_requests_with_their_description(client: TestClient, key: str) -> None:
    posted = client.post(
        "/open311/v2/requests.json",
        data={"api_key": key, "service_code": "0101", "lat": "43.8625", "long": "126.5535",
              "description": "路边私搭乱建的棚子"},
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    assert request_id not in client.get("/open311/v2/requests.json").text  # in triage: not public
    mine = {
        r["service_request_id"]: r
        for r in client.get("/open311/v2/requests.json", params={"api_key": key}).json()
    }
    assert mine[request_id]["description"] == "路边私搭乱建的棚子"
    assert client.get("/open311/v2/requests.json", params={"api_key": "o311_wrong"}).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_404_on_every_method(client: TestClient, key: str, fmt: str) -> None:
    ours = {"jurisdiction_id": "jilin.gov.cn"}
    theirs = {"jurisdiction_id": "springfield.gov"}
    for path in ("services", "services/0101", "requests", f"requests/{uuid.uuid4()}", "tokens/none"):
        assert client.get(f"/open311/v2/{path}.{fmt}", params=theirs).status_code == 404, path
    assert client.get(f"/open311/v2/services.{fmt}", params=ours).status_code == 200
    form = {"api_key": key, "service_code": "0101", "lat": "43.8625", "long": "126.5535"}
    refused = client.post(f"/open311/v2/requests.{fmt}", data={**form, **theirs})
    assert refused.status_code == 404
    assert client.post(f"/open311/v2/requests.{fmt}", data={**form, **ours}).status_code == 201


def test_the_openapi_document_declares_the_201_of_a_post(client: TestClient) -> None:
    post = client.get("/openapi.json").json()["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert "201" in post["responses"] and "200" not in post["responses"]
