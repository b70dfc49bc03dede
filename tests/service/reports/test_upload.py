"""POST /api/v1/reports with real camera/phone files and photos made with real EXIF blocks.

Each photo goes through HTTP; what comes back is checked where it lands: the answer, the rows, and the
public derivatives read back through GET /media/public/... (no metadata, upright).
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.crs import wgs84_to_gcj02
from service.accounts.models import User
from service.photos.models import Photo
from service.reports.models import Report
from tests.media.photo_factory import (
    BOTTOM_LEFT,
    BOTTOM_RIGHT,
    GREY,
    TOP_LEFT,
    TOP_RIGHT,
    dms,
    encode,
    fixture_bytes,
    make_exif,
    oriented_jpeg,
    rational,
    scene,
    splice_app1,
)
from tests.media.test_derivatives import assert_close, assert_no_metadata
from tests.service.reports.conftest import JILIN_LAT, JILIN_LON, Headers, post_report, report_fields

# Positions the real files carry (tests/fixtures/photos/PROVENANCE.md): none of them in Jilin City.
REAL_POSITIONS = {
    "DSCN0010.jpg": (11.885127, 43.467448),
    "HMD_Nokia_8.3_5G.jpg": (24.906772, 60.146706),
    "HMD_Nokia_8.3_5G.heif": (-4.005141, 40.788685),
}


def gps_jpeg(
    lat: object,
    lat_ref: object,
    lon: object,
    lon_ref: object,
    *,
    taken: str | None = None,
    offset: str | None = None,
    size: tuple[int, int] = (64, 48),
) -> bytes:
    exif_ifd: dict[int, object] = {}
    if taken is not None:
        exif_ifd[0x9003] = taken
    if offset is not None:
        exif_ifd[0x9011] = offset
    exif = make_exif(gps={1: lat_ref, 2: lat, 3: lon_ref, 4: lon}, exif_ifd=exif_ifd or None)
    return encode(scene(*size), "JPEG", quality=90, exif=exif)


def jilin_jpeg(**kw: object) -> bytes:
    """A JPEG whose EXIF GPS is 43°50'16.3788" N, 126°32'58.4592" E (Jilin City) in DMS rationals."""
    return gps_jpeg(dms(43, 50, 163788, 10000), "N", dms(126, 32, 584592, 10000), "E", **kw)  # type: ignore[arg-type]


def fetch(client: TestClient, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    data: bytes = response.content
    return data


def stored_report(db: Session, report_id: str) -> tuple[Report, list[Photo]]:
    db.expire_all()
    report = db.get(Report, uuid.UUID(report_id))
    assert report is not None
    photos = list(db.scalars(select(Photo).where(Photo.report_id == report.id).order_by(Photo.position)))
    return report, photos


@pytest.mark.parametrize("name", sorted(REAL_POSITIONS))
def test_real_photos_without_a_device_fix_are_placed_by_exif_and_flagged_unrouted(
    client: TestClient, reporter_headers: Headers, db: Session, name: str
) -> None:
    response = post_report(
        client, reporter_headers, [fixture_bytes(name)], lon=None, lat=None, accuracy_m=None
    )
    assert response.status_code == 201, response.text
    body = response.json()
    lon, lat = REAL_POSITIONS[name]
    assert body["location"]["source"] == "exif"
    assert body["location"]["lon"] == pytest.approx(lon, abs=1e-5)
    assert body["location"]["lat"] == pytest.approx(lat, abs=1e-5)
    assert body["routing"]["status"] == "unrouted"
    assert "unrouted" in [f["code"] for f in body["flags"]]
    report, photos = stored_report(db, body["id"])
    assert report.location_source == "exif" and report.routing_status == "unrouted"
    assert report.device_geom is None and report.exif_device_distance_m is None
    assert photos[0].exif_lon == pytest.approx(lon, abs=1e-5)
    for photo in body["photos"]:
        assert_no_metadata(fetch(client, photo["display_url"]))
        assert_no_metadata(fetch(client, photo["thumb_url"]))


def test_real_photo_times_are_read(client: TestClient, reporter_headers: Headers, db: Session) -> None:
    response = post_report(client, reporter_headers, [fixture_bytes("DSCN0010.jpg")])
    assert response.status_code == 201, response.text
    _report, photos = stored_report(db, response.json()["id"])
    # 2008:10:22 16:28:39 without an offset: read as China Standard Time (the reporter's offset, +08:00).
    assert photos[0].taken_at == datetime(2008, 10, 22, 8, 28, 39, tzinfo=UTC)
    assert photos[0].exif["make"] == "NIKON"
    # Taken 18 years before the report, 6.5 thousand km from the device fix.
    codes = [f["code"] for f in response.json()["flags"]]
    assert "exif_time_old" in codes and "exif_far_from_device" in codes


@pytest.mark.parametrize("name", ["landscape_6.jpg", "landscape_8.jpg"])
def test_real_rotated_photos_are_published_upright(
    client: TestClient, reporter_headers: Headers, db: Session, name: str
) -> None:
    response = post_report(client, reporter_headers, [fixture_bytes(name)])
    assert response.status_code == 201, response.text
    with Image.open(io.BytesIO(fetch(client, response.json()["photos"][0]["display_url"]))) as display:
        assert display.size == (600, 450)
    _report, photos = stored_report(db, response.json()["id"])
    assert (photos[0].width, photos[0].height, photos[0].orientation) == (600, 450, int(name[10]))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_published_upright(
    client: TestClient, reporter_headers: Headers, orientation: int
) -> None:
    response = post_report(client, reporter_headers, [oriented_jpeg(orientation, 64, 48)])
    assert response.status_code == 201, response.text
    display = fetch(client, response.json()["photos"][0]["display_url"])
    assert_no_metadata(display)
    with Image.open(io.BytesIO(display)) as image:
        assert image.size == (64, 48)
        rgb = image.convert("RGB")
        assert_close(rgb.getpixel((4, 4)), TOP_LEFT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((59, 4)), TOP_RIGHT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((4, 43)), BOTTOM_LEFT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((59, 43)), BOTTOM_RIGHT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((32, 24)), GREY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("photo", "lon", "lat"),
    [
        pytest.param(jilin_jpeg(), JILIN_LON, JILIN_LAT, id="dms-rationals"),
        pytest.param(
            gps_jpeg((rational(43837883, 1000000),), "N", (rational(126549572, 1000000),), "E"),
            JILIN_LON,
            JILIN_LAT,
            id="decimal-degrees",
        ),
        pytest.param(
            gps_jpeg(
                (rational(43), rational(502727298, 10000000), rational(0)),
                "N",
                (rational(126), rational(329743, 10000), rational(0)),
                "E",
            ),
            126 + 32.9743 / 60,
            43 + 50.2727298 / 60,
            id="degrees-decimal-minutes",
        ),
        pytest.param(
            gps_jpeg(dms(33, 52, 4), b"S\x00", dms(151, 12, 26), b"E\x00"),
            151.20722,
            -33.86778,
            id="south-bytes",
        ),
        pytest.param(
            gps_jpeg(dms(40, 47, 19), "n", dms(4, 0, 18), "w"), -4.005, 40.78861, id="west-lowercase"
        ),
    ],
)
def test_gps_forms_place_a_report_without_device_fix(
    client: TestClient, reporter_headers: Headers, photo: bytes, lon: float, lat: float
) -> None:
    response = post_report(client, reporter_headers, [photo], lon=None, lat=None)
    assert response.status_code == 201, response.text
    location = response.json()["location"]
    assert location["source"] == "exif" and location["datum"] == "wgs84"
    assert location["lon"] == pytest.approx(lon, abs=1e-4)
    assert location["lat"] == pytest.approx(lat, abs=1e-4)


def test_the_first_photo_with_gps_gives_the_position(client: TestClient, reporter_headers: Headers) -> None:
    photos = [encode(scene(), "PNG"), jilin_jpeg(), fixture_bytes("DSCN0010.jpg")]
    response = post_report(client, reporter_headers, photos, lon=None, lat=None)
    assert response.status_code == 201, response.text
    assert response.json()["location"]["lon"] == pytest.approx(JILIN_LON, abs=1e-5)
    assert len(response.json()["photos"]) == 3


def test_heic_made_with_gps_and_orientation(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = make_exif(
        orientation=6,
        gps={1: "N", 2: dms(43, 50, 16), 3: "E", 4: dms(126, 32, 58)},
        exif_ifd={0x9003: "2026:11:27 08:00:00", 0x9011: "+08:00"},
    )
    heic = encode(scene(64, 48), "HEIF", quality=60, exif=exif.tobytes())
    response = post_report(client, reporter_headers, [heic], lon=None, lat=None)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["location"]["lat"] == pytest.approx(43 + 50 / 60 + 16 / 3600, abs=1e-6)
    _report, photos = stored_report(db, body["id"])
    assert photos[0].format == "HEIF" and photos[0].taken_at == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    display = fetch(client, body["photos"][0]["display_url"])
    assert_no_metadata(display)
    with Image.open(io.BytesIO(display)) as image:
        assert image.size == (48, 64)  # turned upright


def test_png_without_exif_uses_the_device_fix(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    response = post_report(client, reporter_headers, [encode(scene(), "PNG")])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["location"] == {
        "lon": JILIN_LON,
        "lat": JILIN_LAT,
        "datum": "wgs84",
        "accuracy_m": 8.0,
        "source": "device",
    }
    report, photos = stored_report(db, body["id"])
    assert photos[0].format == "PNG" and photos[0].exif_lon is None and photos[0].taken_at is None
    assert report.exif_geom is None and report.exif_device_distance_m is None
    assert {f["code"] for f in body["flags"]} <= {"unrouted"}  # Jilin's centre lies on the river


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_block_is_accepted_with_the_device_fix(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    clean = encode(scene(), "JPEG")
    broken = splice_app1(clean, b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    response = post_report(client, reporter_headers, [broken])
    assert response.status_code == 201, response.text
    _report, photos = stored_report(db, response.json()["id"])
    assert photos[0].exif["warnings"], "the corrupt block is noted for the console"
    assert_no_metadata(fetch(client, response.json()["photos"][0]["display_url"]))


def test_device_fix_in_gcj02_is_converted_and_both_positions_are_kept(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    gcj_lon, gcj_lat = wgs84_to_gcj02(JILIN_LON, JILIN_LAT)
    response = post_report(
        client, reporter_headers, [jilin_jpeg()], lon=gcj_lon, lat=gcj_lat, datum="gcj02", accuracy_m=5
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["location"] == {
        "lon": gcj_lon,
        "lat": gcj_lat,
        "datum": "gcj02",
        "accuracy_m": 5.0,
        "source": "device",
    }
    assert body["routing"]["lon"] == pytest.approx(JILIN_LON, abs=1e-6)
    report, _photos = stored_report(db, body["id"])
    assert report.lon == pytest.approx(JILIN_LON, abs=1e-6) and report.datum == "gcj02"
    assert report.exif_device_distance_m is not None and report.exif_device_distance_m < 1.0
    assert {f["code"] for f in body["flags"]} <= {"unrouted"}


def test_integrity_flags(client: TestClient, reporter_headers: Headers, db: Session) -> None:
    old = (datetime.now(UTC) - timedelta(days=3)).astimezone(timezone(timedelta(hours=8)))
    photo = jilin_jpeg(taken=old.strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00")
    first = post_report(
        client,
        reporter_headers,
        [photo],
        lon=JILIN_LON + 0.01,  # ~800 m east of where the photo says it was taken
        lat=JILIN_LAT,
        accuracy_m=250,
        captured_at=None,
    )
    assert first.status_code == 201, first.text
    flags = {f["code"]: f["message"] for f in first.json()["flags"]}
    assert set(flags) - {"unrouted"} == {"exif_time_old", "exif_far_from_device", "low_accuracy"}
    assert "72" in flags["exif_time_old"] and "250" in flags["low_accuracy"]
    report, _ = stored_report(db, first.json()["id"])
    assert report.flags == list(flags) and 790 < (report.exif_device_distance_m or 0) < 820

    again = post_report(client, reporter_headers, [photo], captured_at=None)
    assert again.status_code == 201, again.text
    assert "photo_reused" in [f["code"] for f in again.json()["flags"]]


def test_fresh_photo_close_to_the_fix_has_no_integrity_flag(
    client: TestClient, reporter_headers: Headers
) -> None:
    now = datetime.now(timezone(timedelta(hours=8)))
    photo = jilin_jpeg(taken=now.strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00")
    response = post_report(client, reporter_headers, [photo], captured_at=now.isoformat())
    assert response.status_code == 201, response.text
    assert {f["code"] for f in response.json()["flags"]} <= {"unrouted"}


def test_nine_photos_and_the_location_header(
    client: TestClient, reporter_headers: Headers, reporter: User, db: Session
) -> None:
    photos = [oriented_jpeg(1 + i % 8, 32 + i, 24) for i in range(9)]
    response = post_report(client, reporter_headers, photos)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/reports/{body['id']}"
    assert len(body["photos"]) == 9 and len({p["sha256"] for p in body["photos"]}) == 9
    report, rows = stored_report(db, body["id"])
    assert report.reporter_id == reporter.id and [r.position for r in rows] == list(range(9))
    assert report.text == "路口有游商占道" and report.captured_at == datetime(2026, 11, 27, 0, 30, tzinfo=UTC)


def test_couriers_and_admins_may_report_dispatchers_may_not(
    client: TestClient, make_user: object, login: object, categories: None
) -> None:
    from service.accounts.models import Role

    for role, expected in ((Role.courier, 201), (Role.admin, 201), (Role.dispatcher, 403)):
        user = make_user(role)  # type: ignore[operator]
        response = post_report(client, login(user), [encode(scene())])  # type: ignore[operator]
        assert response.status_code == expected, (role, response.text)
    anonymous = client.post("/api/v1/reports", data=report_fields(), files=[("photos", ("a.jpg", b"x"))])
    assert anonymous.status_code == 401


def test_a_report_inside_a_grid_is_routed_with_its_units(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    lon, lat, grid_code = db.execute(
        text(
            "SELECT ST_X(p), ST_Y(p), code FROM (SELECT ST_PointOnSurface(geom) AS p, code FROM grids "
            "WHERE valid_to IS NULL ORDER BY code LIMIT 1) g"
        )
    ).one()
    response = post_report(client, reporter_headers, [jilin_jpeg()], lon=lon, lat=lat)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["routing"]["status"] == "routed" and body["routing"]["grid"]["code"] == grid_code
    assert body["routing"]["units"], "the category's rule picks a responsible unit"
    assert "unrouted" not in {f["code"] for f in body["flags"]}
    report, _ = stored_report(db, body["id"])
    assert (report.routing_status, report.grid_code) == ("routed", grid_code)
    assert report.district_code == grid_code[:6] and report.street_code == body["routing"]["street"]["code"]
    assert report.routing == body["routing"]
