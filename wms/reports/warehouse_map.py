"""The warehouse map: every location of a warehouse with its address (zone, aisle, bay and
level for bins with codes like A-01-02-03), its units against its capacity, its pick
frequency (pick moves out of it in the last `days` days) or the days since it was last
counted, and whether it is blocked or a quarantine location; read in one query per view.

Each location gets a colour band for the view: 0 (nothing: empty, never picked) to 4 (the
most), 5 for a bin over its capacity, None where the figure has no meaning (units in a bin
without a capacity; a bin never counted)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import Session

from wms.clock import utcnow
from wms.errors import Invalid
from wms.models import CountEntry, Location, Move, StockBalance, Warehouse, Zone
from wms.models.base import UTCDateTime
from wms.reports.local_days import local_date
from wms.services.lookup import find_warehouse

COLORS = ("fill", "picks", "count_age")
DEFAULT_PICK_DAYS = 30
MAX_PICK_DAYS = 3660
# Days since the last count that end each band: a week, a month, a quarter, older.
COUNT_AGE_BANDS = (7, 30, 90)
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class MapBin:
    code: str
    kind: str
    zone: str | None
    aisle: int | None  # None: a location without a bin address (a dock, a quarantine area)
    bay: int | None
    level: int | None
    capacity: int | None
    blocked: bool
    units: int
    picks: int | None  # only in the picks view
    last_counted: date | None  # only in the count-age view
    count_age_days: int | None
    band: int | None

    @property
    def quarantine(self) -> bool:
        return self.kind == "quarantine"

    @property
    def fill(self) -> Decimal | None:
        """Units against capacity (4 places); None without a capacity."""
        if not self.capacity:
            return None
        return (Decimal(self.units) / self.capacity).quantize(PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class WarehouseMap:
    warehouse: str
    warehouse_name: str
    color: str
    days: int
    bins: list[MapBin]
    # the largest pick count, which the picks bands divide (0 when nothing was picked)
    most_picks: int

    @property
    def addressed(self) -> list[MapBin]:
        return [b for b in self.bins if b.aisle is not None]

    @property
    def others(self) -> list[MapBin]:
        return [b for b in self.bins if b.aisle is None]


def fill_band(units: int, capacity: int | None) -> int | None:
    """0 empty, 1-4 by quarters of the capacity, 5 over it; None with units and no
    capacity."""
    if units <= 0:
        return 0
    if not capacity:
        return None
    if units > capacity:
        return 5
    return max(1, math.ceil(4 * units / capacity))


def picks_band(picks: int, most: int) -> int:
    """0 never picked, else 1-4 by quarters of the most picked location's count."""
    if picks <= 0 or most <= 0:
        return 0
    return max(1, math.ceil(4 * picks / most))


def count_age_band(age: int | None) -> int | None:
    """1 counted within a week, 2 a month, 3 a quarter, 4 longer ago; None never."""
    if age is None:
        return None
    for band, limit in enumerate(COUNT_AGE_BANDS, start=1):
        if age <= limit:
            return band
    return len(COUNT_AGE_BANDS) + 1


# A stored bin code is canonical (locations.codes normalizes every code saved), so reading
# its parts is one match, not a full parse: 20,000 bins are read in milliseconds.
_CANONICAL_BIN = re.compile(r"([A-Z][A-Z0-9]{0,2})-(\d{2})-(\d{2})-(\d{2})")


def bin_address(code: str) -> tuple[str | None, int | None, int | None, int | None]:
    """(zone, aisle, bay, level) of a stored bin code; all None for other locations."""
    match = _CANONICAL_BIN.fullmatch(code)
    if match is None:
        return None, None, None, None
    zone, aisle, bay, level = match.groups()
    return zone, int(aisle), int(bay), int(level)


def first_warehouse(session: Session) -> str:
    """The code of the first warehouse by code ("" when there is none)."""
    return session.scalar(select(Warehouse.code).order_by(Warehouse.code).limit(1)) or ""


def warehouse_map(session: Session, warehouse: str, color: str, *, today: date,
                  timezone: str, days: int = DEFAULT_PICK_DAYS,
                  now: datetime | None = None) -> WarehouseMap:
    """Every location of the warehouse with its figure for the view `color`."""
    if color not in COLORS:
        raise Invalid("color: fill, picks or count_age", field="color")
    if not 1 <= days <= MAX_PICK_DAYS:
        raise Invalid(f"days: a whole number from 1 to {MAX_PICK_DAYS}", field="days")
    place = find_warehouse(session, warehouse)
    units = (select(StockBalance.location_id, func.sum(StockBalance.qty).label("units"))
             .join(Location, Location.id == StockBalance.location_id)
             .where(Location.warehouse_id == place.id, StockBalance.qty > 0)
             .group_by(StockBalance.location_id).subquery("units"))
    columns: list[Any] = [Location.code, Location.kind, Zone.code, Location.capacity,
                          Location.blocked, func.coalesce(units.c.units, 0)]
    stmt = (select(*columns).outerjoin(Zone, Zone.id == Location.zone_id)
            .outerjoin(units, units.c.location_id == Location.id)
            .where(Location.warehouse_id == place.id, Location.kind != "in_transit"))
    if color == "picks":
        since = (now or utcnow()) - timedelta(days=days)
        # the window's picks, read from their own index by bin (the join keeps this
        # warehouse's bins); 'pick' written out so the engines see the partial index fits
        picks = (select(Move.from_location_id.label("location_id"),
                        func.count().label("picks"))
                 .where(Move.kind == literal_column("'pick'"),
                        Move.at >= literal(since, UTCDateTime()))
                 .group_by(Move.from_location_id).subquery("picks"))
        stmt = stmt.add_columns(func.coalesce(picks.c.picks, 0)).outerjoin(
            picks, picks.c.location_id == Location.id)
    elif color == "count_age":
        counted = (select(CountEntry.location_id, func.max(CountEntry.at).label("at"))
                   .join(Location, Location.id == CountEntry.location_id)
                   .where(Location.warehouse_id == place.id)
                   .group_by(CountEntry.location_id).subquery("counted"))
        stmt = stmt.add_columns(counted.c.at).outerjoin(
            counted, counted.c.location_id == Location.id)
    rows = session.execute(stmt.order_by(Location.code)).all()
    most = max((int(r[6]) for r in rows), default=0) if color == "picks" else 0
    bins = []
    for row in rows:
        code, kind, zone_code, capacity, blocked, held = row[:6]
        zone, aisle, bay, level = bin_address(code)
        picked = last = age = None
        if color == "fill":
            band = fill_band(int(held), capacity)
        elif color == "picks":
            picked = int(row[6])
            band = picks_band(picked, most)
        else:
            at = row[6]
            if isinstance(at, str):  # SQLite's MAX() of a timestamp answers its text
                at = datetime.fromisoformat(at).replace(tzinfo=UTC)
            last = local_date(at, timezone) if at is not None else None
            age = (today - last).days if last is not None else None
            band = count_age_band(age)
        bins.append(MapBin(code, kind, zone or zone_code, aisle, bay, level, capacity,
                           bool(blocked), int(held), picked, last, age, band))
    return WarehouseMap(place.code, place.name, color, days, bins, most)
