"""The report upload's text fields are a strict form: a field the intake does not take is refused (422,
named) before anything is stored — also when it is empty. The reporter app's own fields pass."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.settings import Settings
from tests.media.photo_factory import encode, scene
from tests.service.reports.conftest import Headers, post_report, report_fields
from tests.service.reports.test_refusals import assert_error, assert_nothing_stored

# What web/src/app/sync.js sends: the report id and the outbox record's fields (report-view.js).
APP_FIELDS = {"id", "category", "text", "lon", "lat", "datum", "accuracy_m", "captured_at"}


def test_an_unknown_field_is_refused_and_named(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    for value in ("2026-11-28T08:00:00+08:00", ""):
        data = {**report_fields(), "check_in_deadline": value}
        response = post_report(client, reporter_headers, [encode(scene())], data=data)
        assert_error(response, 422, "invalid", "check_in_deadline: Extra inputs are not permitted")
        assert_nothing_stored(db, settings)


def test_the_reporter_apps_fields_are_taken(client: TestClient, reporter_headers: Headers) -> None:
    data = report_fields()
    assert set(data) == APP_FIELDS
    response = post_report(client, reporter_headers, [encode(scene())], data=data)
    assert response.status_code == 201, response.text
