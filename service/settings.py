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
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (e.g. https://partner.example) whose pages may call the authenticated API "
        "from a browser; the public interfaces (tiles, OGC API, Open311, public API) allow any origin.",
    )


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
    max_concurrent_uploads: int = Field(
        16,
        ge=1,
        description="Photo uploads (reports, 报到, 处置反馈, 核查) one process handles at once, counted from "
        "the first byte; past it the next one is answered 503 `overloaded` with Retry-After at once, before "
        "its body is read. 16 leaves room for phones on slow uplinks; behind a proxy that buffers bodies, "
        "about one per core answers fastest (`bench.load --offered-x 2 --max-uploads N` measures it).",
    )


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
    photo_max_edge_px: int = Field(
        2048,
        ge=320,
        le=8192,
        description="Long edge the apps resize each photo to on the phone before upload "
        "(原图 sends the original).",
    )
    photo_quality: float = Field(
        0.85, gt=0.3, le=1.0, description="JPEG quality (0–1) of the photos prepared on the phone."
    )


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


class ReportsSettings(BaseModel):
    """The intake (`WHISTLE_REPORTS__...`). The report id itself is unique forever: a retry after the
    key window still never makes a second report."""

    idempotency_retention_days: int = Field(
        30, ge=1, description="Idempotency keys are kept this long: couriers stay offline for days."
    )
    in_flight_timeout_s: int = Field(
        30, ge=1, description="A claimed key older than this was abandoned (a crash, a lost release)."
    )
    exif_time_old_hours: float = Field(
        24.0, gt=0, description="A photo taken this much earlier than the report is flagged."
    )
    exif_far_from_device_m: float = Field(
        500.0, gt=0, description="A photo's EXIF position this far from the device fix is flagged."
    )
    low_accuracy_m: float = Field(
        100.0, gt=0, description="A fix worse than this cannot pick a grid reliably (grids are ~200 m)."
    )
    naive_exif_utc_offset_hours: float = Field(
        8.0, ge=-14, le=14, description="Cameras without OffsetTime write local time: China Standard Time."
    )
    nearby_open_days: int = Field(30, ge=1, description="The duplicate hint looks at reports this recent.")
    nearby_max_radius_m: float = Field(1000.0, gt=0, description="The duplicate hint's largest radius.")
    near_duplicate_m: float = Field(
        50.0,
        gt=0,
        description="A new report within this many metres of an open report of the same category (filed "
        "within `near_duplicate_hours`) is flagged near_duplicate for triage: about a street frontage.",
    )
    near_duplicate_hours: float = Field(
        24.0,
        gt=0,
        description="How recent that open report must be (hours before the new one is received): a "
        "problem reported twice the same day is one problem; a week later it may be a new one.",
    )


class CasesSettings(BaseModel):
    """The case workflow (`WHISTLE_CASES__...`).

    | setting | default | why |
    |---|---|---|
    | `verification_min_photos` | 1 | 核查 is on site: pass or fail needs a photo taken there (0: optional) |
    | `verification_far_m` | 300 | a verification photo whose GPS is farther from the case is flagged |
    | `check_in_min_photos` | 1 | 报到 is on site: the report-in needs a photo taken there (0: optional) |
    | `check_in_far_m` | 300 | a report-in from farther than this from the case is flagged with the distance |
    """

    verification_min_photos: int = Field(
        1, ge=0, le=9, description="Photos a grid worker must take on site to pass or fail a verification."
    )
    verification_far_m: float = Field(
        300.0, gt=0, description="A verification photo taken farther than this from the case is flagged."
    )
    check_in_min_photos: int = Field(
        1, ge=0, le=9, description="Photos an officer must take on site to report in (报到)."
    )
    check_in_far_m: float = Field(
        300.0, gt=0, description="A report-in from farther than this from the case is flagged (metres)."
    )


class PublicMapSettings(BaseModel):
    """The public map, tiles and open interfaces (`WHISTLE_PUBLICMAP__...`), e.g.
    `WHISTLE_PUBLICMAP__COARSEN_M=200` coarsens public positions to a 200 m grid."""

    coarsen_m: float = Field(
        100.0,
        ge=10,
        le=100_000,
        description="Public positions snap to the centres of cells about this wide (geo.coarsen: a grid "
        "on latitude and longitude valid for every point on Earth).",
    )
    timezone: str = Field("Asia/Shanghai", description="The city's clock for opening hours ('open now').")
    point_zoom: int = Field(14, description="From this zoom the report layer carries single reports.")
    tile_feature_limit: int = Field(5000, gt=0, description="At most this many features per layer and tile.")
    tile_max_age_s: int = Field(60, ge=0, description="Cache-Control max-age of public tiles.")
    counts_max_age_s: float = Field(
        60.0, ge=0, description="City-zoom report counts are rebuilt when older than this."
    )
    counts_refresh_in_background: bool = Field(
        True, description="Serve stale counts while a background thread rebuilds them (else rebuild inline)."
    )
    open311_window_days: int = 90
    open311_max_requests: int = 1000
    open311_jurisdiction_id: str = Field(
        "jilin.gov.cn", description="The one jurisdiction Open311 serves; requests naming another get 404."
    )


class OutboundSettings(BaseModel):
    """Outbound webhooks (`WHISTLE_OUTBOUND__...`): the delivery worker and its HTTP client.

    Each service process runs one worker thread (`worker`) that claims due deliveries every
    `poll_interval_s` and scans the dispatches' clocks for deadline events every `scan_interval_s`;
    `whistle outbound deliver` does the same from cron. Retries follow `service.outbound.delivery`'s
    schedule (10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 6 h, 8 h, plus up to 20 % jitter).
    """

    worker: bool = Field(
        True, description="Run the delivery worker in each service process (tests of the API switch it off)."
    )
    poll_interval_s: float = Field(2.0, gt=0, le=300, description="How often the worker looks for due rows.")
    scan_interval_s: float = Field(
        30.0, gt=0, le=3600, description="How often the worker scans the clocks for yellow and red events."
    )
    scan_overlap_s: float = Field(
        120.0,
        ge=0,
        le=86400,
        description="Each scan looks this far behind its watermark too (the unique keys drop repeats), so "
        "a dispatch committed just after a scan passed its instant is still announced.",
    )
    batch_size: int = Field(20, ge=1, le=500, description="Deliveries one worker claims at a time.")
    connect_timeout_s: float = Field(2.0, gt=0, le=60, description="Connecting to a receiver.")
    total_timeout_s: float = Field(
        5.0, gt=0, le=600, description="A whole attempt: connect, send, status line (then it failed)."
    )
    lease_s: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="A claimed delivery is due again after this long if its worker died mid-attempt; "
        "must exceed `total_timeout_s`.",
    )
    max_attempts: int = Field(
        11, ge=1, le=50, description="Attempts before a delivery fails permanently (11: about a day)."
    )

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> OutboundSettings:
        if self.lease_s <= self.total_timeout_s:
            raise ValueError("outbound.lease_s must exceed outbound.total_timeout_s")
        return self


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
    publicmap: PublicMapSettings = PublicMapSettings()
    outbound: OutboundSettings = OutboundSettings()

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
