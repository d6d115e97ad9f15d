"""The office's numbers at a glance: each one aggregate query, whatever the size of the
catalogue (the replenishment alerts beside them come from wms.reports.replenishment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from wms.models import Count, Location, PurchaseOrder, SalesOrder, StockBalance

# Sales orders with picking still ahead of them.
TO_PICK = ("open", "allocated", "picking")
# Purchase orders still expecting goods.
EXPECTING = ("open", "partial")


@dataclass(frozen=True)
class TodaysNumbers:
    orders_to_pick: int
    receipts_due: int  # expected today or earlier, not yet received in full
    receipts_this_week: int  # expected by the end of this week (Sunday), overdue included
    quarantine_units: int
    quarantine_lots: int
    counts_waiting: int


def orders_to_pick(session: Session) -> int:
    """Sales orders open, allocated or being picked."""
    return session.scalar(select(func.count()).select_from(SalesOrder)
                          .where(SalesOrder.status.in_(TO_PICK))) or 0


def receipts_expected(session: Session, today: date) -> tuple[int, int]:
    """Open or partly received purchase orders expected by today, and by the week's end."""
    week_end = today + timedelta(days=6 - today.weekday())
    due, week = session.execute(
        select(func.coalesce(func.sum(case((PurchaseOrder.expected_date <= today, 1),
                                           else_=0)), 0),
               func.count())
        .where(PurchaseOrder.status.in_(EXPECTING), PurchaseOrder.expected_date <= week_end)
    ).one()
    return int(due), int(week)


def quarantine_stock(session: Session) -> tuple[int, int]:
    """Units and lots held in quarantine locations."""
    units, lots = session.execute(
        select(func.coalesce(func.sum(StockBalance.qty), 0),
               func.count(func.distinct(StockBalance.lot_id)))
        .join(Location, Location.id == StockBalance.location_id)
        .where(Location.kind == "quarantine", StockBalance.qty > 0)).one()
    return int(units), int(lots)


def counts_waiting(session: Session) -> int:
    """Counts submitted with their variances, waiting for a supervisor's approval."""
    return session.scalar(select(func.count()).select_from(Count)
                          .where(Count.status == "submitted")) or 0


def todays_numbers(session: Session, today: date) -> TodaysNumbers:
    """Every number of the office's home page."""
    due, week = receipts_expected(session, today)
    units, lots = quarantine_stock(session)
    return TodaysNumbers(orders_to_pick(session), due, week, units, lots,
                         counts_waiting(session))
