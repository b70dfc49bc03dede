"""The ``whistle`` command line against a real database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli


def test_user_create_then_login(cli_database_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "user",
            "create",
            "zhang.weiwei",
            "--role",
            "grid_worker",
            "--password",
            "changjiang-2023",
            "--display-name",
            "张伟伟",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "created grid_worker zhang.weiwei" in result.output

    from service.app import create_app

    with TestClient(create_app()) as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": "zhang.weiwei", "password": "changjiang-2023"}
        )
        assert response.status_code == 200
        assert response.json()["user"]["display_name"] == "张伟伟"


def test_user_create_refuses_unknown_role_and_duplicates(cli_database_url: str) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["user", "create", "x", "--role", "mayor", "--password", "12345678"])
    assert bad.exit_code == 1 and "unknown role" in bad.output
    ok = runner.invoke(cli, ["user", "create", "dup", "--role", "courier", "--password", "12345678"])
    assert ok.exit_code == 0
    again = runner.invoke(cli, ["user", "create", "dup", "--role", "courier", "--password", "12345678"])
    assert again.exit_code == 1 and "taken" in again.output


def test_user_create_binds_a_supervisor_to_its_office(cli_database_url: str) -> None:
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "user",
            "create",
            "tongzhan",
            "--role",
            "supervisor",
            "--office",
            "cy-tongzhan",
            "--password",
            "12345678",
        ],
    )
    assert made.exit_code == 0, made.output
    assert "created supervisor tongzhan" in made.output
    unbound = runner.invoke(
        cli, ["user", "create", "loose", "--role", "supervisor", "--password", "12345678"]
    )
    assert unbound.exit_code == 1 and "督办单位" in unbound.output
    unknown = runner.invoke(
        cli,
        ["user", "create", "lost", "--role", "supervisor", "--office", "nowhere", "--password", "12345678"],
    )
    assert unknown.exit_code == 1 and "nowhere" in unknown.output
    wrong = runner.invoke(
        cli,
        [
            "user",
            "create",
            "desk",
            "--role",
            "dispatcher",
            "--office",
            "cy-tongzhan",
            "--password",
            "12345678",
        ],
    )
    assert wrong.exit_code == 1 and "supervisor" in wrong.output


def test_db_ensure_and_upgrade_are_idempotent(cli_database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "ensure"]).output.strip() == "the database exists"
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "head" in upgraded.output


def test_user_create_gives_a_dispatcher_a_division(cli_database_url: str) -> None:
    runner = CliRunner()
    args = ["user", "create", "desheng.cmd", "--role", "dispatcher", "--password", "12345678"]
    made = runner.invoke(cli, [*args, "--division", "220204001000"])
    assert made.exit_code == 0, made.output
    nowhere = runner.invoke(cli, ["user", "create", "x.cmd", "--role", "dispatcher", "--password", "12345678",
                                  "--division", "220204999000"])  # fmt: skip
    assert nowhere.exit_code == 1 and "220204999000" in nowhere.output
