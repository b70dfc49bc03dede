"""Which position a report gets, and what the photos' own clocks and GPS say. Pure functions.

The device fix wins when there is one (the phone knows where it is now; a photo may be older), and the
first photo that carries EXIF GPS is kept beside it. Without a fix, the photos' EXIF GPS give the
position: the position most photos agree on (`consensus`), so one photo from elsewhere cannot move the
report; with neither, the report is refused (422): a report nobody can place cannot be routed or
verified. Both positions are kept, with their distance, so a dispatcher can see when they disagree, and
so is the largest distance between two photos (`exif_spread_m`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from geo.crs import Datum, haversine_m, to_wgs84
from media.exif import PhotoMetadata
from service.errors import Invalid
from service.photos.pipeline import exif_position
from service.reports.schemas import DeviceFix


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
    exif: tuple[float, float] | None  # the EXIF GPS used (WGS-84): the first with a fix, else `consensus`
    exif_photo: int | None  # which photo gave `exif`
    distance_m: float | None  # between `device` and `exif` when both exist
    exif_spread_m: float | None = None  # the largest distance between two photos' EXIF GPS (≥ 2 photos)


def consensus(positions: Sequence[tuple[int, tuple[float, float]]], *, agree_m: float) -> int:
    """Of (photo index, position) pairs, the photo whose position most photos agree with: for each
    photo, count the photos within `agree_m` metres of it (itself included); the photo with the most
    wins, ties to the earliest. Its own position is used, not the centroid of its group: the report
    then stands where one real photo was taken, and `exif_photo` names that photo."""
    best_index, best_count = positions[0][0], 0
    for index, here in positions:
        count = sum(1 for _other, there in positions if haversine_m(here, there) <= agree_m)
        if count > best_count:
            best_index, best_count = index, count
    return best_index


def spread_m(positions: Sequence[tuple[float, float]]) -> float | None:
    """The largest distance between two of the positions (None for fewer than two)."""
    if len(positions) < 2:
        return None
    return max(haversine_m(a, b) for i, a in enumerate(positions) for b in positions[i + 1 :])


def choose_location(
    device: DeviceFix | None, photos: Sequence[PhotoMetadata], *, agree_m: float = 500.0
) -> ChosenLocation:
    """Device fix (with the first EXIF GPS beside it), else the EXIF GPS most photos agree on within
    `agree_m` metres (the intake passes `exif_far_from_device_m`); raises `NoPosition` (422) when
    there is neither."""
    located = [(index, p) for index, meta in enumerate(photos) if (p := exif_position(meta)) is not None]
    spread = spread_m([p for _index, p in located])
    spread = round(spread, 1) if spread is not None else None
    exif, exif_index = (located[0][1], located[0][0]) if located else (None, None)
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
            exif_spread_m=spread,
        )
    if located:
        chosen = consensus(located, agree_m=agree_m)
        lon, lat = dict(located)[chosen]
        return ChosenLocation(
            lon=lon,
            lat=lat,
            source="exif",
            datum=Datum.WGS84.value,
            accuracy_m=photos[chosen].horizontal_error_m,
            device=None,
            device_raw=None,
            exif=(lon, lat),
            exif_photo=chosen,
            distance_m=None,
            exif_spread_m=spread,
        )
    raise NoPosition(
        "The report has no position: the phone sent no location (lon/lat) and no photo carries GPS "
        "data. Turn on location and send again; nothing was stored."
    )
