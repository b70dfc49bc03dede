"""A structural check of a raw EXIF (TIFF) block, to report corruption that Pillow silently skips.

Pillow's EXIF reader is forgiving: on a truncated or out-of-bounds directory it emits a `UserWarning`
and returns whatever it could read. Catching warnings is process-global and not thread-safe, so we
walk the directory structure ourselves (IFD0 and the Exif/GPS IFDs it points to) and name the first
problem found. This never raises and reads nothing outside `raw`.
"""

from __future__ import annotations

import struct

EXIF_HEADER = b"Exif\x00\x00"
# Byte size of one value of each TIFF field type (1 BYTE … 13 IFD).
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
SUB_IFD_TAGS = {0x8769: "Exif", 0x8825: "GPS"}


def exif_structure_problem(raw: bytes) -> str | None:
    """None if `raw` is a well-formed EXIF block as far as IFD0, Exif and GPS IFDs go, else a reason."""
    data = raw[len(EXIF_HEADER) :] if raw.startswith(EXIF_HEADER) else raw
    if len(data) < 8:
        return "too short for a TIFF header"
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        return "no TIFF header"
    (offset,) = struct.unpack(order + "I", data[4:8])
    return _ifd_problem(data, order, offset, "IFD0", follow=True)


def _ifd_problem(data: bytes, order: str, offset: int, name: str, *, follow: bool) -> str | None:
    if offset < 8 or offset + 2 > len(data):
        return f"{name} offset {offset} lies outside the block"
    (count,) = struct.unpack(order + "H", data[offset : offset + 2])
    end = offset + 2 + 12 * count
    if end > len(data):
        return f"{name} claims {count} entries, past the end of the block"
    for index in range(count):
        start = offset + 2 + 12 * index
        tag, kind, number = struct.unpack(order + "HHI", data[start : start + 8])
        size = TYPE_SIZES.get(kind, 0) * number
        (value_offset,) = struct.unpack(order + "I", data[start + 8 : start + 12])
        if size > 4 and value_offset + size > len(data):
            return f"{name} tag 0x{tag:04x} points past the end of the block"
        if follow and tag in SUB_IFD_TAGS and kind in (4, 13) and number == 1:
            problem = _ifd_problem(data, order, value_offset, SUB_IFD_TAGS[tag], follow=False)
            if problem is not None:
                return problem
    return None
