"""Tables as other domains read them: one Core `table()` view per table, with the columns any reader uses.

A domain that reads another's table (the case workflow reads reports and photos, the couriers read
cases and their events, the intake reads dispatches to decide who may see an original) goes through
these views rather than the owner's ORM class. The readers then depend only on the shared column names
(the migrations), the owners stay free to shape their classes, and no import cycle runs between the
domains. A view names only columns; listing one more than a reader needs costs nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
    column,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

# --- geography (owner: service.geography)

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

communities = table(
    "communities",
    column("code", String()),
    column("name", Text()),
    column("street_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

grids = table(
    "grids",
    column("code", String()),
    column("name", Text()),
    column("community_code", String()),
    column("valid_to", DateTime(timezone=True)),
)

grid_assignments = table("grid_assignments", column("user_id", Uuid()), column("grid_code", String()))

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
    column("points", Integer()),  # 双积分: what a courier's filed report of this category earns
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

# --- reports and their photos (owner: service.reports)

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
    column("channel", String()),  # added by 0014_case_sources: app | open311 | console
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
    # Filled from `service.photos.pipeline.describe` (what a stored photo told).
    column("format", String()),
    column("byte_size", Integer()),
    column("width", Integer()),
    column("height", Integer()),
    column("orientation", Integer()),
    column("exif_lon", Float()),
    column("exif_lat", Float()),
    column("taken_at", DateTime(timezone=True)),
    column("exif", JSONB()),
    column("phash", BigInteger()),  # added by 0011_photo_fingerprints: the perceptual hash
    column("created_at", DateTime(timezone=True)),
)

# --- the case workflow (owner: service.cases)

cases = table(
    "cases",
    column("id", Uuid()),
    column("number", BigInteger()),
    column("state", String()),
    column("category_code", Text()),
    column("primary_report_id", Uuid()),
    column("district_code", String()),
    column("street_code", String()),
    column("community_code", String()),
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

dispatches = table(
    "dispatches",
    column("id", Uuid()),
    column("case_id", Uuid()),
    column("unit_id", Uuid()),
    column("state", String()),
    column("dispatched_at", DateTime(timezone=True)),
    column("check_in_deadline", DateTime(timezone=True)),
    column("handling_deadline", DateTime(timezone=True)),  # extensions included
    column("check_in_yellow_at", DateTime(timezone=True)),  # added by 0009_sla_instants
    column("handling_yellow_at", DateTime(timezone=True)),
    column("checked_in_at", DateTime(timezone=True)),
    column("result_at", DateTime(timezone=True)),
    column("sent_back_at", DateTime(timezone=True)),
    column("extensions", JSONB()),  # granted extensions, one item each
)

verification_tasks = table("verification_tasks", column("id", Uuid()), column("case_id", Uuid()))

# The units' results a verification task covers (one task per case visit: 0015_joint_workflow).
verification_items = table("verification_items", column("task_id", Uuid()), column("dispatch_id", Uuid()))

# --- supervision (owner: service.supervision)

supervising_offices = table(
    "supervising_offices",
    column("id", Uuid()),
    column("code", Text()),
    column("name", Text()),
    column("active", Boolean()),
)

case_supervisions = table(
    "case_supervisions",
    column("case_id", Uuid()),
    column("office_id", Uuid()),
    column("deadline", DateTime(timezone=True)),
)
