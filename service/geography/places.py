"""Places by name, for the console's "where is it?" when a case is made by hand from a phone call: the
city's own divisions (district, street, community, grid), department units (a point in their
jurisdiction) and the warm-new stations (by name or address). No outside geocoder: Whistle's own data.

Ranked: an exact name first, then names that start with the words, then names that contain them, then
stations whose address contains them; within a rank by kind (district, street, community, grid, unit,
station), shorter names first, then by name and code. The order is total, so the list pages by keyset
on `(rank, kind_order, name_length, name, code)`. Every place has a point where a report there would be
routed into it (`ST_PointOnSurface` of an outline; a station's own position).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.errors import Invalid

KINDS = ("district", "street", "community", "grid", "unit", "station")
PlaceKey = tuple[int, int, int, str, str]

# One row per place: kind, its order, code, name, detail (where it is), point. `:mode` 'search' matches
# names (and station addresses) against `:contains`/`:prefix`/`:exact`; 'lookup' takes one `:kind`/`:code`.
_PLACES = """
    SELECT 'district' AS kind, 0 AS ord, d.code, d.name, '' AS detail, ST_PointOnSurface(d.geom) AS pt,
           d.name AS matched, NULL::text AS address
      FROM districts d WHERE d.valid_to IS NULL
    UNION ALL
    SELECT 'street', 1, s.code, s.name, coalesce(d.name, ''), ST_PointOnSurface(s.geom), s.name, NULL
      FROM streets s LEFT JOIN districts d ON d.code = s.district_code AND d.valid_to IS NULL
     WHERE s.valid_to IS NULL
    UNION ALL
    SELECT 'community', 2, c.code, c.name, coalesce(s.name, ''), ST_PointOnSurface(c.geom), c.name, NULL
      FROM communities c LEFT JOIN streets s ON s.code = c.street_code AND s.valid_to IS NULL
     WHERE c.valid_to IS NULL
    UNION ALL
    SELECT 'grid', 3, g.code, g.name, coalesce(c.name, ''), ST_PointOnSurface(g.geom), g.name, NULL
      FROM grids g LEFT JOIN communities c ON c.code = g.community_code AND c.valid_to IS NULL
     WHERE g.valid_to IS NULL
    UNION ALL
    SELECT 'unit', 4, u.code, u.name, coalesce(k.name, ''), ST_PointOnSurface(u.jurisdiction), u.name, NULL
      FROM department_units u LEFT JOIN department_kinds k ON k.code = u.kind_code
     WHERE u.active AND u.jurisdiction IS NOT NULL
    UNION ALL
    SELECT 'station', 5, st.code, st.name, st.address, st.geom, st.name, st.address
      FROM stations st
"""

_RANK = """
    CASE WHEN p.matched = :exact THEN 0
         WHEN p.matched ILIKE :prefix ESCAPE '\\' THEN 1
         WHEN p.matched ILIKE :contains ESCAPE '\\' THEN 2
         ELSE 3 END
"""

_SEARCH = text(
    f"""
    SELECT * FROM (
        SELECT {_RANK} AS rank, p.ord, char_length(p.name) AS name_length, p.name, p.code, p.kind,
               p.detail, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
          FROM ({_PLACES}) AS p
         WHERE p.pt IS NOT NULL
           AND (p.matched ILIKE :contains ESCAPE '\\' OR p.address ILIKE :contains ESCAPE '\\')
    ) AS found
    WHERE CAST(:after_rank AS integer) IS NULL
       OR (rank, ord, name_length, name, code)
          > (CAST(:after_rank AS integer), CAST(:after_ord AS integer), CAST(:after_length AS integer),
             CAST(:after_name AS text), CAST(:after_code AS text))
    ORDER BY rank, ord, name_length, name, code
    LIMIT :limit
    """
)

_LOOKUP = text(
    f"""
    SELECT p.name, p.code, p.kind, p.detail, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
      FROM ({_PLACES}) AS p
     WHERE p.kind = :kind AND p.code = :code AND p.pt IS NOT NULL
     LIMIT 1
    """
)


@dataclass(frozen=True)
class Place:
    kind: str
    code: str
    name: str
    detail: str  # what it lies in (the parent division, the unit's kind) or a station's address
    lon: float
    lat: float
    key: PlaceKey | None = None  # where it sits in the search's order (None for a lookup)


def _like(words: str) -> str:
    """`words` as a literal inside a LIKE pattern (its %, _ and \\ escaped)."""
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_places(
    *, session: Session, q: str, limit: int, after: tuple[Any, ...] | None = None
) -> list[Place]:
    """Places whose name (or a station's address) contains `q`, ranked; a page after the key `after`."""
    words = q.strip()
    if not words:
        raise Invalid("q：请输入地名、网格、单位或驿站名称", details={"field": "q"})
    pattern = _like(words)
    rank, ord_, length, name, code = after or (None, None, None, None, None)
    rows = session.execute(
        _SEARCH,
        {
            "exact": words, "prefix": f"{pattern}%", "contains": f"%{pattern}%", "limit": limit,
            "after_rank": rank, "after_ord": ord_, "after_length": length, "after_name": name,
            "after_code": code,
        },
    ).all()  # fmt: skip
    return [
        Place(
            kind=row.kind,
            code=row.code,
            name=row.name,
            detail=row.detail or "",
            lon=float(row.lon),
            lat=float(row.lat),
            key=(row.rank, row.ord, row.name_length, row.name, row.code),
        )
        for row in rows
    ]


def find_place(*, session: Session, kind: str, code: str) -> Place:
    """One place picked from the search, by kind and code (422 when there is no such place)."""
    if kind not in KINDS:
        raise Invalid(f"place.kind：只能是 {'、'.join(KINDS)}", details={"field": "place.kind"})
    row = session.execute(_LOOKUP, {"kind": kind, "code": code}).one_or_none()
    if row is None:
        raise Invalid(f"没有这个地点：{kind} {code}", details={"field": "place"})
    return Place(
        kind=row.kind, code=row.code, name=row.name, detail=row.detail or "", lon=float(row.lon),
        lat=float(row.lat),
    )  # fmt: skip
