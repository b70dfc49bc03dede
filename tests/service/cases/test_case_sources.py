"""Where a case comes from: derived from the report at filing (its channel and its reporter's role), given
by the migration to the cases that existed before, shown in every answer and filterable."""

from __future__ import annotations

import uuid
from typing import get_args

from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service.cases.models import HAND_MADE_SOURCES, SOURCES
from service.cases.schemas import CaseSource
from service.cases.sources import source_of
from service.db.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from service.open311.keys import create_key
from service.settings import Settings
from tests.service.cases.conftest import SIGNBOARD, Auth, City, ReportFactory, insert_report
from tests.support.cases import make_case


def file(client: TestClient, auth: Auth, city: City, report_id: uuid.UUID) -> dict[str, object]:
    answer = client.post(
        f"/api/v1/console/triage/{report_id}/file", headers=auth(city.users["dispatcher"]), json={}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_the_source_follows_the_reporter(
    client: TestClient, auth: Auth, city: City, make_report: ReportFactory
) -> None:
    by_worker = file(client, auth, city, make_report(reporter=city.users["desheng_worker"]))
    by_courier = file(client, auth, city, make_report(reporter=city.users["courier"]))
    by_team = file(client, auth, city, make_report(reporter=city.users["desheng_team"]))
    assert (by_worker["source"], by_courier["source"], by_team["source"]) == (
        "grid_worker",
        "courier",
        "inspection",
    )
    assert by_worker["source_ref"] is None and by_worker["supervision"] is None
    desk = auth(city.users["dispatcher"])
    detail = client.get(f"/api/v1/console/cases/{by_courier['id']}", headers=desk).json()
    assert detail["case"]["source"] == "courier"
    (filed,) = [e for e in detail["events"] if e["action"] == "file"]
    assert filed["detail"]["source"] == "courier"
    # A voided report's case keeps its source too.
    voided = client.post(
        f"/api/v1/console/triage/{make_report(reporter=city.users['courier'])}/void",
        headers=desk,
        json={"reason": "不属实"},
    )
    assert voided.json()["source"] == "courier"

    couriers = client.get("/api/v1/console/cases?source=courier&limit=500", headers=desk).json()
    ids = {c["id"] for c in couriers}
    assert by_courier["id"] in ids and by_worker["id"] not in ids
    assert all(c["source"] == "courier" for c in couriers)
    assert client.get("/api/v1/console/cases?source=phone", headers=desk).status_code == 422


def test_an_open311_request_becomes_an_open311_case(
    client: TestClient, db: Session, auth: Auth, city: City, settings: Settings
) -> None:
    key = create_key(
        session=db, name=f"partner-{uuid.uuid4().hex[:6]}", secret_key=settings.security.secret_key
    )
    db.commit()
    posted = client.post(
        "/open311/v2/requests.json",
        data={"api_key": key.key, "service_code": SIGNBOARD, "lat": "43.8371", "long": "126.5402"},
    )
    assert posted.status_code == 201, posted.text
    report_id = uuid.UUID(posted.json()[0]["service_request_id"])
    assert db.scalar(text("SELECT channel FROM reports WHERE id = :id"), {"id": report_id}) == "open311"
    assert file(client, auth, city, report_id)["source"] == "open311"


def test_the_rule_and_the_lists_of_sources_agree() -> None:
    assert get_args(CaseSource) == SOURCES
    assert set(HAND_MADE_SOURCES) < set(SOURCES)
    assert source_of("open311", "courier") == "open311"
    assert source_of("app", "courier") == "courier"
    assert source_of("app", "street_team") == "inspection"
    assert source_of("app", "admin") == "grid_worker"


def test_the_migration_gives_the_cases_before_it_their_source(fresh_database_url: str) -> None:
    """Downgraded to the revision before sources, cases are made as they were; upgraded, each has the
    source its report says."""
    url = fresh_database_url
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("0014_case_sources").down_revision
    assert isinstance(before, str)
    command.downgrade(alembic_config(url), before)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            people = {}
            for role in ("grid_worker", "courier", "street_team"):
                people[role] = uuid.uuid4()
                session.execute(
                    text(
                        "INSERT INTO users (id, username, display_name, role, password_hash, is_active) "
                        "VALUES (:id, :u, :u, :role, 'x', true)"
                    ),
                    {"id": people[role], "u": f"m-{role}-{uuid.uuid4().hex[:6]}", "role": role},
                )
            key_id = uuid.uuid4()
            session.execute(
                text("INSERT INTO open311_keys (id, name, key_hash, user_id) VALUES (:id, 'm', :h, :u)"),
                {"id": key_id, "h": uuid.uuid4().bytes * 2, "u": people["grid_worker"]},
            )
            made = {}
            for name, role in [(r, r) for r in people] + [("open311", "grid_worker")]:
                report_id = insert_report(session, reporter=_Stub(people[role]), category="0101")  # type: ignore[arg-type]
                if name == "open311":
                    session.execute(
                        text("INSERT INTO open311_requests (token, report_id, key_id) VALUES (:t, :r, :k)"),
                        {"t": uuid.uuid4().hex, "r": report_id, "k": key_id},
                    )
                made[name] = make_case(session, report_id)
            session.commit()
        upgrade(url)
        with engine.connect() as connection:
            found: dict[uuid.UUID, str] = dict(
                connection.execute(
                    text("SELECT id, source FROM cases WHERE id = ANY(:ids)"), {"ids": list(made.values())}
                ).all()
            )
            channels: dict[str, int] = dict(
                connection.execute(text("SELECT channel, count(*) FROM reports GROUP BY 1")).all()
            )
        assert {name: found[case_id] for name, case_id in made.items()} == {
            "grid_worker": "grid_worker",
            "courier": "courier",
            "street_team": "inspection",
            "open311": "open311",
        }
        assert channels.get("open311") == 1
    finally:
        engine.dispose()


class _Stub:
    """A reporter as `insert_report` reads it (its id), for a schema older than the models."""

    def __init__(self, user_id: uuid.UUID) -> None:
        self.id = user_id
