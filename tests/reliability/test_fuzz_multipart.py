"""Hypothesis against the multipart intake: malformed bodies get a 4xx JSON error, never a 5xx, and
leave nothing stored (no report row, no photo row, no stored object)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.photos.models import Photo
from service.reports.models import Report
from service.settings import Settings
from tests.media.photo_factory import fixture_bytes
from tests.support.rolled_back import UserFactory

BOUNDARY = "fuzz-boundary"
JPEG = fixture_bytes("landscape_6.jpg")

field_names = st.sampled_from(
    [
        "id",
        "category",
        "text",
        "lon",
        "lat",
        "datum",
        "accuracy_m",
        "captured_at",
        "photos",
        "",
        "x\x00y",
        "名字",
    ]
)
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from([str(uuid.uuid4()), "0501", "126.55", "43.85", "wgs84", "nan", "1e309", "-0"]),
)
photo_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda cut: JPEG[:cut], st.integers(0, len(JPEG))),
    st.builds(lambda junk: JPEG[:2000] + junk, st.binary(max_size=200)),
)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(field_names)
        if draw(st.booleans()):
            head = f'Content-Disposition: form-data; name="{name}"; filename="{draw(st.text(max_size=12))}"'
            parts.append(
                f"{head}\r\nContent-Type: image/jpeg\r\n\r\n".encode(errors="replace") + draw(photo_bytes)
            )
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(head.encode(errors="replace") + draw(values).encode(errors="replace"))
    body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    if draw(st.booleans()):
        body += b"--" + BOUNDARY.encode() + b"--\r\n"
    cut = draw(st.integers(0, len(body)))
    return body[:cut] if draw(st.booleans()) else body


def test_malformed_multipart_never_breaks_the_intake(
    client: TestClient,
    make_user: UserFactory,
    login: Callable[[User], dict[str, str]],
    db: Session,
    settings: Settings,
) -> None:
    headers = login(make_user(Role.courier))
    media_root = Path(settings.media.root)

    @given(body=multipart_bodies())
    @hypothesis_settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def post(body: bytes) -> None:
        response = client.post(
            "/api/v1/reports",
            content=body,
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        if response.status_code == 201:
            return  # hypothesis may build a valid report; that is fine, and it is stored whole
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
        assert set(response.json()["error"]) == {"code", "message", "details"}

    post()
    reports = int(db.scalar(select(func.count()).select_from(Report)) or 0)
    photos = int(db.scalar(select(func.count()).select_from(Photo)) or 0)
    stored = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
    # Whatever was refused left nothing: every stored object belongs to a stored report.
    assert photos >= reports
    assert len(stored) <= 3 * photos
