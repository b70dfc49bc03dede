"""A report-in on site (报到) as the field app sends it: the phone's position and a photo taken there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
# Beside the test city's 德胜 case position (tests/service/cases/conftest.py DESHENG_POINT).
NEAR_DESHENG = (126.5403, 43.8372)


def on_site(
    point: tuple[float, float] | None = NEAR_DESHENG,
    *,
    photo: str = "landscape_6.jpg",
    note: str = "",
    accuracy_m: float = 8.0,
    position_error: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments (`data=`, `files=`) of the multipart check-in for httpx or a TestClient.

    `point=None` sends the phone's failure (`position_error`, default `denied`) instead of a position."""
    data = {"note": note}
    if point is None:
        data["position_error"] = position_error or "denied"
    else:
        data |= {"lon": repr(point[0]), "lat": repr(point[1]), "accuracy_m": repr(accuracy_m)}
    files = [("photos", (photo, (PHOTOS / photo).read_bytes(), "image/jpeg"))]
    return {"data": data, "files": files}
