"""The tile layers: which table, which columns, from which zoom, and the SQL that builds one tile.

Every layer reads a stored web-mercator geometry (``geom_3857``, GiST-indexed) so a tile is an index
range scan plus ``ST_AsMVTGeom``; nothing is transformed per request. Each query keeps at most
``limit`` features (the largest first for polygons, so a crowded tile drops slivers, not districts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.cases.command import scope_sql
from service.cases.sla import colour_rank_sql, reading_sql
from service.cases.states import LIVE_DISPATCH_STATES, values
from service.publicmap.public_reports import coarse_lateral

# Share of the tile drawn around it so lines and labels do not break at tile edges (of 4096).
EXTENT = 4096
BUFFER = 64

ENVELOPE = """
    WITH bounds AS (
        SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env,
               ST_Expand(ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)),
                         :margin) AS wide
    )
"""


@dataclass(frozen=True)
class Layer:
    name: str
    title: str
    description: str
    minzoom: int
    fields: dict[str, str]
    select: str = ""  # columns after the geometry
    table: str = ""
    where: str = "TRUE"
    order: str = ""
    geometry_type: str = "Point"
    public: bool = True
    extra_fields: dict[str, str] = field(default_factory=dict)

    def sql(self) -> str:
        order = f"ORDER BY {self.order}" if self.order else ""
        return f"""
            {ENVELOPE}
            SELECT ST_AsMVT(q, :layer, {EXTENT}, 'geom') FROM (
                SELECT ST_AsMVTGeom(t.geom_3857, bounds.env, {EXTENT}, {BUFFER}, true) AS geom, {self.select}
                FROM {self.table} t, bounds
                WHERE t.geom_3857 && bounds.wide AND {self.where}
                {order}
                LIMIT :limit
            ) q WHERE q.geom IS NOT NULL
        """


def _division(name: str, title: str, table: str, minzoom: int, parent: str | None, description: str) -> Layer:
    select = "t.code, t.name, t.kind" + (f", t.{parent}" if parent else "")
    fields = {"code": "String", "name": "String", "kind": "String"}
    if parent:
        fields[parent] = "String"
    return Layer(
        name=name,
        title=title,
        description=description,
        minzoom=minzoom,
        fields=fields,
        select=select,
        table=table,
        where="t.valid_to IS NULL",
        order="ST_Area(t.geom_3857) DESC, t.code",
        geometry_type="Polygon",
    )


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        _division("districts", "区县", "districts", 0, None, "County-level divisions (区/县(市))."),
        _division(
            "streets", "街道乡镇", "streets", 7, "district_code", "Township-level divisions (街道/乡/镇)."
        ),
        _division(
            "communities", "社区村", "communities", 9, "street_code", "Village-level divisions (社区/村)."
        ),
        _division("grids", "单元网格", "grids", 11, "community_code", "Unit grids (单元网格)."),
        Layer(
            name="stations",
            title="暖新驿站",
            description="Warm-new stations: services (comma-separated), always_open, operator.",
            minzoom=8,
            fields={
                "code": "String",
                "name": "String",
                "address": "String",
                "services": "String",
                "always_open": "Boolean",
                "operator": "String",
            },
            select="t.code, t.name, t.address, array_to_string(t.services, ',') AS services, "
            "t.always_open, t.operator",
            table="stations",
            order="t.code",
        ),
        Layer(
            name="pairings",
            title="包联点位",
            description="Pairing points: a municipal unit, its community, first secretary, joint projects.",
            minzoom=8,
            fields={
                "code": "String",
                "unit_name": "String",
                "community_code": "String",
                "community_name": "String",
                "first_secretary": "String",
                "projects": "String",
            },
            select="t.code, t.unit_name, t.community_code, t.community_name, "
            "t.first_secretary_name AS first_secretary, array_to_string(t.projects, '；') AS projects",
            table="pairings",
            order="t.code",
        ),
        Layer(
            name="commercial_streets",
            title="暖新商街",
            description="Warm-new commercial streets (lines).",
            minzoom=8,
            fields={"code": "String", "name": "String"},
            select="t.code, t.name",
            table="commercial_streets",
            order="t.code",
            geometry_type="LineString",
        ),
    )
}

REPORTS_LAYER = "reports"
REPORT_FIELDS_STAFF = {
    "id": "String",
    "category": "String",
    "state": "String",
    "colour": "String (green|yellow|red, open dispatches only)",
    "created_at": "String (ISO 8601)",
    "supervised": "Boolean (its case is under supervision: 督办)",
    "level": "String (aggregates: grid|community|street)",
    "code": "String (aggregates: the grid's, community's or street's code)",
    "name": "String (aggregates: its name)",
    "total": "Number",
    "reported": "Number",
    "in_progress": "Number",
    "closed": "Number",
    "voided": "Number",
    "green": "Number",
    "yellow": "Number",
    "red": "Number",
}
REPORT_FIELDS_PUBLIC = {
    "id": "String",
    "category": "String",
    "status": "String (open|closed)",
    "level": "String (aggregates: grid|community|street)",
    "code": "String (aggregates: the grid's, community's or street's code)",
    "name": "String (aggregates: its name)",
    "count": "Number",
    "open": "Number",
    "closed": "Number",
}


def aggregate_level(z: int) -> str:
    """What one city-zoom report feature stands for at zoom z (below the single-report zoom)."""
    if z >= 12:
        return "grid"
    if z >= 10:
        return "community"
    return "street"


# Worst SLA colour (3 red, 2 yellow, 1 green) of a case's open dispatches, both clocks: the board's rule
# (`service.cases.sla.RULE`) over the stored deadlines and yellow instants, read at :now.
_NOW = "CAST(:now AS timestamptz)"
_CHECK_IN = colour_rank_sql(
    reading=reading_sql(stopped_at="coalesce(d.checked_in_at, d.sent_back_at)", now=_NOW),
    yellow_at="d.check_in_yellow_at",
    deadline="d.check_in_deadline",
)
_HANDLING = colour_rank_sql(
    reading=reading_sql(stopped_at="d.result_at", now=_NOW),
    yellow_at="d.handling_yellow_at",
    deadline="d.handling_deadline",
)
COLOUR_RANK = f"max(greatest({_CHECK_IN}, {_HANDLING}))"
# The dispatches whose clocks run: the board's rows.
OPEN_DISPATCH = "d.state IN (" + ", ".join(f"'{state}'" for state in values(LIVE_DISPATCH_STATES)) + ")"

# The staff layers show the caller's division only (`service.cases.command`; bound by `Command.params`).
STAFF_AGGREGATE_SQL = f"""
    {ENVELOPE}
    SELECT ST_AsMVT(q, :layer, {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(rc.label_3857, bounds.env, {EXTENT}, {BUFFER}, true) AS geom,
               rc.level, rc.code, rc.name, rc.total, rc.reported, rc.in_progress, rc.closed, rc.voided,
               rc.green, rc.yellow, rc.red
        FROM report_counts rc, bounds
        WHERE rc.level = :level AND rc.label_3857 && bounds.wide
          AND {scope_sql("rc.district_code", "rc.street_code")}
        ORDER BY rc.total DESC, rc.code
        LIMIT :limit
    ) q WHERE q.geom IS NOT NULL
"""

PUBLIC_AGGREGATE_SQL = f"""
    {ENVELOPE}
    SELECT ST_AsMVT(q, :layer, {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(rc.label_3857, bounds.env, {EXTENT}, {BUFFER}, true) AS geom,
               rc.level, rc.code, rc.name, rc.public_total AS count, rc.public_open AS open,
               rc.public_closed AS closed
        FROM report_counts rc, bounds
        WHERE rc.level = :level AND rc.label_3857 && bounds.wide AND rc.public_total > 0
        ORDER BY rc.public_total DESC, rc.code
        LIMIT :limit
    ) q WHERE q.geom IS NOT NULL
"""

STAFF_POINTS_SQL = f"""
    {ENVELOPE}
    SELECT ST_AsMVT(q, :layer, {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(r.geom_3857, bounds.env, {EXTENT}, {BUFFER}, true) AS geom,
               CAST(r.id AS text) AS id, r.category_code AS category,
               coalesce(c.state, 'reported') AS state,
               (SELECT CASE {COLOUR_RANK} WHEN 3 THEN 'red' WHEN 2 THEN 'yellow' WHEN 1 THEN 'green' END
                  FROM dispatches d WHERE d.case_id = c.id AND {OPEN_DISPATCH}) AS colour,
               to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
               EXISTS (SELECT 1 FROM case_supervisions s WHERE s.case_id = c.id) AS supervised
        FROM reports r
        CROSS JOIN bounds
        LEFT JOIN cases c ON c.id = r.case_id
        WHERE r.geom_3857 && bounds.wide AND {scope_sql("r.district_code", "r.street_code")}
        ORDER BY r.created_at DESC
        LIMIT :limit
    ) q WHERE q.geom IS NOT NULL
"""

# Public single reports: the cell centre (the publication policy, service.publicmap.public_reports),
# accepted states only.
PUBLIC_POINTS_SQL = f"""
    {ENVELOPE}
    SELECT ST_AsMVT(q, :layer, {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Transform(coarse.pt, 3857), bounds.env, {EXTENT}, {BUFFER}, true) AS geom,
               CAST(r.id AS text) AS id, r.category_code AS category,
               CASE WHEN c.state = ANY(:closed_states) THEN 'closed' ELSE 'open' END AS status
        FROM reports r
        CROSS JOIN bounds
        JOIN cases c ON c.id = r.case_id
        {coarse_lateral()}
        WHERE r.geom_3857 && ST_Expand(bounds.wide, :pad) AND c.state = ANY(:states)
        ORDER BY r.created_at DESC
        LIMIT :limit
    ) q WHERE q.geom IS NOT NULL
"""
