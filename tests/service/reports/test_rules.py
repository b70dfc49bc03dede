"""The intake's pure rules: request fingerprint, position choice, capture times, integrity flags."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from geo.crs import haversine_m, wgs84_to_bd09
from media.exif import PhotoMetadata
from service.errors import Invalid
from service.idempotency.service import BadIdempotencyKey, parse_key
from service.photos.pipeline import PhotoTime, exif_time_utc
from service.reports.flags import OutsideCity, PossibleDuplicate, integrity_flags
from service.reports.form import parse_form, request_hash
from service.reports.location import NoPosition, choose_location
from service.settings import ReportsSettings

SHA_A, SHA_B = "a" * 64, "b" * 64
REPORT_ID = uuid.UUID("8e03978e-40d5-43e8-bc93-6894a57f9324")


def meta(**kw: object) -> PhotoMetadata:
    return PhotoMetadata(width=40, height=30, display_width=40, display_height=30, **kw)  # type: ignore[arg-type]


def form(**fields: str) -> dict[str, str]:
    return {"id": str(REPORT_ID), "category": "0501", "lon": "126.5", "lat": "43.8", **fields}


def test_the_fingerprint_ignores_formatting_and_sees_every_change() -> None:
    base = request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00")), [SHA_A])
    same = request_hash(
        parse_form(form(lon="126.50", lat=" 43.8 ", captured_at="2026-11-27T00:30:00Z", datum="wgs84")),
        [SHA_A],
    )
    assert same == base
    changes = [
        request_hash(parse_form(form(captured_at="2026-11-27T08:31:00+08:00")), [SHA_A]),
        request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00", text="x")), [SHA_A]),
        request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00", lon="126.51")), [SHA_A]),
        request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00")), [SHA_B]),
        request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00")), [SHA_A, SHA_B]),
        request_hash(parse_form(form(captured_at="2026-11-27T08:30:00+08:00", datum="gcj02")), [SHA_A]),
    ]
    assert base not in changes and len(set(changes)) == len(changes)


def test_form_errors_name_the_field() -> None:
    with pytest.raises(Invalid, match="category"):
        parse_form(form(category="05 01"))
    with pytest.raises(Invalid, match="lon and lat"):
        parse_form({"id": str(REPORT_ID), "category": "0501", "lon": "126.5"})
    assert parse_form(form(lon="", lat="")).device_fix is None  # empty fields count as absent


def test_idempotency_key_forms() -> None:
    assert parse_key(None, default=REPORT_ID) == str(REPORT_ID)
    assert parse_key(f'"{REPORT_ID}"', default=uuid.uuid4()) == str(REPORT_ID)
    assert parse_key("  abc  ", default=REPORT_ID) == "abc"
    for bad in ('""', "a b", "k" * 256, "ключ"):
        with pytest.raises(BadIdempotencyKey):
            parse_key(bad, default=REPORT_ID)


def test_the_device_fix_wins_and_the_first_usable_exif_position_is_kept() -> None:
    bd = wgs84_to_bd09(126.55, 43.84)
    fix = parse_form(form(lon=str(bd[0]), lat=str(bd[1]), datum="bd09", accuracy_m="12")).device_fix
    photos = [meta(), meta(lon=0.0, lat=0.0), meta(lon=126.56, lat=43.84), meta(lon=1.0, lat=1.0)]
    chosen = choose_location(fix, photos)
    assert chosen.source == "device" and chosen.datum == "bd09" and chosen.accuracy_m == 12
    assert chosen.lon == pytest.approx(126.55, abs=1e-7) and chosen.lat == pytest.approx(43.84, abs=1e-7)
    assert chosen.exif == (126.56, 43.84) and chosen.exif_photo == 2
    assert chosen.distance_m == pytest.approx(haversine_m((126.55, 43.84), (126.56, 43.84)), abs=0.1)
    assert 795 < (chosen.distance_m or 0) < 810


def test_without_a_fix_the_exif_position_and_its_error_are_used_and_without_either_it_is_refused() -> None:
    chosen = choose_location(None, [meta(), meta(lon=126.5, lat=43.8, horizontal_error_m=35.0)])
    assert (chosen.source, chosen.lon, chosen.accuracy_m, chosen.distance_m) == ("exif", 126.5, 35.0, None)
    with pytest.raises(NoPosition) as refused:
        choose_location(None, [meta(), meta(lon=0.0, lat=0.0)])
    assert refused.value.status == 422 and refused.value.code == "no_position"


def test_capture_times_in_utc() -> None:
    cst = timedelta(hours=8)
    aware = datetime(2026, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    assert exif_time_utc(meta(taken_at=aware, taken_at_has_offset=True), local_offset=cst) == datetime(
        2026, 11, 27, 0, 0, tzinfo=UTC
    )
    naive = datetime(2026, 11, 27, 8, 0)
    assert exif_time_utc(meta(taken_at=naive), local_offset=cst) == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    gps = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
    assert exif_time_utc(meta(gps_time_utc=gps), local_offset=cst) == gps
    assert exif_time_utc(meta(), local_offset=cst) is None


def test_flag_thresholds() -> None:
    settings = ReportsSettings()
    now = datetime(2026, 11, 27, tzinfo=UTC)
    fix = parse_form(form(accuracy_m="100")).device_fix
    close = choose_location(fix, [meta(lon=126.5, lat=43.8)])
    quiet = integrity_flags(
        location=close,
        photo_times=[PhotoTime(now - timedelta(hours=24), modified=False), None],
        report_time=now,
        reused_photos=0,
        routing_status="snapped",
        settings=settings,
    )
    assert quiet == {}  # 24 h old and 100 m accuracy are still within the thresholds
    far = choose_location(parse_form(form(accuracy_m="100.5")).device_fix, [meta(lon=126.5065, lat=43.8)])
    loud = integrity_flags(
        location=far,
        photo_times=[PhotoTime(now - timedelta(hours=25), modified=False)],
        report_time=now,
        reused_photos=2,
        routing_status="unrouted",
        settings=settings,
    )
    assert list(loud) == ["photo_reused", "exif_time_old", "exif_far_from_device", "low_accuracy", "unrouted"]
    assert "2 张" in loud["photo_reused"] and "25 小时" in loud["exif_time_old"]


# Photos' EXIF GPS: two in Jilin ~80 m apart, one in Nairobi.
JILIN_A, JILIN_B, NAIROBI = (126.5500, 43.8400), (126.5510, 43.8400), (36.8219, -1.2921)


def test_without_a_fix_the_position_most_photos_agree_on_wins() -> None:
    photos = [
        meta(),
        meta(lon=NAIROBI[0], lat=NAIROBI[1]),
        meta(lon=JILIN_A[0], lat=JILIN_A[1], horizontal_error_m=9.0),
    ]
    photos.append(meta(lon=JILIN_B[0], lat=JILIN_B[1]))
    chosen = choose_location(None, photos, agree_m=500)
    assert (chosen.source, chosen.exif_photo, (chosen.lon, chosen.lat)) == ("exif", 2, JILIN_A)
    assert chosen.exif == JILIN_A and chosen.accuracy_m == 9.0
    assert chosen.exif_spread_m == pytest.approx(haversine_m(NAIROBI, JILIN_B), rel=1e-6)
    # A tie goes to the earliest photo; photos that agree give no spread worth a flag.
    tie = choose_location(None, [meta(lon=NAIROBI[0], lat=NAIROBI[1]), meta(lon=JILIN_A[0], lat=JILIN_A[1])])
    assert tie.exif_photo == 0
    close = choose_location(
        None, [meta(lon=JILIN_A[0], lat=JILIN_A[1]), meta(lon=JILIN_B[0], lat=JILIN_B[1])]
    )
    assert close.exif_photo == 0 and 75 < (close.exif_spread_m or 0) < 85
    assert choose_location(None, [meta(lon=JILIN_A[0], lat=JILIN_A[1])]).exif_spread_m is None


def test_with_a_fix_the_first_exif_position_is_kept_beside_it() -> None:
    fix = parse_form(form(lon=str(JILIN_A[0]), lat=str(JILIN_A[1]))).device_fix
    photos = [meta(lon=NAIROBI[0], lat=NAIROBI[1]), meta(lon=JILIN_A[0], lat=JILIN_A[1])]
    photos.append(meta(lon=JILIN_B[0], lat=JILIN_B[1]))
    chosen = choose_location(fix, photos)
    assert (chosen.source, chosen.exif_photo, chosen.exif) == ("device", 0, NAIROBI)
    flags = integrity_flags(
        location=chosen,
        photo_times=[],
        report_time=datetime(2026, 11, 27, tzinfo=UTC),
        reused_photos=0,
        routing_status="routed",
        settings=ReportsSettings(),
    )
    assert list(flags) == ["exif_far_from_device"]  # the fix decides; the photos' spread is not flagged


def test_the_new_flags_and_their_messages() -> None:
    settings = ReportsSettings()
    now = datetime(2026, 11, 27, tzinfo=UTC)
    scattered = choose_location(
        None, [meta(lon=JILIN_A[0], lat=JILIN_A[1]), meta(lon=126.65, lat=43.84)], agree_m=500
    )
    other = uuid.UUID("0f2d8c1e-7a4b-4c61-9d1e-2b7c5a9e3f10")
    flags = integrity_flags(
        location=scattered,
        photo_times=[
            PhotoTime(now - timedelta(hours=30), modified=False),
            PhotoTime(now - timedelta(hours=50), modified=True),
        ],
        report_time=now,
        reused_photos=0,
        routing_status="unrouted",
        settings=settings,
        outside_city=OutsideCity(distance_m=104_321.0),
        duplicate=PossibleDuplicate(other, 30.4, timedelta(hours=2, minutes=10)),
    )
    assert list(flags) == [
        "exif_time_old",
        "exif_positions_disagree",
        "unrouted",
        "outside_city",
        "near_duplicate",
    ]
    assert flags["exif_time_old"] == "照片拍摄时间（EXIF 修改时间）早于上报时间 50 小时（阈值 24 小时）"
    spread = haversine_m(JILIN_A, (126.65, 43.84))
    assert flags["exif_positions_disagree"] == f"照片之间的拍摄位置相距 {spread:.0f} 米（阈值 500 米）"
    assert flags["outside_city"] == "位置不在本市范围内（距本市边界 104 公里）"
    assert flags["near_duplicate"] == f"与 30 米外 2 小时前的上报 {other} 可能是同一问题"
    quiet = integrity_flags(
        location=scattered,
        photo_times=[PhotoTime(now - timedelta(hours=30), modified=False)],
        report_time=now,
        reused_photos=0,
        routing_status="routed",
        settings=settings,
        outside_city=OutsideCity(distance_m=None),
        duplicate=PossibleDuplicate(other, 12.0, timedelta(minutes=5)),
    )
    assert quiet["exif_time_old"] == "照片拍摄时间早于上报时间 30 小时（阈值 24 小时）"
    assert quiet["outside_city"] == "位置不在本市范围内" and "5 分钟前" in quiet["near_duplicate"]
