"""README says what the code does: each number it gives for a setting is the setting's default (change
one, and this test names the sentence to change with it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.ogc.service import MAX_LIMIT
from service.settings import (
    CasesSettings,
    MediaSettings,
    OutboundSettings,
    PublicMapSettings,
    ReportsSettings,
    RouterSettings,
    WebSettings,
)

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
MIB = 1024 * 1024
media, reports, cases, router, publicmap, outbound = (
    MediaSettings(),
    ReportsSettings(),
    CasesSettings(),
    RouterSettings(),
    PublicMapSettings(),
    OutboundSettings(),
)

# (what README says, with the number as a group) → the default it must equal.
FACTS: list[tuple[str, float]] = [
    (r"1–(\d+) photos per report", media.max_photos),
    (r"(\d+) MiB per photo", media.max_file_bytes / MIB),
    (r"(\d+) MiB per report", media.max_total_bytes / MIB),
    (r"(\d+) megapixels\s+per photo", media.max_pixels / 1_000_000),
    (r"`WHISTLE_MEDIA__ORPHAN_GRACE_S` \((\d+) day", media.orphan_grace_s / 86400),
    (r"at most \*\*(\d+) photo uploads at\s+once\*\*", media.max_concurrent_uploads),
    (r"a claim older than (\d+) s \(`WHISTLE_REPORTS__IN_FLIGHT_TIMEOUT_S`\)", reports.in_flight_timeout_s),
    (r"Keys are kept \*\*(\d+) days\*\*", reports.idempotency_retention_days),
    (r"more than\s+(\d+) h before the report", reports.exif_time_old_hours),
    (r"more than (\d+) m from the device fix", reports.exif_far_from_device_m),
    (r"`low_accuracy`: the device fix is worse than (\d+) m", reports.low_accuracy_m),
    (
        r"within (\d+) m filed in the last \d+ h \(`WHISTLE_REPORTS__NEAR_DUPLICATE_M`",
        reports.near_duplicate_m,
    ),
    (
        r"within \d+ m filed in the last (\d+) h \(`WHISTLE_REPORTS__NEAR_DUPLICATE_M`",
        reports.near_duplicate_hours,
    ),
    (r"`WHISTLE_ROUTER__SNAP_TOLERANCE_M`, default \*\*(\d+) m\*\*", router.snap_tolerance_m),
    (r"`WHISTLE_CASES__VERIFICATION_MIN_PHOTOS`, default (\d+)", cases.verification_min_photos),
    (r"`WHISTLE_CASES__VERIFICATION_FAR_M`, default (\d+) m", cases.verification_far_m),
    (r"cells about (\d+) m wide \(`WHISTLE_PUBLICMAP__COARSEN_M`\)", publicmap.coarsen_m),
    (r"declared maximum (\d+); larger is served as \d+", MAX_LIMIT),
    (r"every (\d+) s \(`WHISTLE_OUTBOUND__POLL_INTERVAL_S`\)", outbound.poll_interval_s),
    (r"every (\d+) s\s+\(`WHISTLE_OUTBOUND__SCAN_INTERVAL_S`", outbound.scan_interval_s),
    (r"within (\d+) s \(`WHISTLE_OUTBOUND__TOTAL_TIMEOUT_S`", outbound.total_timeout_s),
    (r"connecting within (\d+) s", outbound.connect_timeout_s),
    (r"(\d+) attempts\s+\(`WHISTLE_OUTBOUND__MAX_ATTEMPTS`\)", outbound.max_attempts),
    (r"long edge of (\d+) px\s+\(`WHISTLE_WEB__PHOTO_MAX_EDGE_PX`\)", WebSettings().photo_max_edge_px),
    (r"JPEG quality ([\d.]+) \(`WHISTLE_WEB__PHOTO_QUALITY`", WebSettings().photo_quality),
]


@pytest.mark.parametrize(("pattern", "default"), FACTS, ids=[p for p, _ in FACTS])
def test_readme_gives_the_defaults(pattern: str, default: float) -> None:
    found = re.findall(pattern, README)
    assert found, f"README no longer says {pattern!r}: say it again, with the default {default:g}"
    for number in found:
        assert float(number) == float(default), f"README says {number} where the default is {default:g}"


def test_readme_names_the_setting_of_every_threshold() -> None:
    for name in (
        "WHISTLE_REPORTS__EXIF_TIME_OLD_HOURS",
        "WHISTLE_REPORTS__IDEMPOTENCY_RETENTION_DAYS",
        "WHISTLE_REPORTS__IN_FLIGHT_TIMEOUT_S",
        "WHISTLE_ROUTER__SNAP_TOLERANCE_M",
        "WHISTLE_PUBLICMAP__COARSEN_M",
        "WHISTLE_SECURITY__CORS_ORIGINS",
        "WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS",
    ):
        assert name in README, name


def test_readme_gives_the_whistle_limit_maxima() -> None:
    from service.cases.deadlines import WHISTLE_LIMIT_MAXIMA, LimitUnit

    said = re.search(
        r"at most (\d+) urgent hours, (\d+) work hours, (\d+) work days or (\d+) natural days", README
    )
    assert said, "README no longer gives the maxima of limits set by hand"
    units = (LimitUnit.URGENT_HOURS, LimitUnit.WORK_HOURS, LimitUnit.WORK_DAYS, LimitUnit.NATURAL_DAYS)
    assert [int(n) for n in said.groups()] == [int(WHISTLE_LIMIT_MAXIMA[u]) for u in units]


def test_readme_gives_the_webhook_retry_schedule() -> None:
    from service.outbound.delivery import JITTER, SCHEDULE

    match = re.search(r"is tried again after ((?:\d+ (?:s|min|h),?\s+)+)\(each plus up to (\d+) %", README)
    assert match, "README no longer gives the webhook retry schedule"
    seconds = {"s": 1, "min": 60, "h": 3600}
    said = [int(n) * seconds[unit] for n, unit in re.findall(r"(\d+) (s|min|h)", match[1])]
    assert said == [int(step.total_seconds()) for step in SCHEDULE]
    assert int(match[2]) == round(JITTER * 100)
