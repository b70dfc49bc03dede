"""Hypothesis on the EXIF reader: malformed input never raises anything but our own errors."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media.errors import MediaError
from media.exif import metadata_from_exif_block, read_metadata
from media.exif_check import exif_structure_problem
from tests.media.photo_factory import dms, encode, fixture_bytes, make_exif, splice_app1

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CLEAN_JPEG = encode(Image.new("RGB", (16, 16), "white"), "JPEG")
GOOD_BLOCK = make_exif(
    orientation=6,
    make="Fuzz",
    gps={1: "N", 2: dms(43, 50, 16), 3: "E", 4: dms(126, 32, 58), 6: dms(1, 0, 0)[0]},
    exif_ifd={0x9003: "2026:11:20 08:15:00", 0x9011: "+08:00"},
).tobytes()
DSCN = fixture_bytes("DSCN0010.jpg")

# TIFF entries: tag, field type (including invalid ones), count, value/offset.
entry = st.tuples(
    st.sampled_from([0x0112, 0x010F, 0x8825, 0x8769, 1, 2, 3, 4, 6, 17, 0x9003, 0xFFFF]),
    st.integers(0, 20),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
)


@st.composite
def tiff_blocks(draw: st.DrawFn) -> bytes:
    """Structurally plausible TIFF blocks with hostile counts, types and offsets."""
    order = draw(st.sampled_from(["<", ">"]))
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", draw(st.integers(0, 64)))
    entries = draw(st.lists(entry, max_size=8))
    body = struct.pack(order + "H", len(entries)) + b"".join(struct.pack(order + "HHII", *e) for e in entries)
    tail = draw(st.binary(max_size=64))
    return b"Exif\x00\x00" + header + body + tail


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=256), tiff_blocks()))
def test_exif_block_parser_never_raises(raw: bytes) -> None:
    meta = metadata_from_exif_block(raw, width=10, height=20)
    assert 1 <= meta.orientation <= 8
    assert meta.lat is None or -90 <= meta.lat <= 90
    assert meta.lon is None or -180 <= meta.lon <= 180
    exif_structure_problem(raw)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), tiff_blocks()))
def test_jpeg_with_any_app1_payload_reads_or_refuses_cleanly(payload: bytes) -> None:
    data = splice_app1(CLEAN_JPEG, payload[:65000])
    try:
        meta = read_metadata(data)
    except MediaError:
        return
    assert (meta.width, meta.height) == (16, 16)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_exif_of_a_real_jpeg_reads_or_refuses_cleanly(data: st.DataObject) -> None:
    """Flip bytes inside a real camera file's EXIF segment (its first few kilobytes)."""
    mutated = bytearray(DSCN)
    for _ in range(data.draw(st.integers(1, 12))):
        position = data.draw(st.integers(2, 4000))
        mutated[position] = data.draw(st.integers(0, 255))
    with contextlib.suppress(MediaError):
        read_metadata(bytes(mutated))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_made_exif_block_never_raises(data: st.DataObject) -> None:
    block = bytearray(GOOD_BLOCK)
    for _ in range(data.draw(st.integers(1, 8))):
        block[data.draw(st.integers(0, len(block) - 1))] = data.draw(st.integers(0, 255))
    metadata_from_exif_block(bytes(block))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_read_or_refuse_cleanly(raw: bytes) -> None:
    for candidate in (raw, b"\xff\xd8\xff" + raw, b"\x89PNG\r\n\x1a\n" + raw):
        with contextlib.suppress(MediaError):
            read_metadata(candidate)


def test_the_unmutated_block_is_read_in_full() -> None:
    """The fuzzers start from a block that does carry every fact (so mutations have something to break)."""
    meta = metadata_from_exif_block(GOOD_BLOCK, width=10, height=20)
    assert meta.orientation == 6
    assert meta.lat == pytest.approx(43 + 50 / 60 + 16 / 3600)
    assert meta.make == "Fuzz"
    assert meta.warnings == ()
