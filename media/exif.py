"""Read what a photo says about itself: position, time, orientation, device. Bytes in, data out.

Metadata is read from the image header only (Pillow opens lazily), before any pixel is decoded, so the
facts are known even for a photo later refused as a bomb or broken (DESIGN.md §6: "Read EXIF GPS, time,
orientation before anything else"). GPS lives in the GPS IFD (0x8825), capture time in the Exif IFD
(0x8769), orientation, device and the file's last-modified time (DateTime, 0x0132) in IFD0.

Robustness rule: a corrupt or hostile EXIF block never raises. The photo gets metadata with whatever
could be read and a `warnings` entry per problem. Only our own `MediaError`s leave `read_metadata`
(unsupported format, bomb, unreadable header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from PIL import Image

from media.decode import DECODER_ERRORS, open_image
from media.exif_check import exif_structure_problem
from media.exif_values import (
    as_float,
    as_int,
    as_text,
    coordinate_degrees,
    gps_utc_time,
    parse_exif_datetime,
    parse_offset,
    parse_subseconds,
)
from media.limits import MediaLimits
from media.sniff import ImageFormat, sniff_format

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
TAG_DATETIME_ORIGINAL, TAG_DATETIME_DIGITIZED = 0x9003, 0x9004
TAG_OFFSET_TIME, TAG_OFFSET_ORIGINAL, TAG_OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012
TAG_SUBSEC_TIME, TAG_SUBSEC_ORIGINAL, TAG_SUBSEC_DIGITIZED = 0x9290, 0x9291, 0x9292
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
GPS_ALT_REF, GPS_ALT, GPS_TIME, GPS_DIR_REF, GPS_DIR, GPS_DATUM, GPS_DATE, GPS_HPOS_ERROR = (
    5, 6, 7, 16, 17, 18, 29, 31,
)  # fmt: skip

# Orientations 5–8 swap width and height when the photo is shown.
SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    """Facts a photo carries about itself. Every field is optional: phones strip, cameras omit.

    - `lon`/`lat`: WGS-84 degrees, signed from the N/S and E/W references (EXIF GPS is WGS-84 unless
      `gps_datum` says otherwise; the datum string is kept verbatim for the integrity check).
    - `altitude_m`: metres, negative below sea level. `horizontal_error_m`: GPSHPositioningError.
    - `direction_deg` with `direction_ref` 'T' (true north) or 'M' (magnetic north).
    - `taken_at`: DateTimeOriginal (else DateTimeDigitized); aware when the matching OffsetTime tag
      exists, else naive with `taken_at_has_offset` False: a naive time is the camera's local clock.
    - `modified_at`: DateTime (IFD0 0x0132), when the file was last written (by the camera, or by an
      editor afterwards), with OffsetTime (0x9010) and SubSecTime when present; naive otherwise. Not a
      capture time: it is only the fallback when a photo carries no capture time at all.
    - `gps_time_utc`: GPSDateStamp + GPSTimeStamp, always UTC (an independent clock: the satellites').
    - `orientation`: EXIF 1–8 as the file states it. For HEIF the decoder has already applied the
      container's rotation, so `display_*` is the decoded size and `width`/`height` are derived.
    - `width`/`height`: pixels as stored; `display_width`/`display_height`: as shown upright.
    """

    width: int
    height: int
    display_width: int
    display_height: int
    orientation: int = 1
    lon: float | None = None
    lat: float | None = None
    altitude_m: float | None = None
    horizontal_error_m: float | None = None
    direction_deg: float | None = None
    direction_ref: str | None = None
    gps_datum: str | None = None
    gps_time_utc: datetime | None = None
    taken_at: datetime | None = None
    taken_at_has_offset: bool = False
    modified_at: datetime | None = None
    modified_at_has_offset: bool = False
    make: str | None = None
    model: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_position(self) -> bool:
        return self.lon is not None and self.lat is not None


def read_metadata(data: bytes, *, limits: MediaLimits | None = None) -> PhotoMetadata:
    """Sniff `data`, open its header lazily and read its metadata; no pixel is decoded.

    Raises only `MediaError`s: `UnsupportedMediaType`, `DecompressionBomb`, `BrokenImage`.
    """
    fmt = sniff_format(data[:64])
    max_pixels = (limits or MediaLimits()).max_pixels
    with open_image(data, fmt, max_pixels=max_pixels) as image:
        return metadata_from_image(image, fmt)


def metadata_from_image(image: Image.Image, fmt: ImageFormat) -> PhotoMetadata:
    """Metadata of an image opened by `media.decode.open_image` (before `draft`/`load`)."""
    width, height = image.size
    raw = image.info.get("exif")
    if fmt is ImageFormat.HEIF:
        # pillow-heif applies the container's rotation while decoding and resets the EXIF tag to 1,
        # keeping the file's own value in info["original_orientation"].
        return metadata_from_exif(
            lambda: image.getexif(),
            width,
            height,
            orientation_override=as_int(image.info.get("original_orientation")),
            decoded_upright=True,
            raw=raw if isinstance(raw, bytes) else None,
        )
    return metadata_from_exif(
        lambda: image.getexif(), width, height, raw=raw if isinstance(raw, bytes) else None
    )


def metadata_from_exif_block(raw: bytes, *, width: int = 0, height: int = 0) -> PhotoMetadata:
    """Metadata from a raw EXIF block (TIFF bytes, with or without the 'Exif\\0\\0' header)."""

    def load() -> Image.Exif:
        exif = Image.Exif()
        exif.load(raw)
        return exif

    return metadata_from_exif(load, width, height, raw=raw)


def metadata_from_exif(
    load_exif: Callable[[], Image.Exif],
    width: int,
    height: int,
    *,
    orientation_override: int | None = None,
    decoded_upright: bool = False,
    raw: bytes | None = None,
) -> PhotoMetadata:
    """Build `PhotoMetadata` from an EXIF loader; every failure becomes a warning, never an exception.

    `width`/`height` are the decoder's size. With `decoded_upright` (HEIF) that size is already the
    displayed one; otherwise it is the stored one and orientations 5–8 swap it for display.

    `raw`, the EXIF block's bytes when known, is checked structurally so that corruption Pillow skips
    quietly still shows up in `warnings`.
    """
    notes: list[str] = []
    problem = exif_structure_problem(raw) if raw else None
    if problem is not None:
        notes.append(f"EXIF block corrupt ({problem}); only what could be read was kept")
    base = PhotoMetadata(width=width, height=height, display_width=width, display_height=height)
    try:
        exif = load_exif()
        ifd0 = dict(exif.items())
    except DECODER_ERRORS as exc:
        return replace(base, warnings=(*notes, f"EXIF block unreadable ({type(exc).__name__}); ignored"))
    if raw and not ifd0 and problem is None:
        notes.append("EXIF block present but empty or unreadable; ignored")
    gps = _sub_ifd(exif, GPS_IFD, "GPS", notes)
    exif_ifd = _sub_ifd(exif, EXIF_IFD, "Exif", notes)

    orientation = as_int(ifd0.get(TAG_ORIENTATION)) if orientation_override is None else orientation_override
    if orientation is None:
        if TAG_ORIENTATION in ifd0:
            notes.append("orientation unreadable; assumed 1")
        orientation = 1
    elif not 1 <= orientation <= 8:
        notes.append(f"orientation {orientation} out of range 1-8; assumed 1")
        orientation = 1
    swapped = (height, width) if orientation in SWAPPING_ORIENTATIONS else (width, height)
    stored, shown = (swapped, (width, height)) if decoded_upright else ((width, height), swapped)

    taken_at, has_offset = _capture_time(exif_ifd)
    modified_at, modified_has_offset = _exif_time(
        ifd0.get(TAG_DATETIME), exif_ifd.get(TAG_OFFSET_TIME), exif_ifd.get(TAG_SUBSEC_TIME)
    )
    lon, lat = _position(gps, notes)
    return replace(
        base,
        width=stored[0],
        height=stored[1],
        display_width=shown[0],
        display_height=shown[1],
        orientation=orientation,
        lon=lon,
        lat=lat,
        altitude_m=_altitude(gps),
        horizontal_error_m=_non_negative(as_float(gps.get(GPS_HPOS_ERROR))),
        direction_deg=_direction(gps),
        direction_ref=_ref(gps.get(GPS_DIR_REF), {"T", "M"}),
        gps_datum=as_text(gps.get(GPS_DATUM)),
        gps_time_utc=gps_utc_time(gps.get(GPS_DATE), gps.get(GPS_TIME)),
        taken_at=taken_at,
        taken_at_has_offset=has_offset,
        modified_at=modified_at,
        modified_at_has_offset=modified_has_offset,
        make=as_text(ifd0.get(TAG_MAKE)),
        model=as_text(ifd0.get(TAG_MODEL)),
        warnings=tuple(notes),
    )


def _sub_ifd(exif: Image.Exif, tag: int, name: str, notes: list[str]) -> dict[int, object]:
    try:
        return dict(exif.get_ifd(tag).items())
    except DECODER_ERRORS as exc:
        notes.append(f"{name} IFD unreadable ({type(exc).__name__}); ignored")
        return {}


def _ref(value: object, allowed: set[str]) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    letter = text[:1].upper()
    return letter if letter in allowed else None


def _position(gps: dict[int, object], notes: list[str]) -> tuple[float | None, float | None]:
    if GPS_LAT not in gps and GPS_LON not in gps:
        return None, None
    lat = _signed_coordinate(gps, GPS_LAT, GPS_LAT_REF, "latitude", {"N": 1, "S": -1}, 90.0, notes)
    lon = _signed_coordinate(gps, GPS_LON, GPS_LON_REF, "longitude", {"E": 1, "W": -1}, 180.0, notes)
    if lat is None or lon is None:
        return None, None
    if lat == 0.0 and lon == 0.0:
        notes.append("GPS position 0,0 (a receiver without a fix) ignored")
        return None, None
    return round(lon, 7), round(lat, 7)


def _signed_coordinate(
    gps: dict[int, object],
    value_tag: int,
    ref_tag: int,
    name: str,
    signs: dict[str, int],
    bound: float,
    notes: list[str],
) -> float | None:
    if value_tag not in gps:
        notes.append(f"GPS {name} missing")
        return None
    degrees, note = coordinate_degrees(gps[value_tag])
    if note is not None:
        notes.append(f"GPS {name}: {note}")
    if degrees is None:
        return None
    ref = _ref(gps.get(ref_tag), set(signs))
    if ref is None:
        notes.append(f"GPS {name} reference missing or invalid; {next(iter(signs))} assumed")
        first = gps[value_tag]
        raw = as_float(first[0] if isinstance(first, tuple) and first else first)
        sign = -1 if raw is not None and raw < 0 else 1
    else:
        sign = signs[ref]
    if degrees > bound:
        notes.append(f"GPS {name} {degrees:g} out of range; position ignored")
        return None
    return sign * degrees


def _altitude(gps: dict[int, object]) -> float | None:
    altitude = as_float(gps.get(GPS_ALT))
    if altitude is None:
        return None
    below_sea_level = as_int(gps.get(GPS_ALT_REF)) == 1
    return -abs(altitude) if below_sea_level else altitude


def _direction(gps: dict[int, object]) -> float | None:
    direction = as_float(gps.get(GPS_DIR))
    if direction is None or not 0.0 <= direction <= 360.0:
        return None
    return direction % 360.0


def _non_negative(value: float | None) -> float | None:
    return value if value is not None and value >= 0 else None


def _capture_time(exif_ifd: dict[int, object]) -> tuple[datetime | None, bool]:
    for time_tag, offset_tag, subsec_tag in (
        (TAG_DATETIME_ORIGINAL, TAG_OFFSET_ORIGINAL, TAG_SUBSEC_ORIGINAL),
        (TAG_DATETIME_DIGITIZED, TAG_OFFSET_DIGITIZED, TAG_SUBSEC_DIGITIZED),
    ):
        found = _exif_time(exif_ifd.get(time_tag), exif_ifd.get(offset_tag), exif_ifd.get(subsec_tag))
        if found[0] is not None:
            return found
    return None, False


def _exif_time(value: object, offset_value: object, subsec_value: object) -> tuple[datetime | None, bool]:
    """One EXIF time with its sub-seconds, aware when its OffsetTime tag is valid."""
    local = parse_exif_datetime(value)
    if local is None:
        return None, False
    local = local.replace(microsecond=parse_subseconds(subsec_value))
    offset = parse_offset(offset_value)
    if offset is None:
        return local, False
    return local.replace(tzinfo=offset), True
