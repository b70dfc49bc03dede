"""Derivatives: upright, bounded, sRGB JPEGs with no metadata at all, read back from their bytes."""

from __future__ import annotations

import io
import resource

import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps

from media.derivatives import DerivativeSpec, draft_scale
from media.errors import BrokenImage, DecompressionBomb
from media.limits import MediaLimits
from media.pipeline import ProcessedPhoto, process_photo
from tests.media.photo_factory import (
    BOTTOM_LEFT,
    BOTTOM_RIGHT,
    FIXTURES,
    GREY,
    TOP_LEFT,
    TOP_RIGHT,
    compressible_png,
    dms,
    encode,
    fixture_bytes,
    make_exif,
    oriented_jpeg,
    png_header_only,
)

LEAK_MARKERS = (b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"Photoshop 3.0", b"8BIM", b"GPS")
SECRET = "秘密 secret 43.83N"


def assert_no_metadata(jpeg: bytes) -> None:
    """Prove from the stored bytes that nothing but pixels survived."""
    for marker in LEAK_MARKERS:
        assert marker not in jpeg, marker
    assert SECRET.encode() not in jpeg
    assert b"\xff\xfe" not in _headers(jpeg), "a COM (comment) marker"
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        for key in ("exif", "xmp", "icc_profile", "comment", "photoshop", "adobe", "thumbnails"):
            assert key not in image.info, key
        app_markers = [marker for marker, _ in image.applist]  # type: ignore[attr-defined]
        assert set(app_markers) <= {"APP0"}, app_markers


def _headers(jpeg: bytes) -> bytes:
    """The marker segments before the first scan (where metadata lives)."""
    return jpeg[: jpeg.index(b"\xff\xda")]


def assert_close(actual: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 48) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (actual, expected)


@pytest.mark.parametrize(
    "name",
    [
        "DSCN0010.jpg",
        "HMD_Nokia_8.3_5G.jpg",
        "HMD_Nokia_8.3_5G.heif",
        "landscape_6.jpg",
        "landscape_8.jpg",
        "BlueSquare.jpg",
    ],
)
def test_real_files_lose_all_metadata(name: str) -> None:
    photo = process_photo(fixture_bytes(name))
    assert_no_metadata(photo.display.data)
    assert_no_metadata(photo.thumbnail.data)
    assert max(photo.display.width, photo.display.height) <= 2048
    assert max(photo.thumbnail.width, photo.thumbnail.height) <= 320


def test_a_photo_with_every_kind_of_metadata_loses_all_of_it() -> None:
    exif = make_exif(
        orientation=1,
        make="Leaky",
        model="Phone",
        gps={1: "N", 2: dms(43, 50, 16), 3: "E", 4: dms(126, 32, 58)},
        exif_ifd={0x9003: "2026:11:20 08:15:00"},
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>43,50.27N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'
    data = encode(
        Image.new("RGB", (400, 300), (10, 120, 200)),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        xmp=xmp,
        comment=SECRET.encode(),
    )
    with Image.open(io.BytesIO(data)) as original:  # the input really carries all of it
        assert {"exif", "icc_profile", "xmp", "comment"} <= set(original.info)
    photo = process_photo(data)
    assert photo.metadata.lat == pytest.approx(43 + 50 / 60 + 16 / 3600)
    assert_no_metadata(photo.display.data)
    assert_no_metadata(photo.thumbnail.data)


def test_the_embedded_exif_thumbnail_is_not_published() -> None:
    # Real cameras embed a JPEG thumbnail in IFD1; it must not survive (no second SOI in the headers).
    data = fixture_bytes("DSCN0010.jpg")
    assert data.count(b"\xff\xd8\xff") >= 2, "the fixture carries an embedded thumbnail"
    photo = process_photo(data)
    assert photo.display.data.count(b"\xff\xd8") == 1
    assert photo.thumbnail.data.count(b"\xff\xd8") == 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_ends_upright(orientation: int) -> None:
    photo = process_photo(oriented_jpeg(orientation, 64, 48))
    assert photo.metadata.orientation == orientation
    with Image.open(io.BytesIO(photo.display.data)) as display:
        assert display.size == (64, 48)
        rgb = display.convert("RGB")
        assert_close(rgb.getpixel((4, 4)), TOP_LEFT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((59, 4)), TOP_RIGHT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((4, 43)), BOTTOM_LEFT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((59, 43)), BOTTOM_RIGHT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((32, 24)), GREY)  # type: ignore[arg-type]


@pytest.mark.parametrize("orientation", [6, 8, 5])
def test_orientation_survives_draft_decoding_of_a_large_jpeg(orientation: int) -> None:
    data = oriented_jpeg(orientation, 3000, 2000, block=300)
    photo = process_photo(data)
    # Decoded at 1/2 scale (1500×1000 stored → 1000×1500 … turned upright to 1500×1000).
    assert (photo.display.width, photo.display.height) == (1500, 1000)
    with Image.open(io.BytesIO(photo.display.data)) as display:
        rgb = display.convert("RGB")
        assert_close(rgb.getpixel((40, 40)), TOP_LEFT)  # type: ignore[arg-type]
        assert_close(rgb.getpixel((1460, 960)), BOTTOM_RIGHT)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["landscape_6.jpg", "landscape_8.jpg"])
def test_real_orientation_fixtures_match_pillow_exif_transpose(name: str) -> None:
    photo = process_photo(fixture_bytes(name))
    with Image.open(FIXTURES / name) as original, Image.open(io.BytesIO(photo.display.data)) as display:
        reference = ImageOps.exif_transpose(original).convert("RGB")
        assert display.size == reference.size == (600, 450)
        for point in [(10, 10), (590, 10), (10, 440), (590, 440), (300, 225)]:
            assert_close(display.getpixel(point), reference.getpixel(point), tolerance=24)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("size", "display", "thumb"),
    [
        ((4000, 3000), (2000, 1500), (320, 240)),
        ((4608, 1976), (2048, 878), (320, 137)),
        ((5000, 200), (2048, 82), (320, 13)),
        ((300, 200), (300, 200), (300, 200)),
        ((1, 1), (1, 1), (1, 1)),
    ],
)
def test_bounds(size: tuple[int, int], display: tuple[int, int], thumb: tuple[int, int]) -> None:
    photo = process_photo(encode(Image.new("RGB", size, (90, 160, 60)), "JPEG", quality=70))
    assert (photo.display.width, photo.display.height) == display
    assert abs(photo.thumbnail.width - thumb[0]) <= 1 and abs(photo.thumbnail.height - thumb[1]) <= 1
    with Image.open(io.BytesIO(photo.display.data)) as image:
        assert image.size == display


def test_png_is_bounded_and_flattened_on_white() -> None:
    image = Image.new("RGBA", (3000, 1000), (255, 0, 0, 0))  # fully transparent red
    image.paste((0, 0, 255, 255), (0, 0, 100, 100))
    photo = process_photo(encode(image, "PNG"))
    assert (photo.display.width, photo.display.height) == (2048, 683)
    with Image.open(io.BytesIO(photo.display.data)) as display:
        assert_close(display.getpixel((1000, 500)), (255, 255, 255), tolerance=8)  # type: ignore[arg-type]
        assert_close(display.getpixel((20, 20)), (0, 0, 255))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["CMYK", "P", "LA", "L", "I;16", "1"])
def test_other_modes_become_rgb(mode: str) -> None:
    image = (
        Image.new("RGB", (50, 40), (200, 30, 30)).convert(mode)
        if mode != "I;16"
        else Image.new("I;16", (50, 40), 40000)
    )
    fmt = "JPEG" if mode in ("CMYK", "L") else "PNG"
    photo = process_photo(encode(image, fmt))
    with Image.open(io.BytesIO(photo.display.data)) as display:
        assert display.mode == "RGB"
    if mode == "I;16":
        with Image.open(io.BytesIO(photo.display.data)) as display:
            assert_close(display.getpixel((25, 20)), (156, 156, 156), tolerance=4)  # type: ignore[arg-type]


def test_webp_and_heic_inputs() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    for fmt in ("WEBP", "HEIF"):
        photo = process_photo(encode(Image.new("RGB", (120, 80), (0, 128, 255)), fmt, quality=80))
        assert (photo.display.width, photo.display.height) == (120, 80), fmt
        assert_no_metadata(photo.display.data)


def srgb_profile(description: str = "sRGB") -> bytes:
    """littlecms's built-in sRGB profile, optionally renamed (same primaries, other description)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    renamed = description.ljust(4)[:4].encode("utf-16-be")
    return profile.replace("sRGB".encode("utf-16-be"), renamed)


@pytest.mark.parametrize(("description", "converted"), [("sRGB", False), ("P3xx", True)])
def test_embedded_profiles_are_applied_then_dropped(
    description: str, converted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = ImageCms.profileToProfile

    def spy(*args: object, **kwargs: object) -> object:
        calls.append("profileToProfile")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ImageCms, "profileToProfile", spy)
    icc = srgb_profile(description)
    data = encode(Image.new("RGB", (40, 40), (50, 100, 150)), "JPEG", icc_profile=icc, quality=95)
    photo = process_photo(data)
    assert bool(calls) is converted
    assert_no_metadata(photo.display.data)
    with Image.open(io.BytesIO(photo.display.data)) as display:
        # Same primaries either way: the colours must come through unchanged.
        assert_close(display.getpixel((20, 20)), (50, 100, 150), tolerance=6)  # type: ignore[arg-type]


def test_draft_scale_choice() -> None:
    spec = DerivativeSpec()
    assert draft_scale(4000, 3000, spec) == 2
    assert draft_scale(4608, 1976, spec) == 2
    assert draft_scale(8000, 6000, spec) == 4
    assert draft_scale(2048, 1536, spec) == 1
    assert draft_scale(30000, 100, spec) == 8


class LoadSpy:
    """Counts calls of ImageFile.load: a bomb must be refused before any pixel buffer exists."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = ImageFile.ImageFile.load

        def spying_load(image: ImageFile.ImageFile) -> object:
            self.calls += 1
            return original(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)


def test_header_claiming_50000_squared_is_a_bomb_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = LoadSpy(monkeypatch)
    with pytest.raises(DecompressionBomb) as caught:
        process_photo(png_header_only(50000, 50000))
    assert spy.calls == 0
    assert caught.value.http_status == 422
    assert "decompression bomb" in caught.value.message


def test_real_highly_compressible_png_is_a_bomb_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = compressible_png(12000, 12000)  # 144 MP: a few tens of kB on disk
    assert len(data) < 200_000
    spy = LoadSpy(monkeypatch)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DecompressionBomb, match=r"144\.0 megapixels"):
        process_photo(data)
    assert spy.calls == 0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: nothing decoded


def test_our_pixel_limit_holds_even_if_pillow_guard_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("media.decode.guard_pillow", lambda max_pixels: None)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(DecompressionBomb, match="200×200"):
        process_photo(encode(Image.new("RGB", (200, 200)), "PNG"), limits=MediaLimits(max_pixels=10_000))


def test_a_configured_pixel_limit_applies() -> None:
    data = encode(Image.new("RGB", (200, 200)), "JPEG")
    with pytest.raises(DecompressionBomb):
        process_photo(data, limits=MediaLimits(max_pixels=39_999))
    assert isinstance(process_photo(data, limits=MediaLimits(max_pixels=40_000)), ProcessedPhoto)


@pytest.mark.parametrize("name", ["DSCN0010.jpg", "HMD_Nokia_8.3_5G.heif"])
def test_truncated_files_are_broken_images(name: str) -> None:
    data = fixture_bytes(name)
    with pytest.raises(BrokenImage) as caught:
        process_photo(data[: len(data) // 2])
    assert caught.value.http_status == 422
    assert "truncated or corrupt" in caught.value.message


def test_garbage_after_a_png_signature_is_broken() -> None:
    with pytest.raises(BrokenImage):
        process_photo(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)


def test_palette_transparency_is_flattened_on_white() -> None:
    image = Image.new("P", (40, 30), 0)
    image.putpalette([0, 0, 0] * 256)
    image.info["transparency"] = 0
    photo = process_photo(encode(image, "PNG", transparency=0))
    with Image.open(io.BytesIO(photo.display.data)) as display:
        assert_close(display.getpixel((20, 15)), (255, 255, 255), tolerance=4)  # type: ignore[arg-type]
