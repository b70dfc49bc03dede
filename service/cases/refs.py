"""Other domains' tables as the workflow reads them: only the columns schema.md names.

Core `table()` constructs, not the owners' ORM classes: the workflow depends on the shared column
names (notes/schema.md), and the owners stay free to shape their classes as they like.
"""

from __future__ import annotations

from sqlalchemy import Boolean, DateTime, Float, Integer, Numeric, String, Text, Uuid, column, table
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

reports = table(
    "reports",
    column("id", Uuid()),
    column("reporter_id", Uuid()),
    column("category_code", Text()),
    column("text", Text()),
    column("created_at", DateTime(timezone=True)),
    column("lon", Numeric()),
    column("lat", Numeric()),
    column("district_code", String()),
    column("street_code", String()),
    column("community_code", String()),
    column("grid_code", String()),
    column("routing", JSONB()),
    column("flags", ARRAY(Text())),
    column("case_id", Uuid()),  # added by 0004_cases
)

categories = table(
    "categories",
    column("code", Text()),
    column("name", Text()),
    column("major_name", Text()),
    column("primary_kind", Text()),
    column("joint_kinds", ARRAY(Text())),
    column("on_street_list", Boolean()),
    column("report_in_amount", Numeric()),
    column("report_in_unit", Text()),
    column("handling_amount", Numeric()),
    column("handling_unit", Text()),
)

department_kinds = table("department_kinds", column("code", Text()), column("name", Text()))

department_units = table(
    "department_units",
    column("id", Uuid()),
    column("code", Text()),
    column("name", Text()),
    column("kind_code", Text()),
    column("district_code", String()),
    column("street_code", String()),
    column("is_street_team", Boolean()),
)

districts = table(
    "districts", column("code", String()), column("name", Text()), column("valid_to", DateTime(timezone=True))
)
streets = table(
    "streets",
    column("code", String()),
    column("name", Text()),
    column("district_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

grid_assignments = table("grid_assignments", column("user_id", Uuid()), column("grid_code", String()))

grids = table(
    "grids",
    column("code", String()),
    column("community_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

photos = table(
    "photos",
    column("id", Uuid()),
    column("report_id", Uuid()),
    column("dispatch_id", Uuid()),  # added by 0004_cases: a unit's result photos
    column("verification_task_id", Uuid()),  # added by 0007_verification_photos
    column("sha256", String()),
    column("original_key", Text()),
    column("display_key", Text()),
    column("thumb_key", Text()),
    column("position", Integer()),
    # Filled from `service.reports.photos.photo_columns` (the intake's description of a stored photo).
    column("format", String()),
    column("byte_size", Integer()),
    column("width", Integer()),
    column("height", Integer()),
    column("orientation", Integer()),
    column("exif_lon", Float()),
    column("exif_lat", Float()),
    column("taken_at", DateTime(timezone=True)),
    column("exif", JSONB()),
    column("created_at", DateTime(timezone=True)),
)
