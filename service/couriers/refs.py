"""Other domains' tables as the couriers domain reads them: only the columns notes/schema.md names.

Core ``table()`` constructs rather than the owners' ORM classes, so this package depends on the shared
column names and the owners stay free to shape their classes.
"""

from __future__ import annotations

from sqlalchemy import DateTime, Integer, String, Text, Uuid, column, table
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

communities = table(
    "communities",
    column("code", String()),
    column("name", Text()),
    column("street_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

streets = table(
    "streets", column("code", String()), column("name", Text()), column("valid_to", DateTime(timezone=True))
)

grids = table(
    "grids",
    column("code", String()),
    column("name", Text()),
    column("community_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

grid_assignments = table("grid_assignments", column("user_id", Uuid()), column("grid_code", String()))

categories = table("categories", column("code", Text()), column("name", Text()), column("points", Integer()))

reports = table(
    "reports",
    column("id", Uuid()),
    column("reporter_id", Uuid()),
    column("category_code", Text()),
    column("text", Text()),
    column("created_at", DateTime(timezone=True)),
    column("community_code", String()),
    column("grid_code", String()),
    column("flags", ARRAY(Text())),
    column("case_id", Uuid()),
)

photos = table(
    "photos",
    column("id", Uuid()),
    column("report_id", Uuid()),
    column("sha256", String()),
    column("thumb_key", Text()),
)

cases = table(
    "cases",
    column("id", Uuid()),
    column("state", String()),
    column("category_code", Text()),
    column("primary_report_id", Uuid()),
)

case_events = table(
    "case_events",
    column("id", Integer()),
    column("case_id", Uuid()),
    column("report_id", Uuid()),
    column("action", String()),
    column("to_state", String()),
    column("case_state", String()),
    column("at", DateTime(timezone=True)),
    column("detail", JSONB()),
)
