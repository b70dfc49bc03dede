"""Settings of the public map, tiles and open interfaces (prefix ``WHISTLE_PUBLICMAP__``).

Kept in their own group so the public map can be tuned without touching the core settings:
``WHISTLE_PUBLICMAP__COARSEN_M=200`` coarsens public positions to a 200 m grid.
"""

from __future__ import annotations

from fastapi import Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PublicMapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHISTLE_PUBLICMAP__", extra="ignore")

    coarsen_m: float = Field(
        100.0, gt=0, description="Public positions snap to the centres of cells this wide."
    )
    coarsen_srid: int = Field(
        32652, description="Metric projection of the coarsening grid (UTM 52N covers Jilin City)."
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


def get_publicmap_settings(request: Request) -> PublicMapSettings:
    """One instance per app, built on first use; tests may put their own on ``app.state``."""
    settings = getattr(request.app.state, "publicmap_settings", None)
    if settings is None:
        settings = PublicMapSettings()
        request.app.state.publicmap_settings = settings
    return settings
