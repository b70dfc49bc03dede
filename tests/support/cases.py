"""Putting a stored report in a case state directly (tests of what other interfaces show of it)."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session


def make_case(db: Session, report_id: uuid.UUID, state: str = "filed") -> uuid.UUID:
    """A case in `state` for the report (as if the command center had acted on it); returns its id."""
    case_id = uuid.uuid4()
    db.execute(
        text(
            "INSERT INTO cases (id, state, category_code, primary_report_id, district_code, street_code, "
            "community_code, grid_code, note, created_at, updated_at, filed_at) "
            "SELECT :case_id, :state, category_code, id, district_code, street_code, community_code, grid_code, "
            "'', now(), now(), now() FROM reports WHERE id = :id"
        ),
        {"case_id": case_id, "state": state, "id": report_id},
    )
    db.execute(text("UPDATE reports SET case_id = :c WHERE id = :r"), {"c": case_id, "r": report_id})
    db.flush()
    return case_id
