"""The count schedule: bins holding stock are counted as often as their most important item
asks (A weekly, B monthly, C quarterly by default), from the last approved count of the bin.
Bins already in a count that is not approved yet are not listed again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import Count, CountLocation, Item, Location, StockBalance, Warehouse, Zone
from wms.services.counting import start_count

CLASS_RANK = {"A": 1, "B": 2, "C": 3}


@dataclass(frozen=True)
class Intervals:
    """Days between counts of a bin, by the best class of the items in it."""

    a: int = 7
    b: int = 30
    c: int = 90

    def of(self, grade: str) -> int:
        return {"A": self.a, "B": self.b}.get(grade, self.c)


@dataclass(frozen=True)
class DueBin:
    location: str
    warehouse: str
    zone: str | None
    abc_class: str
    last_counted_at: datetime | None
    due_on: date
    days_overdue: int


def count_schedule(session: Session, *, today: date, zone: ZoneInfo,
                   warehouse: int | None = None,
                   intervals: Intervals = Intervals()) -> list[DueBin]:
    """The bins due for counting on `today`, the longest overdue (and the never counted)
    first."""
    rank = case((Item.abc_class == "A", literal(1)), (Item.abc_class == "B", literal(2)),
                else_=literal(3))
    stocked = (select(StockBalance.location_id.label("location_id"),
                      func.min(rank).label("rank"))
               .join(Item, Item.id == StockBalance.item_id)
               .where(StockBalance.qty > 0).group_by(StockBalance.location_id)
               .subquery("stocked"))
    counted = (select(CountLocation.location_id.label("location_id"),
                      func.max(Count.approved_at).label("at"))
               .join(Count, Count.id == CountLocation.count_id)
               .where(Count.status == "approved").group_by(CountLocation.location_id)
               .subquery("counted"))
    pending = (select(CountLocation.location_id)
               .join(Count, Count.id == CountLocation.count_id)
               .where(Count.status != "approved"))
    stmt = (select(Location.code, Warehouse.code, Zone.code, stocked.c.rank, counted.c.at)
            .join_from(stocked, Location, Location.id == stocked.c.location_id)
            .join(Warehouse, Warehouse.id == Location.warehouse_id)
            .outerjoin(Zone, Zone.id == Location.zone_id)
            .outerjoin(counted, counted.c.location_id == Location.id)
            .where(Location.kind == "storage", Location.id.not_in(pending)))
    if warehouse is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse)
    grades = {rank: grade for grade, rank in CLASS_RANK.items()}
    due: list[DueBin] = []
    for code, house, zone_code, best, last in session.execute(stmt):
        grade = grades[int(best)]
        if last is None:
            due_on = today
        else:
            due_on = last.astimezone(zone).date() + timedelta(days=intervals.of(grade))
        if due_on <= today:
            due.append(DueBin(code, house, zone_code, grade, last, due_on,
                              (today - due_on).days))
    due.sort(key=lambda b: (b.last_counted_at is not None, b.due_on, b.location))
    return due


def create_scheduled_counts(session: Session, *, today: date, zone: ZoneInfo,
                            warehouse: int | None = None, intervals: Intervals = Intervals(),
                            max_bins: int | None = None, locations: Sequence[str] = (),
                            user_id: int | None) -> Count:
    """Open one count of the bins due (those named in `locations`, when given; at most
    `max_bins`, the longest overdue first): counters then see it on the handheld."""
    due = count_schedule(session, today=today, zone=zone, warehouse=warehouse,
                         intervals=intervals)
    codes = [b.location for b in due]
    if locations:
        wanted = set(locations)
        codes = [code for code in codes if code in wanted]
    if max_bins is not None:
        codes = codes[:max_bins]
    if not codes:
        raise Invalid("locations: no bin is due for counting", field="locations")
    return start_count(session, codes, user_id)
