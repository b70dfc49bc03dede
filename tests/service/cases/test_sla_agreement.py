"""One SLA rule: the console's board (Python) and the map (the staff tile's points and the city-zoom
counts, SQL) give every case the same colour, for a generated set of dispatches read at several instants."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import mapbox_vector_tile
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.tiles import tile_of
from service.cases import service as cases
from service.cases.sla import RANK, Colour
from service.settings import PublicMapSettings
from service.tiles import counts
from service.tiles.service import render_tile
from tests.service.cases.conftest import (
    DESHENG,
    DESHENG_POINT,
    SIGNBOARD,
    VENDING,
    WIRING,
    City,
    ReportFactory,
)

ZOOM = 16
START = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Jilin


def _generate(db: Session, city: City, make_report: ReportFactory, n: int) -> dict[uuid.UUID, uuid.UUID]:
    """`n` cases whistled at random instants over two weeks (work-hour, work-day and urgent limits),
    some joint, some reported in, handled, verified; report id → case id."""
    rng = random.Random(20261205)
    dispatcher, by_unit = (
        city.users["dispatcher"],
        {
            city.units["market"]: city.users["market"],
            city.units["police"]: city.users["police"],
            city.units["power"]: city.users["power"],
        },
    )
    case_of: dict[uuid.UUID, uuid.UUID] = {}
    for k in range(n):
        category = rng.choice([SIGNBOARD, WIRING, VENDING])
        point = (
            DESHENG_POINT[0] + rng.uniform(-0.0004, 0.0004),
            DESHENG_POINT[1] + rng.uniform(-0.0004, 0.0004),
        )
        whistled = START + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        report_id = make_report(category=category, point=point, place=DESHENG, created_at=whistled)
        case = cases.file_report(session=db, report_id=report_id, by=dispatcher, at=whistled)
        units = [city.units["power"]] if category == WIRING else [city.units["market"]]
        if category == SIGNBOARD and k % 3 == 0:
            units.append(city.units["police"])  # joint enforcement
        made = cases.dispatch_case(session=db, case_id=case.id, unit_ids=units, by=dispatcher, at=whistled)
        for dispatch in made:
            officer = by_unit[dispatch.unit_id]
            if rng.random() < 0.6:  # reported in, early or late
                checked = whistled + timedelta(minutes=rng.randrange(1, 6 * 60))
                cases.check_in(session=db, dispatch_id=dispatch.id, user=officer, at=checked)
                if rng.random() < 0.5:  # and handled
                    done = checked + timedelta(minutes=rng.randrange(1, 4 * 24 * 60))
                    cases.submit_result(
                        session=db, dispatch_id=dispatch.id, user=officer, note="已处置", at=done
                    )
                    # and verified: the dispatch closes (a joint case's result waits for the others')
                    if rng.random() < 0.5 and dispatch.state == "verifying":
                        cases.verify(
                            session=db, dispatch_id=dispatch.id, user=city.users["desheng_worker"], passed=True,
                            at=done + timedelta(hours=1),
                        )  # fmt: skip
        db.commit()
        case_of[report_id] = case.id
    return case_of


def _map_colours(db: Session, now: datetime) -> dict[uuid.UUID, str | None]:
    """Report id → the colour its dot has on the staff map at `now` (None: no open dispatch)."""
    x, y = tile_of(*DESHENG_POINT, ZOOM)
    tile = render_tile(
        session=db, layer="reports", z=ZOOM, x=x, y=y, staff=True, settings=PublicMapSettings(), now=now
    )
    features = mapbox_vector_tile.decode(tile.data)["reports"]["features"]
    return {uuid.UUID(f["properties"]["id"]): f["properties"].get("colour") for f in features}


def _board_colours(db: Session, now: datetime) -> dict[uuid.UUID, str]:
    """Case id → the worst colour of its dispatches on the board at `now`."""
    worst: dict[uuid.UUID, Colour] = {}
    for row in cases.board(session=db, now=now, limit=2000):
        if row.case_id not in worst or RANK[row.colour] > RANK[worst[row.case_id]]:
            worst[row.case_id] = row.colour
    return {case_id: colour.value for case_id, colour in worst.items()}


def test_the_map_and_the_board_give_every_case_the_same_colour(
    db: Session, city: City, make_report: ReportFactory
) -> None:
    case_of = _generate(db, city, make_report, 60)
    seen: Counter[str] = Counter()
    for now in (
        START + timedelta(days=3, hours=2),
        START + timedelta(days=9, hours=7, minutes=30),
        START + timedelta(days=15),
        START + timedelta(days=30),
    ):
        board = _board_colours(db, now)
        on_map = _map_colours(db, now)
        assert set(on_map) == set(case_of), "every report is drawn at street zoom"
        for report_id, case_id in case_of.items():
            assert on_map[report_id] == board.get(case_id), f"case {case_id} at {now.isoformat()}"
            seen[str(on_map[report_id])] += 1

        # The city-zoom counts of the street hold the same colours.
        counts.refresh(session=db, now=now)
        row = db.execute(
            text("SELECT green, yellow, red FROM report_counts WHERE level = 'street' AND code = :s"),
            {"s": DESHENG["street"]},
        ).one()
        by_colour = Counter(board.get(case_id) for case_id in case_of.values())
        assert (row.green, row.yellow, row.red) == (by_colour["green"], by_colour["yellow"], by_colour["red"])
    # The generated set exercises every colour (and finished cases without one).
    assert {"green", "yellow", "red", "None"} <= set(seen), seen
