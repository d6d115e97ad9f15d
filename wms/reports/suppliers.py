"""Supplier evaluation over a period: of the lines of a supplier's purchase orders due in
the period, how many came in full on time, what share of the units ordered came, what share
of the units delivered inspection rejected, how long deliveries took from the order, and
the prices paid; every supplier side by side.

- Lines due: lines of the supplier's orders (neither draft nor cancelled) whose
  `expected_date` is in the period; an order without one is due on the day it was made.
- On time: a line whose units received (accepted or quarantined) reach its quantity, with
  the receipt that completed it on or before the order's expected day (an order without an
  expected date: the day it was made). `on_time_rate` = lines on time / lines due.
- `fill_rate` = units received / units ordered, over the lines due.
- `reject_rate` = units rejected at inspection / units delivered (received + rejected).
- `avg_lead_time_days`: the mean, over the deliveries of those lines (a line's units
  arriving in one receipt, accepted or not), of the calendar days from the day the order
  was made to the day of the receipt.
- `price_history`: each distinct (sku, order day, unit price) of the lines due.
Rates are None when what they divide by is 0. Two aggregate queries, one pass each: the
lines due and what they ordered; their receipt lines (read from the receipt lines' side, so
each line and order is found by its key), per delivery, line and supplier. One more lists
one supplier's prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from wms.models import (
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
)
from wms.reports.local_days import as_date, day_start, days_between, local_day_of
from wms.services.lookup import find_supplier

PLACES = Decimal("0.0001")
# Orders that were never sent, or were called off, are due nothing.
NOT_DUE = ("draft", "cancelled")
EARLIEST, LATEST = date(1900, 1, 1), date(9999, 12, 30)


@dataclass(frozen=True)
class PricePoint:
    sku: str
    day: date
    unit_price: Decimal


@dataclass
class SupplierEvaluation:
    supplier_id: int
    code: str
    name: str
    first: date
    last: date
    lines_due: int = 0
    lines_on_time: int = 0
    units_ordered: int = 0
    units_received: int = 0
    units_rejected: int = 0
    deliveries: int = 0
    lead_days_total: int = 0
    price_history: list[PricePoint] = field(default_factory=list)

    @property
    def units_delivered(self) -> int:
        return self.units_received + self.units_rejected

    @property
    def on_time_rate(self) -> Decimal | None:
        return _ratio(self.lines_on_time, self.lines_due)

    @property
    def fill_rate(self) -> Decimal | None:
        return _ratio(self.units_received, self.units_ordered)

    @property
    def reject_rate(self) -> Decimal | None:
        return _ratio(self.units_rejected, self.units_delivered)

    @property
    def avg_lead_time_days(self) -> Decimal | None:
        return _ratio(self.lead_days_total, self.deliveries)


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(PLACES, rounding=ROUND_HALF_UP)


def clamp_period(first: date, last: date) -> tuple[date, date]:
    """The period within the years the clock can name (a period ending before it starts
    has no lines due)."""
    return max(first, EARLIEST), min(last, LATEST)


class _Period:
    """The SQL pieces of a period: which orders are due in it, and their days."""

    def __init__(self, session: Session, first: date, last: date, timezone: str) -> None:
        # receipts come after the period and orders are made before it: a year each side
        lo, hi = first - timedelta(days=366), last + timedelta(days=366)
        self.order_day = local_day_of(session, PurchaseOrder.created_at, lo, hi, timezone)
        self.receipt_day = local_day_of(session, Receipt.at, lo, hi, timezone)
        self.due_day = func.coalesce(PurchaseOrder.expected_date, self.order_day)
        self.lead_days = days_between(session, self.receipt_day, self.order_day)
        self.due = and_(PurchaseOrder.status.not_in(NOT_DUE), or_(
            and_(PurchaseOrder.expected_date >= first, PurchaseOrder.expected_date <= last),
            and_(PurchaseOrder.expected_date.is_(None),
                 PurchaseOrder.created_at >= day_start(first, timezone),
                 PurchaseOrder.created_at < day_start(last + timedelta(days=1), timezone))))


def _ordered(period: _Period, supplier_id: int | None) -> Select[Any]:
    """Per supplier: lines due and units ordered on them."""
    stmt: Any = (select(PurchaseOrder.supplier_id, func.count(), func.sum(PurchaseOrderLine.qty))
                 .select_from(PurchaseOrderLine)
                 .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                 .where(period.due).group_by(PurchaseOrder.supplier_id))
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    return stmt


def _delivered(period: _Period, supplier_id: int | None) -> Select[Any]:
    """Per supplier: lines received in full by their due day, units received and rejected,
    deliveries and their days from the order. One aggregate in three steps over one pass
    of the receipt lines of lines due (each found by its keys): each delivery of a line
    (its units in one receipt), then each line, then each supplier."""
    got = case((ReceiptLine.disposition != "reject", ReceiptLine.qty), else_=0)
    refused = case((ReceiptLine.disposition == "reject", ReceiptLine.qty), else_=0)
    in_time = case((period.receipt_day <= period.due_day, 1), else_=0)
    deliveries = (select(PurchaseOrderLine.id.label("line_id"),
                         PurchaseOrder.supplier_id.label("supplier_id"),
                         PurchaseOrderLine.qty.label("qty"),
                         func.sum(got).label("got"), func.sum(refused).label("refused"),
                         func.max(in_time).label("in_time"),
                         func.max(period.lead_days).label("lead_days"))
                  .select_from(ReceiptLine)
                  .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
                  .join(PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.po_line_id)
                  .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                  .where(period.due)
                  .group_by(PurchaseOrderLine.id, PurchaseOrder.supplier_id,
                            PurchaseOrderLine.qty, Receipt.id))
    if supplier_id is not None:
        deliveries = deliveries.where(PurchaseOrder.supplier_id == supplier_id)
    d = deliveries.subquery("deliveries")
    lines = (select(d.c.supplier_id, d.c.qty,
                    func.sum(d.c.got).label("received"),
                    func.sum(d.c.refused).label("rejected"),
                    func.sum(d.c.got * d.c.in_time).label("by_due"),
                    func.count().label("deliveries"),
                    func.sum(d.c.lead_days).label("lead_days"))
             .group_by(d.c.line_id, d.c.supplier_id, d.c.qty)).subquery("lines_delivered")
    return (select(lines.c.supplier_id,
                   func.sum(case((lines.c.by_due >= lines.c.qty, 1), else_=0)),
                   func.sum(lines.c.received), func.sum(lines.c.rejected),
                   func.sum(lines.c.deliveries), func.sum(lines.c.lead_days))
            .group_by(lines.c.supplier_id))


def _prices(period: _Period, supplier_id: int) -> Select[Any]:
    """Each distinct (sku, order day, unit price) of the supplier's lines due."""
    return (select(Item.sku, period.order_day, PurchaseOrderLine.unit_price).distinct()
            .select_from(PurchaseOrderLine)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .join(Item, Item.id == PurchaseOrderLine.item_id)
            .where(period.due, PurchaseOrder.supplier_id == supplier_id,
                   PurchaseOrderLine.unit_price.is_not(None))
            .order_by(Item.sku, period.order_day, PurchaseOrderLine.unit_price))


def _evaluate(session: Session, period: _Period, suppliers: dict[int, SupplierEvaluation],
              supplier_id: int | None) -> None:
    """Each supplier's figures from the two aggregates."""
    for sid, due, ordered in session.execute(_ordered(period, supplier_id)):
        e = suppliers[sid]
        e.lines_due, e.units_ordered = int(due), int(ordered or 0)
    for sid, on_time, received, rejected, deliveries, days in session.execute(
            _delivered(period, supplier_id)):
        e = suppliers[sid]
        e.lines_on_time = int(on_time or 0)
        e.units_received, e.units_rejected = int(received or 0), int(rejected or 0)
        e.deliveries, e.lead_days_total = int(deliveries or 0), int(round(days or 0))


def supplier_evaluation(session: Session, code: str, first: date, last: date,
                        timezone: str) -> SupplierEvaluation:
    """One supplier's figures over the lines due from `first` to `last`."""
    first, last = clamp_period(first, last)
    supplier = find_supplier(session, code)
    evaluation = SupplierEvaluation(supplier.id, supplier.code, supplier.name, first, last)
    period = _Period(session, first, last, timezone)
    _evaluate(session, period, {supplier.id: evaluation}, supplier.id)
    evaluation.price_history = [
        PricePoint(sku, as_date(day), Decimal(price).quantize(Decimal("0.01"),
                                                              rounding=ROUND_HALF_UP))
        for sku, day, price in session.execute(_prices(period, supplier.id))]
    return evaluation


def supplier_ranking(session: Session, first: date, last: date,
                     timezone: str) -> list[SupplierEvaluation]:
    """Every supplier with lines due in the period, best first: on-time rate, then fill
    rate (higher first), then reject rate (lower first), then code."""
    first, last = clamp_period(first, last)
    suppliers = {sid: SupplierEvaluation(sid, code, name, first, last)
                 for sid, code, name in session.execute(
                     select(Supplier.id, Supplier.code, Supplier.name))}
    _evaluate(session, _Period(session, first, last, timezone), suppliers, None)
    ranked = [s for s in suppliers.values() if s.lines_due]

    def key(s: SupplierEvaluation) -> tuple[Decimal, Decimal, Decimal, str]:
        return (-(s.on_time_rate or Decimal(0)), -(s.fill_rate or Decimal(0)),
                s.reject_rate or Decimal(0), s.code)

    return sorted(ranked, key=key)
