"""Acceptance (issue 19): photos are prepared on the phone before upload. A prepared photo carries the
original's capture time and GPS (read back from the stored report through the API), the public display
image is never larger than the upload, and the "原图" switch stores the original's very bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from bench.intake_cpu import make_test_jpeg
from media.exif import read_metadata
from service.accounts.models import Role
from service.settings import PROJECT_ROOT
from tests.web.conftest import AccountFactory, BrowserPage
from tests.web.steps import DELIVERY_TIMEOUT_MS, log_in, my_reports, outbox_item, token_of

pytestmark = pytest.mark.browser

HEIF = PROJECT_ROOT / "tests" / "fixtures" / "photos" / "HMD_Nokia_8.3_5G.heif"


def phone_photo(folder: Path) -> Path:
    """A 12 MP phone photo (4000×3000 shown, ~3 MB) stored sideways with EXIF Orientation 6, GPS with
    accuracy, a capture time with offset: everything preparing must keep or apply."""
    original = make_test_jpeg()
    with Image.open(io.BytesIO(original)) as image:
        exif = image.getexif()
        stored = image.transpose(Image.Transpose.ROTATE_90)  # Orientation 6 turns it back upright
    exif[0x0112] = 6
    path = folder / "IMG_20261120_081500.jpg"
    stored.save(path, "JPEG", quality=89, exif=exif)
    return path


def send_report(
    session: BrowserPage, account: tuple[str, str], photo: Path, *, original: bool = False
) -> dict[str, Any]:
    page = session.page
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_selector(".photo-tile img")
    if original:
        page.check("#photo-input-original")
        session.screenshot("app-photo-original-switch-360x640")
    page.click("#category-button")
    page.fill(".picker-search", "游商")
    page.locator(".picker-item").first.click()
    page.fill("#report-text", "占道经营")
    page.click("#submit-report")
    page.wait_for_selector(".outbox-item[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    report_id = outbox_item(session).get_attribute("data-id")
    (report,) = [r for r in my_reports(session.base_url, *account) if r["id"] == report_id]
    return report


def stored_upload(base: str, dispatcher: dict[str, str], photo: dict[str, Any]) -> bytes:
    """The photo as the service stored it (the upload, private: the command center may read it)."""
    response = httpx.get(f"{base}/api/v1/photos/{photo['id']}/original", headers=dispatcher)
    assert response.status_code == 200, response.text
    return response.content


def open_as(session: BrowserPage, live_account: AccountFactory) -> tuple[tuple[str, str], dict[str, str]]:
    """Log a new reporter in; returns their account and a command center user's headers."""
    account = live_account()
    log_in(session, *account)
    return account, token_of(session.base_url, *live_account(Role.dispatcher))


def test_a_prepared_photo_carries_the_originals_time_and_gps_and_travels_small(
    browser_page: BrowserPage, live_account: AccountFactory, tmp_path: Path
) -> None:
    account, dispatcher = open_as(browser_page, live_account)
    path = phone_photo(tmp_path)
    report = send_report(browser_page, account, path)
    (photo,) = report["photos"]
    upload = stored_upload(browser_page.base_url, dispatcher, photo)
    assert hashlib.sha256(upload).hexdigest() == photo["sha256"]
    assert len(upload) * 4 < path.stat().st_size  # a few hundred KB instead of ~3 MB

    before, after = read_metadata(path.read_bytes()), read_metadata(upload)
    assert after.taken_at == before.taken_at and after.taken_at is not None
    assert (after.lat, after.lon) == (before.lat, before.lon) and after.lat is not None
    assert after.horizontal_error_m == before.horizontal_error_m == 8
    # Upright and bounded: the sideways 3000×4000 pixels are shown as 2048×1536, Orientation 1.
    assert (after.orientation, after.width, after.height) == (1, 2048, 1536)
    with Image.open(path) as image, Image.open(io.BytesIO(upload)) as sent:
        expected = np.asarray(image.transpose(Image.Transpose.ROTATE_270).resize((64, 48)), dtype=float)
        got = np.asarray(sent.convert("RGB").resize((64, 48)), dtype=float)
    assert np.abs(expected - got).mean() < 8
    # The service read the capture time from the prepared photo: it is more than 24 h old.
    assert "exif_time_old" in {flag["code"] for flag in report["flags"]}

    display = httpx.get(f"{browser_page.base_url}{photo['display_url']}")
    assert display.status_code == 200
    assert len(display.content) <= len(upload)
    with Image.open(io.BytesIO(display.content)) as shown:
        assert shown.size == (2048, 1536) and not shown.getexif()


def test_the_original_switch_stores_the_originals_bytes(
    browser_page: BrowserPage, live_account: AccountFactory, tmp_path: Path
) -> None:
    account, dispatcher = open_as(browser_page, live_account)
    path = phone_photo(tmp_path)
    report = send_report(browser_page, account, path, original=True)
    (photo,) = report["photos"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert photo["sha256"] == digest
    assert hashlib.sha256(stored_upload(browser_page.base_url, dispatcher, photo)).hexdigest() == digest


def test_a_heic_the_browser_cannot_decode_is_sent_as_is(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    account, dispatcher = open_as(browser_page, live_account)
    report = send_report(browser_page, account, HEIF)
    (photo,) = report["photos"]
    upload = stored_upload(browser_page.base_url, dispatcher, photo)
    if upload[4:8] == b"ftyp":  # no HEIC decoder in the browser (Debian's Chromium): the file as is
        assert upload == HEIF.read_bytes()
    else:  # a browser that decodes HEIC prepares it like any photo, its EXIF kept
        original = read_metadata(HEIF.read_bytes())
        assert (read_metadata(upload).lat, read_metadata(upload).lon) == (original.lat, original.lon)
