"""A unit's result photos and a grid worker's verification photos come through the same bounded reader
as a report's: a 70 MB body to either endpoint is refused (413) over a real socket without being read
whole, and nothing of it is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import User
from service.cases import service as cases
from service.photos.models import Photo
from service.settings import SecuritySettings
from tests.conftest import TEST_SECRET
from tests.service.cases.conftest import SIGNBOARD, insert_report, make_people, seed_geography
from tests.support.live_server import run_server
from tests.support.raw_http import raw_request, read_status, send_chunked_photo_until_answered

SEVENTY_MB = 70 * 1024 * 1024
BOUNDARY = "whistle-bounds"


def _header(session: Session, user: User) -> str:
    token = accounts.issue_token(
        session=session, user=user, settings=SecuritySettings(secret_key=TEST_SECRET)
    )
    return f"Authorization: Bearer {token.token}"


@pytest.mark.slow
def test_seventy_megabytes_to_a_result_or_a_verification_is_refused_before_it_is_read(
    fresh_database_url: str, fresh_session: Session, tmp_path: Path
) -> None:
    db = fresh_session
    units = seed_geography(db)
    people = make_people(db, units)
    report_id = insert_report(db, reporter=people["desheng_worker"], category=SIGNBOARD)
    case = cases.file_report(session=db, report_id=report_id, by=people["dispatcher"])
    market, police = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[units["market"], units["police"]], by=people["dispatcher"]
    )
    cases.check_in(session=db, dispatch_id=police.id, user=people["police"])
    cases.submit_result(session=db, dispatch_id=police.id, user=people["police"], note="已处置")
    cases.check_in(session=db, dispatch_id=market.id, user=people["market"])
    targets = [
        (f"/api/v1/department/dispatches/{market.id}/result", _header(db, people["market"])),
        (f"/api/v1/verification/dispatches/{police.id}/pass", _header(db, people["desheng_worker"])),
        (f"/api/v1/verification/dispatches/{police.id}/fail", _header(db, people["desheng_worker"])),
    ]
    db.commit()

    with run_server(database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET) as base:
        for path, auth in targets:
            # Declared 70 MB: the answer comes from the headers alone, before a body byte is sent.
            sock, head = raw_request(
                base,
                [
                    f"POST {path} HTTP/1.1",
                    auth,
                    f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
                    f"Content-Length: {SEVENTY_MB}",
                ],
            )
            with sock:
                sock.sendall(head)
                status, answer = read_status(sock)
            assert status == 413 and b"too_large" in answer, (path, answer)

            # Chunked, no length: cut at the first byte over the per-photo limit (25 MiB), not at 70 MB.
            status, answer, sent = send_chunked_photo_until_answered(base, path, [auth], BOUNDARY)
            assert status == 413 and b"too_large" in answer, (path, answer)
            assert sent < 40 * 1024 * 1024, f"{path}: the client sent {sent} bytes before the refusal"

    # Nothing was stored and nothing moved on.
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Photo)) == 0
    db.refresh(market)
    db.refresh(police)
    # The police's result waits for the market regulator's: one verification covers the joint case.
    assert (market.state, police.state) == ("checked_in", "handled")
