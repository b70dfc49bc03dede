"""Acceptance (issue 19): a photo prepared on the phone (resized, upright, the original's EXIF carried
over by the app's own `exif.js`) says what its original says, and the integrity flags and EXIF positions
come out the same for both forms of every test photo (tests/fixtures/photos and the shared set)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from media.exif import read_metadata
from tests.media.phone_prepare import photo_files, prepare_like_phone
from tests.service.reports.conftest import OTHER_CATEGORY, Headers, post_report

PHOTOS = photo_files()
IDS = [f"{path.parent.parent.parent.name}/{path.name}" for path in PHOTOS]
SIZE_FIELDS = ("width", "height", "display_width", "display_height", "orientation")


@functools.cache
def prepared(path: Path) -> tuple[bytes, bytes]:
    """The original and its prepared form; small photos are prepared to half their size, so that every
    photo really is re-encoded (the app would send a photo within the bound as is)."""
    original = path.read_bytes()
    meta = read_metadata(original)
    edge = min(2048, max(meta.display_width, meta.display_height) // 2)
    return original, prepare_like_phone(original, max_edge=edge)


@pytest.mark.parametrize("path", PHOTOS, ids=IDS)
def test_a_prepared_photo_says_what_its_original_says(path: Path) -> None:
    original, small = prepared(path)
    before, after = read_metadata(original), read_metadata(small)
    assert after.orientation == 1
    assert after.display_width < before.display_width and after.display_height < before.display_height
    assert (after.display_width > after.display_height) == (before.display_width > before.display_height)
    keep = {name: None for name in SIZE_FIELDS}
    assert dataclasses.replace(after, **keep) == dataclasses.replace(before, **keep)  # type: ignore[arg-type]
    assert len(small) < len(original)


def outcome(response: Any) -> dict[str, Any]:
    """What a user of the report sees of its photos' facts: status, flags (but `photo_reused`: the
    second form is a copy of the first by design), where it was placed and from what."""
    body = response.json()
    if response.status_code != 201:
        return {"status": response.status_code, "code": body["error"]["code"]}
    return {
        "status": 201,
        "flags": {f["code"]: f["message"] for f in body["flags"] if f["code"] != "photo_reused"},
        "location": {k: body["location"][k] for k in ("source", "lon", "lat")},
        "routing": body["routing"]["status"],
    }


@pytest.mark.parametrize("path", PHOTOS, ids=IDS)
@pytest.mark.parametrize(
    "fix",
    [
        pytest.param({}, id="device-fix-in-jilin"),
        pytest.param({"lon": None, "lat": None, "accuracy_m": None}, id="no-device-fix"),
        pytest.param({"captured_at": None}, id="no-capture-time"),
    ],
)
def test_flags_and_exif_positions_are_the_same_for_both_forms(
    client: TestClient, reporter_headers: Headers, path: Path, fix: dict[str, Any]
) -> None:
    original, small = prepared(path)
    first = post_report(client, reporter_headers, [original], **fix)
    # Another category: the second report must not be the first one's near duplicate.
    second = post_report(client, reporter_headers, [small], category=OTHER_CATEGORY, **fix)
    assert outcome(second) == outcome(first)
    if path.name.startswith("HMD_Nokia") and fix.get("lon", 1) is not None:
        # Not trivially equal: the photo's GPS (Finland, Spain), far from the fix in Jilin, is seen.
        assert "exif_far_from_device" in outcome(second)["flags"]
    if first.status_code == 201:
        assert "photo_reused" in {f["code"] for f in second.json()["flags"]}  # a copy is still known
