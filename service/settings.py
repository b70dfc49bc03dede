"""Settings, grouped by concern, read from the environment with the prefix ``WHISTLE_``.

Nested groups use a double underscore: ``WHISTLE_DATABASE__URL``, ``WHISTLE_SECURITY__SECRET_KEY``.
``DATABASE_URL`` is honoured as well, because that is what hosting platforms and Docker images set.
Outside development and test, the service refuses to start with the default secret.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.cases.config import CasesSettings
from service.reports.config import ReportsSettings

DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - the value refused outside development
PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["development", "test", "production"]


def normalise_database_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form and pin SQLAlchemy to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DatabaseSettings(BaseModel):
    url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/whistle"
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout_s: float = Field(3.0, description="Wait this long for a pooled connection, then answer 503.")
    statement_timeout_ms: int = Field(15_000, description="Server-side cap on any single statement.")
    connect_timeout_s: int = 5


class SecuritySettings(BaseModel):
    secret_key: str = DEFAULT_SECRET
    token_ttl_hours: int = Field(24 * 30, description="Phones stay logged in for a month unless revoked.")
    login_failures_before_throttle: int = 5
    login_throttle_window_s: int = 300


class MediaSettings(BaseModel):
    root: Path = PROJECT_ROOT / ".whistle" / "media"
    backend: Literal["filesystem", "s3"] = "filesystem"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "whistle-media"
    s3_region: str = "us-east-1"
    max_file_bytes: int = 25 * 1024 * 1024
    max_total_bytes: int = 60 * 1024 * 1024
    max_pixels: int = 100_000_000
    max_photos: int = 9
    orphan_grace_s: int = 24 * 3600


class RouterSettings(BaseModel):
    snap_tolerance_m: float = 50.0
    warm_on_start: bool = Field(
        True,
        description="Build the current router in a background thread at start-up, so the first report "
        "after a deploy does not wait for it.",
    )


class WebSettings(BaseModel):
    """The built web apps and their maps. No outside base map by default: the maps draw our own layers."""

    static_dir: Path = PROJECT_ROOT / "service" / "web" / "static"
    basemap_url: str | None = Field(
        None,
        description="XYZ tile URL template ({z}/{x}/{y}) of an outside base map, e.g. Tianditu's vec_w with "
        "its tk key. It must be Web Mercator in WGS-84/CGCS2000: GCJ-02 tiles (AutoNavi, Tencent) would "
        "put every report about 500 m off.",
    )
    basemap_attribution: str = ""
    basemap_max_zoom: int = 18


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHISTLE_", env_nested_delimiter="__", extra="ignore")

    env: Environment = "development"
    database: DatabaseSettings = DatabaseSettings()
    security: SecuritySettings = SecuritySettings()
    media: MediaSettings = MediaSettings()
    router: RouterSettings = RouterSettings()
    server: ServerSettings = ServerSettings()
    web: WebSettings = WebSettings()
    reports: ReportsSettings = ReportsSettings()
    cases: CasesSettings = CasesSettings()

    @model_validator(mode="after")
    def _check(self) -> Settings:
        self.database.url = normalise_database_url(self.database.url)
        if self.env != "development" and self.security.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "WHISTLE_SECURITY__SECRET_KEY still has its default value; set a long random secret "
                f"(e.g. `openssl rand -hex 32`) before running with WHISTLE_ENV={self.env}"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment.

    ``DATABASE_URL`` fills in when ``WHISTLE_DATABASE__URL`` is absent.
    """
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if (
        "WHISTLE_DATABASE__URL" not in os.environ
        and "DATABASE_URL" in os.environ
        and "database" not in overrides
    ):
        settings.database.url = normalise_database_url(os.environ["DATABASE_URL"])
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
