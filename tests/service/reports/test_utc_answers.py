"""A report's answers (the upload's, the reads', the duplicate hint's) write times in UTC with `Z`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.media.photo_factory import encode, scene
from tests.service.cases.test_utc_answers import Answers
from tests.service.reports.conftest import JILIN_LAT, JILIN_LON, Headers, multipart_files, report_fields


def test_report_answers_write_utc_with_z(client: TestClient, reporter_headers: Headers) -> None:
    answer = Answers(client)
    fields = report_fields(captured_at="2026-11-27T08:30:00+08:00")
    created = answer(
        "POST", "/api/v1/reports", reporter_headers, data=fields, files=multipart_files([encode(scene())])
    )
    answer("GET", f"/api/v1/reports/{created['id']}", reporter_headers)
    answer("GET", "/api/v1/reports/mine", reporter_headers)
    near = {"lon": JILIN_LON, "lat": JILIN_LAT, "category": fields["category"]}
    assert answer("GET", "/api/v1/reports/nearby", reporter_headers, params=near)
    assert answer.count() >= 3
    assert answer.offenders() == []
