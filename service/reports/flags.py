"""Integrity flags: what a dispatcher should look at twice before trusting (and paying points for) a report.

Flags never refuse a report: a grid worker with a stale phone clock or poor GPS still reports a real
hazard. They are stored with the report (`reports.flags`, codes; `reports.flag_notes`, the message
with the numbers) and returned to the reporter and the command center.

| code | raised when (threshold, `WHISTLE_REPORTS__…`) |
|---|---|
| `photo_reused` | a photo's bytes, or a near copy (`media.perceptual.NEAR_COPY_MAX_BITS`), are in Whistle |
| `exif_time_old` | the oldest photo time (capture, else EXIF DateTime) is old (`EXIF_TIME_OLD_HOURS`) |
| `exif_far_from_device` | the photo's GPS is far from the device fix (`EXIF_FAR_FROM_DEVICE_M`) |
| `exif_positions_disagree` | without a fix, two photos' GPS are far apart (`EXIF_FAR_FROM_DEVICE_M`) |
| `low_accuracy` | the device fix is imprecise (`LOW_ACCURACY_M`) |
| `unrouted` | no grid takes the position (not even within the router's snap tolerance) |
| `outside_city` | no district outline valid now covers the position (on the river is not outside) |
| `near_duplicate` | an open report of its category is near in space and time (`NEAR_DUPLICATE_M`, `…HOURS`) |
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.photos.pipeline import PhotoTime
from service.reports.location import ChosenLocation
from service.settings import ReportsSettings

PHOTO_REUSED = "photo_reused"
EXIF_TIME_OLD = "exif_time_old"
EXIF_FAR_FROM_DEVICE = "exif_far_from_device"
EXIF_POSITIONS_DISAGREE = "exif_positions_disagree"
LOW_ACCURACY = "low_accuracy"
UNROUTED = "unrouted"
OUTSIDE_CITY = "outside_city"
NEAR_DUPLICATE = "near_duplicate"

FLAG_CODES = (
    PHOTO_REUSED,
    EXIF_TIME_OLD,
    EXIF_FAR_FROM_DEVICE,
    EXIF_POSITIONS_DISAGREE,
    LOW_ACCURACY,
    UNROUTED,
    OUTSIDE_CITY,
    NEAR_DUPLICATE,
)


@dataclass(frozen=True, slots=True)
class OutsideCity:
    """The position lies outside every district outline valid now; how far from the nearest, if known."""

    distance_m: float | None


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """The nearest open report of the same category within the near-duplicate window."""

    report_id: uuid.UUID
    distance_m: float
    age: timedelta


def integrity_flags(
    *,
    location: ChosenLocation,
    photo_times: Sequence[PhotoTime | None],
    report_time: datetime,
    reused_photos: int,
    routing_status: str,
    settings: ReportsSettings,
    outside_city: OutsideCity | None = None,
    duplicate: PossibleDuplicate | None = None,
) -> dict[str, str]:
    """Flag code → message (Simplified Chinese, shown in the apps), in `FLAG_CODES` order."""
    notes: dict[str, str] = {}
    if reused_photos:
        notes[PHOTO_REUSED] = f"有 {reused_photos} 张照片已在其他上报中使用过"
    oldest = min((t for t in photo_times if t is not None), key=lambda t: t.at, default=None)
    if oldest is not None:
        age_h = (report_time - oldest.at).total_seconds() / 3600
        if age_h > settings.exif_time_old_hours:
            which = "照片拍摄时间（EXIF 修改时间）" if oldest.modified else "照片拍摄时间"
            limit_h = settings.exif_time_old_hours
            notes[EXIF_TIME_OLD] = f"{which}早于上报时间 {age_h:.0f} 小时（阈值 {limit_h:g} 小时）"
    limit_m = settings.exif_far_from_device_m
    if location.distance_m is not None and location.distance_m > limit_m:
        notes[EXIF_FAR_FROM_DEVICE] = (
            f"照片位置与手机定位相距 {location.distance_m:.0f} 米（阈值 {limit_m:g} 米）"
        )
    spread = location.exif_spread_m
    if location.source == "exif" and spread is not None and spread > limit_m:
        notes[EXIF_POSITIONS_DISAGREE] = f"照片之间的拍摄位置相距 {spread:.0f} 米（阈值 {limit_m:g} 米）"
    if location.accuracy_m is not None and location.accuracy_m > settings.low_accuracy_m:
        notes[LOW_ACCURACY] = (
            f"定位精度为 {location.accuracy_m:.0f} 米，低于要求（{settings.low_accuracy_m:g} 米以内）"
        )
    if routing_status == "unrouted":
        notes[UNROUTED] = "位置不在任何网格内，需指挥中心人工分派"
    if outside_city is not None:
        notes[OUTSIDE_CITY] = "位置不在本市范围内" + (
            f"（距本市边界 {_distance(outside_city.distance_m)}）" if outside_city.distance_m else ""
        )
    if duplicate is not None:
        where = f"{duplicate.distance_m:.0f} 米外 {_ago(duplicate.age)}"
        notes[NEAR_DUPLICATE] = f"与 {where}的上报 {duplicate.report_id} 可能是同一问题"
    return notes


def _distance(metres: float) -> str:
    return f"{metres:.0f} 米" if metres < 10_000 else f"{metres / 1000:.0f} 公里"


def _ago(age: timedelta) -> str:
    minutes = max(0, round(age.total_seconds() / 60))
    return f"{minutes} 分钟前" if minutes < 60 else f"{minutes // 60} 小时前"
