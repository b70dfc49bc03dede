"""Integrity flags of a verification (核查): signs that its photos were not taken on site, after the work.

A verification is what closes a case and scores a unit, so the command center should see when the
evidence looks wrong (弄虚作假 costs a unit points, reference/cn-city-management.md). Like a report's
flags (`service.reports.flags`), they never refuse the decision: a phone without GPS in its photos or
with a wrong clock still verifies. They are stored with the task (`verification_tasks.flags`, codes;
`flag_notes`, the message with the numbers) and shown with the task and the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import haversine_m
from service.cases.models import Case
from service.db import refs
from service.photos.pipeline import NewPhoto
from service.photos.service import count_known

PHOTO_REUSED = "photo_reused"
PHOTO_BEFORE_RESULT = "photo_before_result"
PHOTO_FAR_FROM_CASE = "photo_far_from_case"

FLAG_CODES = (PHOTO_REUSED, PHOTO_BEFORE_RESULT, PHOTO_FAR_FROM_CASE)
# Phone clocks are network-set but not exact: a photo a few minutes "before" the result is not a sign.
CLOCK_SLACK = timedelta(minutes=5)


def verification_flags(
    *,
    session: Session,
    case: Case,
    photos: Sequence[NewPhoto],
    far_m: float,
    latest_result_at: datetime | None,
) -> dict[str, str]:
    """Flag code → message (Simplified Chinese, shown in the apps), in `FLAG_CODES` order.

    `latest_result_at` is the latest of the results the photos verify (a joint case's photos must show
    every unit's work, so none may predate the last result)."""
    notes: dict[str, str] = {}
    if not photos:
        return notes
    reused = count_known(session, photos)
    if reused:
        notes[PHOTO_REUSED] = f"有 {reused} 张核查照片与系统中已有照片相同（上报、处置或其他核查照片）"
    taken: list[datetime] = [photo.taken_at for photo in photos if photo.taken_at is not None]
    if latest_result_at is not None and taken and min(taken) < latest_result_at - CLOCK_SLACK:
        minutes = (latest_result_at - min(taken)).total_seconds() / 60
        notes[PHOTO_BEFORE_RESULT] = f"核查照片拍摄时间早于处置反馈 {minutes:.0f} 分钟"
    place = case_position(session, case)
    if place is not None:
        positions = [photo.exif_position for photo in photos]
        distances = [haversine_m(place, p) for p in positions if p is not None]
        if distances and max(distances) > far_m:
            notes[PHOTO_FAR_FROM_CASE] = (
                f"核查照片拍摄位置距案件位置 {max(distances):.0f} 米（阈值 {far_m:g} 米）"
            )
    return notes


def case_position(session: Session, case: Case) -> tuple[float, float] | None:
    r = refs.reports.c
    row = session.execute(select(r.lon, r.lat).where(r.id == case.primary_report_id)).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        return None
    return float(row[0]), float(row[1])
