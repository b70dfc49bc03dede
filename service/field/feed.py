"""The live feed's audience for one unit's field app (`service.cases.events.feed_stream`).

A new dispatch to the unit arrives as `whistle`; any other event of a case the unit has a dispatch on as
`state`; a clock of the unit's turning red as `red`. New reports and other units' cases stay out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

UNIT_ON_CASE = "SELECT EXISTS (SELECT 1 FROM dispatches WHERE case_id = %(case)s AND unit_id = %(unit)s)"
UNIT_OF_DISPATCH = "SELECT unit_id FROM dispatches WHERE id = %(dispatch)s"


@dataclass(frozen=True)
class UnitAudience:
    unit_id: uuid.UUID

    async def notification(
        self, conn: psycopg.AsyncConnection[Any], data: dict[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        if data.get("type", "state") != "state" or data.get("case_id") is None:
            return None
        dispatch_id = data.get("dispatch_id")
        if data.get("action") == "dispatch" and dispatch_id is not None:
            cur = await conn.execute(UNIT_OF_DISPATCH, {"dispatch": dispatch_id})
            row = await cur.fetchone()
            if row is None or row[0] != self.unit_id:
                return None
            whistle = {
                "event_id": data.get("event_id"),
                "dispatch_id": dispatch_id,
                "case_id": data["case_id"],
            }
            return "whistle", whistle | {"at": data.get("at")}
        cur = await conn.execute(UNIT_ON_CASE, {"case": data["case_id"], "unit": self.unit_id})
        row = await cur.fetchone()
        if row is None or not row[0]:
            return None
        shown = ("event_id", "case_id", "dispatch_id", "action", "from_state", "to_state", "case_state", "at")
        return "state", {key: data.get(key) for key in shown}

    def sees_red(self, unit_id: uuid.UUID, district: str | None, street: str | None) -> bool:
        return unit_id == self.unit_id
