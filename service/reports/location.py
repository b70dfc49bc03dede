"""Which position a report gets, and what the photos' own clocks and GPS say. Pure functions.

The device fix wins when there is one (the phone knows where it is now; a photo may be older). Without
it, the first photo that carries EXIF GPS gives the position; with neither, the report is refused
(422): a report nobody can place cannot be routed or verified. Both positions are kept, with their
distance, so a dispatcher can see when they disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from geo.crs import Datum, to_wgs84
from media.exif import PhotoMetadata
from service.errors import Invalid
from service.reports.form import DeviceFix

EARTH_RADIUS_M = 6_371_008.8


class NoPosition(Invalid):
    code = "no_position"


@dataclass(frozen=True, slots=True)
class ChosenLocation:
    lon: float  # WGS-84, used for routing and maps
    lat: float
    source: str  # 'device' | 'exif'
    datum: str  # the datum the position arrived in ('wgs84' for EXIF)
    accuracy_m: float | None
    device: tuple[float, float] | None  # device fix in WGS-84
    device_raw: tuple[float, float] | None  # device fix as sent
    exif: tuple[float, float] | None  # first photo's EXIF GPS (WGS-84)
    exif_photo: int | None  # which photo gave `exif`
    distance_m: float | None  # between `device` and `exif` when both exist


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points in degrees."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def exif_position(meta: PhotoMetadata) -> tuple[float, float] | None:
    """The photo's GPS position when usable: in range, and not the (0, 0) some cameras write for "no fix"."""
    if meta.lon is None or meta.lat is None:
        return None
    if not (-180 <= meta.lon <= 180 and -90 <= meta.lat <= 90) or (meta.lon == 0 and meta.lat == 0):
        return None
    return meta.lon, meta.lat


def choose_location(device: DeviceFix | None, photos: Sequence[PhotoMetadata]) -> ChosenLocation:
    """Device fix, else the first EXIF GPS; raises `NoPosition` (422) when there is neither."""
    exif, exif_index = None, None
    for index, meta in enumerate(photos):
        position = exif_position(meta)
        if position is not None:
            exif, exif_index = position, index
            break
    if device is not None:
        wgs = to_wgs84(device.lon, device.lat, device.datum)
        return ChosenLocation(
            lon=wgs[0],
            lat=wgs[1],
            source="device",
            datum=device.datum.value,
            accuracy_m=device.accuracy_m,
            device=wgs,
            device_raw=(device.lon, device.lat),
            exif=exif,
            exif_photo=exif_index,
            distance_m=round(haversine_m(wgs, exif), 1) if exif is not None else None,
        )
    if exif is not None and exif_index is not None:
        return ChosenLocation(
            lon=exif[0],
            lat=exif[1],
            source="exif",
            datum=Datum.WGS84.value,
            accuracy_m=photos[exif_index].horizontal_error_m,
            device=None,
            device_raw=None,
            exif=exif,
            exif_photo=exif_index,
            distance_m=None,
        )
    raise NoPosition(
        "The report has no position: the phone sent no location (lon/lat) and no photo carries GPS "
        "data. Turn on location and send again; nothing was stored."
    )


def exif_time_utc(meta: PhotoMetadata, *, local_offset: timedelta) -> datetime | None:
    """The photo's capture time in UTC. A time without an offset is the camera's local clock, read
    in `local_offset` (the reporter's own offset when known, else China Standard Time)."""
    if meta.taken_at is None:
        return meta.gps_time_utc.astimezone(UTC) if meta.gps_time_utc else None
    if meta.taken_at.tzinfo is not None:
        return meta.taken_at.astimezone(UTC)
    return meta.taken_at.replace(tzinfo=timezone(local_offset)).astimezone(UTC)
