"""Two service instances on different ports against one database: the same data, and a report sent to
both at once is processed exactly once. Nothing that matters lives in one process's memory."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.reliability.support import Headers, add_reporter, counts, login, new_fields, upload
from tests.support.live_server import run_server


@pytest.fixture
def two_instances(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    add_reporter(fresh_database_url)
    # One shared media store, as two hosts would share an object store; room for six sends at once (the
    # race under test is in the handler, not at the door: see tests/service/test_overload.py).
    media = {
        "WHISTLE_MEDIA__ROOT": str(tmp_path / "shared-media"),
        "WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS": "8",
    }
    with (
        run_server(
            database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, extra_env=media
        ) as a,
        run_server(
            database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, extra_env=media
        ) as b,
    ):
        yield a, b


def test_a_report_sent_to_both_instances_at_once_is_stored_once(
    two_instances: tuple[str, str], fresh_database_url: str
) -> None:
    a, b = two_instances
    headers: Headers = login(a)  # a token issued by one instance works on the other
    fields = new_fields()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: upload((a, b)[i % 2], headers, fields), range(6)))
    assert {r.status_code for r in answers} <= {201, 409}, [r.text for r in answers]
    # Whoever was refused while the first was running retries, on the other instance, and gets the first answer.
    final = [upload((b, a)[i % 2], headers, fields) for i, r in enumerate(answers) if r.status_code == 409]
    successes = [r for r in answers if r.status_code == 201] + final
    assert all(r.status_code == 201 for r in successes)
    first = successes[0].json()
    assert all(r.json() == first for r in successes)
    assert counts(fresh_database_url) == (1, 1)


def test_both_instances_serve_the_same_data_and_revocation(two_instances: tuple[str, str]) -> None:
    a, b = two_instances
    headers = login(a)
    created = upload(a, headers, new_fields())
    assert created.status_code == 201
    report_id = created.json()["id"]
    from_a = httpx.get(f"{a}/api/v1/reports/{report_id}", headers=headers).json()
    from_b = httpx.get(f"{b}/api/v1/reports/{report_id}", headers=headers).json()
    assert from_a == from_b
    display_url = from_b["photos"][0]["display_url"]
    assert httpx.get(f"{b}{display_url}" if display_url.startswith("/") else display_url).status_code == 200
    # A token revoked through one instance is refused by the other on the very next request.
    assert httpx.post(f"{b}/api/v1/auth/logout", headers=headers).status_code == 204
    assert httpx.get(f"{a}/api/v1/auth/me", headers=headers).status_code == 401
