"""Which position a report gets, and what the photos' own clocks and GPS say. Pure functions.

The device fix wins when there is one (the phone knows where it is now; a photo may be older). Without
it, the first photo that carries EXIF GPS gives the position; with neither, the report is refused
(422): a report nobody can place cannot be routed or verified. Both positions are kept, with their
distance, so a dispatcher can see when they disagree.
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
    exif: tuple[float, float] | None  # first photo's EXIF GPS (WGS-84)
    exif_photo: int | None  # which photo gave `exif`
    distance_m: float | None  # between `device` and `exif` when both exist


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
