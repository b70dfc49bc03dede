"""Settings are grouped by concern, read from WHISTLE_* variables, and refuse default secrets in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.settings import DEFAULT_SECRET, load_settings


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHISTLE_ENV", "production")
    monkeypatch.delenv("WHISTLE_SECURITY__SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY still has its default value"):
        load_settings()


def test_test_environment_refuses_the_default_secret_too() -> None:
    with pytest.raises(ValidationError, match="default value"):
        load_settings(env="test", security={"secret_key": DEFAULT_SECRET})


def test_development_accepts_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHISTLE_ENV", raising=False)
    assert load_settings().security.secret_key == DEFAULT_SECRET


def test_nested_variables_and_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHISTLE_ENV", "production")
    monkeypatch.setenv("WHISTLE_SECURITY__SECRET_KEY", "s" * 40)
    monkeypatch.setenv("WHISTLE_MEDIA__MAX_PHOTOS", "5")
    monkeypatch.delenv("WHISTLE_DATABASE__URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example:5432/city")
    settings = load_settings()
    assert settings.media.max_photos == 5
    assert settings.database.url == "postgresql+psycopg://u@db.example:5432/city"


def test_whistle_database_url_wins_over_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHISTLE_DATABASE__URL", "postgresql://a@h/one")
    monkeypatch.setenv("DATABASE_URL", "postgresql://b@h/two")
    assert load_settings().database.url == "postgresql+psycopg://a@h/one"
