"""Response shapes of the probes."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: bool
    postgis_version: str | None
    migration: str | None
    migration_head: str | None
    problems: list[str]
