"""The integrity flags of issue 14 through the real upload endpoint: near copies, photos that disagree
about where they were taken, positions outside the city, the plain EXIF DateTime, and near duplicates.
Each test here fails on the intake before these flags existed; no flag ever refuses a report."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import haversine_m
from tests.media.photo_factory import encode, fixture_bytes, make_exif, rational
from tests.service.reports.conftest import JILIN_LAT, JILIN_LON, OTHER_CATEGORY, Headers, post_report

NAIROBI = (36.8219, -1.2921)


def picture(seed: int) -> Image.Image:
    """A picture unlike any other seed's (random colour blocks): reports that must not be copies."""
    blocks = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(blocks).resize((320, 240), Image.Resampling.BICUBIC)


def gps_photo(lon: float, lat: float, *, seed: int, exif_ifd: dict[int, object] | None = None) -> bytes:
    """A JPEG whose EXIF GPS is (lon, lat) in decimal-degree rationals."""
    gps: dict[int, object] = {
        1: "N" if lat >= 0 else "S",
        2: (rational(round(abs(lat) * 1e6), 1_000_000),),
        3: "E" if lon >= 0 else "W",
        4: (rational(round(abs(lon) * 1e6), 1_000_000),),
    }
    return encode(picture(seed), "JPEG", quality=90, exif=make_exif(gps=gps, exif_ifd=exif_ifd))


def codes(response_body: dict[str, object]) -> dict[str, str]:
    flags = response_body["flags"]
    assert isinstance(flags, list)
    return {flag["code"]: flag["message"] for flag in flags}


def test_a_re_encoded_copy_of_a_photo_is_reused(client: TestClient, reporter_headers: Headers) -> None:
    first = post_report(client, reporter_headers, [fixture_bytes("landscape_6.jpg")])
    assert first.status_code == 201, first.text
    assert "photo_reused" not in codes(first.json())
    with Image.open(io.BytesIO(fixture_bytes("landscape_6.jpg"))) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    halved = upright.resize((upright.width // 2, upright.height // 2), Image.Resampling.LANCZOS)
    for copy in (encode(upright, "JPEG", quality=60), encode(halved, "JPEG", quality=85)):
        again = post_report(client, reporter_headers, [copy], lon=JILIN_LON + 0.01)
        assert again.status_code == 201, again.text
        assert codes(again.json())["photo_reused"] == "有 1 张照片已在其他上报中使用过"
    # Whistle's own public derivative, downloaded and uploaded again.
    display = client.get(first.json()["photos"][0]["display_url"]).content
    third = post_report(client, reporter_headers, [display, encode(picture(7), "JPEG")], lon=JILIN_LON + 0.02)
    assert codes(third.json())["photo_reused"] == "有 1 张照片已在其他上报中使用过"
    fresh = post_report(client, reporter_headers, [encode(picture(8), "JPEG")], lon=JILIN_LON + 0.03)
    assert fresh.status_code == 201 and "photo_reused" not in codes(fresh.json())


def test_photos_that_disagree_are_flagged_and_the_majority_places_the_report(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    photos = [
        gps_photo(*NAIROBI, seed=1),
        gps_photo(JILIN_LON, JILIN_LAT, seed=2),
        gps_photo(JILIN_LON + 0.001, JILIN_LAT, seed=3),  # ~80 m east: agrees
    ]
    response = post_report(client, reporter_headers, photos, lon=None, lat=None, accuracy_m=None)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["location"]["source"] == "exif"
    assert body["location"]["lon"] == pytest.approx(JILIN_LON, abs=1e-6)
    assert body["location"]["lat"] == pytest.approx(JILIN_LAT, abs=1e-6)
    spread = haversine_m(NAIROBI, (JILIN_LON + 0.001, JILIN_LAT))
    message = codes(body)["exif_positions_disagree"]
    assert message == f"照片之间的拍摄位置相距 {spread:.0f} 米（阈值 500 米）"
    assert "outside_city" not in codes(body)
    exif_lon = db.execute(
        text("SELECT ST_X(exif_geom) FROM reports WHERE id = :id"), {"id": body["id"]}
    ).scalar_one()
    assert exif_lon == pytest.approx(JILIN_LON, abs=1e-6)
    # With a device fix the fix wins, as before, and the photos' spread is not a flag of its own.
    fixed = post_report(client, reporter_headers, photos, category=OTHER_CATEGORY)
    assert fixed.status_code == 201, fixed.text
    assert "exif_positions_disagree" not in codes(fixed.json())
    assert "exif_far_from_device" in codes(fixed.json())  # the first photo, in Nairobi


def test_outside_the_city_is_told_apart_from_the_river(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    far_lon = JILIN_LON - 2.2  # west of 永吉县 and 磐石市: about 100 km outside the city
    away = post_report(client, reporter_headers, [encode(picture(1), "JPEG")], lon=far_lon)
    assert away.status_code == 201, away.text
    flags = codes(away.json())
    assert "unrouted" in flags and away.json()["routing"]["district"] is None
    distance = db.execute(
        text(
            "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)) "
            "FROM districts WHERE valid_to IS NULL"
        ),
        {"x": far_lon, "y": JILIN_LAT},
    ).scalar_one()
    assert 80_000 < distance < 150_000
    assert flags["outside_city"] == f"位置不在本市范围内（距本市边界 {distance / 1000:.0f} 公里）"
    # Jilin's centre lies on the Songhua River: in no grid, but in a district.
    river = post_report(client, reporter_headers, [encode(picture(2), "JPEG")])
    assert river.status_code == 201, river.text
    assert river.json()["routing"]["status"] == "unrouted" and river.json()["routing"]["district"]
    assert "unrouted" in codes(river.json()) and "outside_city" not in codes(river.json())


def test_a_real_photo_from_italy_is_outside_the_city(client: TestClient, reporter_headers: Headers) -> None:
    response = post_report(client, reporter_headers, [fixture_bytes("DSCN0010.jpg")], lon=None, lat=None)
    assert response.status_code == 201, response.text
    assert codes(response.json())["outside_city"].startswith("位置不在本市范围内（距本市边界 ")


def test_the_plain_exif_datetime_makes_a_photo_old_and_the_message_says_so(
    client: TestClient, reporter_headers: Headers
) -> None:
    cst = timezone(timedelta(hours=8))
    old = (datetime.now(UTC) - timedelta(days=3)).astimezone(cst)
    exif = make_exif()
    exif[0x0132] = old.strftime("%Y:%m:%d %H:%M:%S")  # DateTime only: no DateTimeOriginal/Digitized
    photo = encode(picture(3), "JPEG", exif=exif)
    response = post_report(client, reporter_headers, [photo], captured_at=None)
    assert response.status_code == 201, response.text
    message = codes(response.json())["exif_time_old"]
    assert message.startswith("照片拍摄时间（EXIF 修改时间）早于上报时间 72 小时"), message
    # A capture time keeps the original wording, and it wins over DateTime.
    both = make_exif(exif_ifd={0x9003: datetime.now(cst).strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"})
    both[0x0132] = old.strftime("%Y:%m:%d %H:%M:%S")
    fresh_with_old_datetime = encode(picture(4), "JPEG", exif=both)
    quiet = post_report(client, reporter_headers, [fresh_with_old_datetime], captured_at=None)
    assert quiet.status_code == 201, quiet.text
    assert "exif_time_old" not in codes(quiet.json())


def test_a_report_near_an_open_one_of_its_category_is_a_possible_duplicate(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    first = post_report(client, reporter_headers, [encode(picture(1), "JPEG")])
    assert first.status_code == 201, first.text
    assert "near_duplicate" not in codes(first.json())
    thirty_m_east = JILIN_LON + 30 / haversine_m((JILIN_LON, JILIN_LAT), (JILIN_LON + 1, JILIN_LAT))
    second = post_report(client, reporter_headers, [encode(picture(2), "JPEG")], lon=thirty_m_east)
    assert second.status_code == 201, second.text
    first_id = first.json()["id"]
    assert codes(second.json())["near_duplicate"] == f"与 30 米外 0 分钟前的上报 {first_id} 可能是同一问题"
    # Another category, or farther than 50 m, is another problem.
    other = post_report(
        client, reporter_headers, [encode(picture(3), "JPEG")], lon=thirty_m_east, category=OTHER_CATEGORY
    )
    assert "near_duplicate" not in codes(other.json())
    sixty_m = JILIN_LON - 2 * (thirty_m_east - JILIN_LON)
    assert "near_duplicate" not in codes(
        post_report(client, reporter_headers, [encode(picture(4), "JPEG")], lon=sixty_m).json()
    )
    # Older than 24 hours: no longer a duplicate of the new one.
    db.execute(
        text("UPDATE reports SET created_at = now() - interval '25 hours' WHERE id = ANY(:ids)"),
        {"ids": [uuid.UUID(first_id), uuid.UUID(second.json()["id"])]},
    )
    db.commit()
    later = post_report(client, reporter_headers, [encode(picture(5), "JPEG")])
    assert later.status_code == 201 and "near_duplicate" not in codes(later.json())
