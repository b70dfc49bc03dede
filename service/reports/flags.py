"""Integrity flags: what a dispatcher should look at twice before trusting (and paying points for) a report.

Flags never refuse a report: a grid worker with a stale phone clock or poor GPS still reports a real
hazard. They are stored with the report (`reports.flags`, codes; `reports.flag_notes`, the message
with the numbers) and returned to the reporter and the command center.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from service.reports.location import ChosenLocation
from service.settings import ReportsSettings

PHOTO_REUSED = "photo_reused"
EXIF_TIME_OLD = "exif_time_old"
EXIF_FAR_FROM_DEVICE = "exif_far_from_device"
LOW_ACCURACY = "low_accuracy"
UNROUTED = "unrouted"

FLAG_CODES = (PHOTO_REUSED, EXIF_TIME_OLD, EXIF_FAR_FROM_DEVICE, LOW_ACCURACY, UNROUTED)


def integrity_flags(
    *,
    location: ChosenLocation,
    photo_times_utc: Sequence[datetime | None],
    report_time: datetime,
    reused_photos: int,
    routing_status: str,
    settings: ReportsSettings,
) -> dict[str, str]:
    """Flag code → message (Simplified Chinese, shown in the apps), in `FLAG_CODES` order."""
    notes: dict[str, str] = {}
    if reused_photos:
        notes[PHOTO_REUSED] = f"有 {reused_photos} 张照片已在其他上报中使用过"
    ages_h = [(report_time - t).total_seconds() / 3600 for t in photo_times_utc if t is not None]
    if ages_h and max(ages_h) > settings.exif_time_old_hours:
        notes[EXIF_TIME_OLD] = (
            f"照片拍摄时间早于上报时间 {max(ages_h):.0f} 小时（阈值 {settings.exif_time_old_hours:g} 小时）"
        )
    if location.distance_m is not None and location.distance_m > settings.exif_far_from_device_m:
        distance, limit = location.distance_m, settings.exif_far_from_device_m
        notes[EXIF_FAR_FROM_DEVICE] = f"照片位置与手机定位相距 {distance:.0f} 米（阈值 {limit:g} 米）"
    if location.accuracy_m is not None and location.accuracy_m > settings.low_accuracy_m:
        notes[LOW_ACCURACY] = (
            f"定位精度为 {location.accuracy_m:.0f} 米，低于要求（{settings.low_accuracy_m:g} 米以内）"
        )
    if routing_status == "unrouted":
        notes[UNROUTED] = "位置不在任何网格内，需指挥中心人工分派"
    return notes
