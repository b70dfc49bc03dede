"""Open311 GeoReport v2: the spec's examples (service list, POST request, GET requests) in JSON and XML,
with its documented errors (400 missing service_code, 403 bad key, 404 unknown id/code/token)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.open311.keys import create_key
from service.settings import Settings
from tests.service.publicmap.test_public_reports import assert_cell_centre
from tests.support.cases import make_case

BASE = "/open311/v2"
CODE = "0101"


@pytest.fixture
def api_key(db: Session, settings: Settings) -> str:
    created = create_key(
        session=db, name=f"hotline-{uuid.uuid4().hex[:6]}", secret_key=settings.security.secret_key
    )
    db.commit()
    return created.key


def spec_post(api_key: str | None, **changes: str | None) -> dict[str, str]:
    """The spec's POST example, moved to Jilin City."""
    form: dict[str, str | None] = {
        "api_key": api_key,
        "jurisdiction_id": "jilin.gov.cn",
        "service_code": CODE,
        "lat": "43.8625",
        "long": "126.5535",
        "address_string": "吉林市船营区解放中路",
        "email": "smith@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "111111111",
        "description": "路边私搭乱建的棚子",
        "media_url": "http://example.com/photo.jpg",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def parse_xml(content: bytes) -> ET.Element:
    """Parse this service's own XML answer (trusted: we wrote it)."""
    return ET.fromstring(content)  # noqa: S314


def errors_of(response: Any, fmt: str) -> list[tuple[int, str]]:
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.json()]
    root = parse_xml(response.content)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root.findall("error")]


def test_discovery(client: TestClient) -> None:
    doc = client.get(f"{BASE}/discovery.json").json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    xml = parse_xml(client.get(f"{BASE}/discovery.xml").content)
    assert xml.tag == "discovery" and xml.findtext("endpoints/endpoint/type") == "production"
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_service_list_and_definition(client: TestClient) -> None:
    services = client.get(f"{BASE}/services.json").json()
    ours = next(s for s in services if s["service_code"] == CODE)
    assert ours["metadata"] is True and ours["type"] == "realtime" and ours["service_name"]
    xml = client.get(f"{BASE}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = parse_xml(xml.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == [s["service_code"] for s in services]
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]
    definition = client.get(f"{BASE}/services/{CODE}.json").json()
    assert definition["service_code"] == CODE
    datum = next(a for a in definition["attributes"] if a["code"] == "datum")
    assert datum["datatype"] == "singlevaluelist" and {v["key"] for v in datum["values"]} >= {
        "wgs84",
        "gcj02",
    }
    xml_def = parse_xml(client.get(f"{BASE}/services/{CODE}.xml").content)
    assert xml_def.tag == "service_definition"
    assert [a.findtext("code") for a in xml_def.findall("attributes/attribute")] == [
        a["code"] for a in definition["attributes"]
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404(client: TestClient, fmt: str) -> None:
    response = client.get(f"{BASE}/services/9999.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_creates_a_routed_report(
    client: TestClient, db: Session, api_key: str, fmt: str
) -> None:
    response = client.post(f"{BASE}/requests.{fmt}", data=spec_post(api_key))
    assert response.status_code == 201, response.text
    if fmt == "json":
        (answer,) = response.json()
        request_id, token = answer["service_request_id"], answer["token"]
    else:
        root = parse_xml(response.content)
        assert root.tag == "service_requests"
        request_id = root.findtext("request/service_request_id") or ""
        token = root.findtext("request/token") or ""
    row = db.execute(
        text(
            "SELECT r.category_code, r.grid_code, r.text, u.username FROM reports r JOIN users u ON u.id = r.reporter_id WHERE r.id = :id"
        ),
        {"id": uuid.UUID(request_id)},
    ).one()
    assert row.category_code == CODE and row.grid_code is not None
    assert row.username.startswith("open311-hotline") and row.text == "路边私搭乱建的棚子"
    looked_up = client.get(f"{BASE}/tokens/{token}.json").json()
    assert looked_up == [{"service_request_id": request_id, "token": token}]
    # Awaiting triage, the request is not public (the publication policy); its partner reads it back,
    # with the description it posted.
    assert client.get(f"{BASE}/requests/{request_id}.{fmt}").status_code == 404
    one = client.get(f"{BASE}/requests/{request_id}.{fmt}", params={"api_key": api_key})
    assert one.status_code == 200
    if fmt == "json":
        (request,) = one.json()
        assert request["status"] == "open" and request["service_code"] == CODE
        assert (
            request["description"] == "路边私搭乱建的棚子"
            and request["status_notes"] == "已受理，待指挥中心研判"
        )
        assert_cell_centre(db, uuid.UUID(request_id), request["long"], request["lat"])
    else:
        root = parse_xml(one.content)
        assert root.findtext("request/status") == "open"
        assert root.findtext("request/service_request_id") == request_id
        assert root.findtext("request/description") == "路边私搭乱建的棚子"
    # Once the command center accepts it, everyone sees it, without the free text.
    make_case(db, uuid.UUID(request_id))
    public = client.get(f"{BASE}/requests/{request_id}.json").json()
    assert [(r["service_request_id"], r["status_notes"], r["description"]) for r in public] == [
        (request_id, "已立案", None)
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(client: TestClient, api_key: str, fmt: str) -> None:
    url = f"{BASE}/requests.{fmt}"
    cases = [
        (spec_post(None), 403),
        (spec_post("o311_wrong"), 403),
        (spec_post(api_key, service_code=None), 400),
        (spec_post(api_key, service_code="9999"), 404),
        (spec_post(api_key, lat=None, long=None), 400),
        (spec_post(api_key, lat="north"), 400),
        (spec_post(api_key, **{"attribute[datum]": "mars"}), 400),
    ]
    for form, status in cases:
        response = client.post(url, data=form)
        assert response.status_code == status, (form, response.text)
        ((code, description),) = errors_of(response, fmt)
        assert code == status and description
    missing_location = client.post(url, data=spec_post(api_key, lat=None, long=None))
    assert "geocode" in errors_of(missing_location, fmt)[0][1]


def test_get_requests_filters_and_window(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]
) -> None:
    now = datetime.now(UTC)
    open_id = make_report(126.5535, 43.8625, state="dispatched")
    closed_id = make_report(126.5545, 43.8635, state="closed")
    other = make_report(126.5555, 43.8645, state="filed", category="0502")
    old = make_report(126.5565, 43.8655, state="filed", created_at=now - timedelta(days=200))
    listed = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert {str(open_id), str(closed_id), str(other)} <= set(listed) and str(old) not in listed
    assert listed[str(closed_id)]["status"] == "closed" and listed[str(closed_id)]["status_notes"] == "已办结"
    assert listed[str(open_id)]["status"] == "open"
    closed = {
        r["service_request_id"]
        for r in client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    }
    assert str(closed_id) in closed and str(open_id) not in closed
    by_code = {
        r["service_code"] for r in client.get(f"{BASE}/requests.json", params={"service_code": "0502"}).json()
    }
    assert by_code == {"0502"}
    by_id = client.get(f"{BASE}/requests.json", params={"service_request_id": f"{old},{open_id}"}).json()
    assert {r["service_request_id"] for r in by_id} == {str(old), str(open_id)}  # ids override the window
    window = {
        "start_date": (now - timedelta(days=210)).isoformat(),
        "end_date": (now - timedelta(days=190)).isoformat(),
    }
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params=window).json()] == [
        str(old)
    ]
    too_long = {"start_date": (now - timedelta(days=120)).isoformat(), "end_date": now.isoformat()}
    response = client.get(f"{BASE}/requests.xml", params=too_long)
    assert response.status_code == 400 and errors_of(response, "xml")[0][0] == 400
    xml = parse_xml(client.get(f"{BASE}/requests.xml").content)
    assert xml.tag == "service_requests"
    assert str(open_id) in [r.findtext("service_request_id") for r in xml.findall("request")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(client: TestClient, fmt: str) -> None:
    for url in (
        f"{BASE}/requests/{uuid.uuid4()}.{fmt}",
        f"{BASE}/requests/nonsense.{fmt}",
        f"{BASE}/tokens/nope.{fmt}",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert errors_of(response, fmt)[0][0] == 404
    assert client.get(f"{BASE}/services.yaml").status_code == 404
