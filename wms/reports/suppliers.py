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
- `avg_lead_time_days`: the mean, over deliveries (receipts against those orders), of the
  calendar days from the day the order was made to the day of the receipt.
- `price_history`: each distinct (sku, order day, unit price) of the lines due.
Rates are None when what they divide by is 0. One aggregate query reads every line due with
its deliveries; the figures are summed from its rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from wms.models import (
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
)
from wms.reports.local_days import day_start, local_date
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


def _due_lines(supplier_id: int | None, first: date, last: date,
               timezone: str) -> Select[Any]:
    """Every line due in the period with each of its deliveries (one row per line and
    receipt; a line nothing came for has one row without a receipt)."""
    received = case((ReceiptLine.disposition != "reject", ReceiptLine.qty), else_=0)
    rejected = case((ReceiptLine.disposition == "reject", ReceiptLine.qty), else_=0)
    stmt: Any = (select(PurchaseOrderLine.id, PurchaseOrder.supplier_id, PurchaseOrder.id,
                   PurchaseOrder.created_at, PurchaseOrder.expected_date,
                   PurchaseOrderLine.qty, PurchaseOrderLine.unit_price, Item.sku,
                   Receipt.id, Receipt.at, func.sum(received), func.sum(rejected))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .join(Item, Item.id == PurchaseOrderLine.item_id)
            .outerjoin(ReceiptLine, ReceiptLine.po_line_id == PurchaseOrderLine.id)
            .outerjoin(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .where(PurchaseOrder.status.not_in(NOT_DUE),
                   ((PurchaseOrder.expected_date >= first)
                    & (PurchaseOrder.expected_date <= last))
                   | (PurchaseOrder.expected_date.is_(None)
                      & (PurchaseOrder.created_at >= day_start(first, timezone))
                      & (PurchaseOrder.created_at < _after(last, timezone))))
            .group_by(PurchaseOrderLine.id, PurchaseOrder.supplier_id, PurchaseOrder.id,
                      PurchaseOrder.created_at, PurchaseOrder.expected_date,
                      PurchaseOrderLine.qty, PurchaseOrderLine.unit_price, Item.sku,
                      Receipt.id, Receipt.at))
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    return stmt


def _after(last: date, timezone: str) -> datetime:
    """The first moment after the local day `last`."""
    return day_start(last + timedelta(days=1), timezone)


@dataclass
class _DueLine:
    """A line due, as its rows are read: what came of it and when."""

    supplier_id: int
    qty: int
    due: date
    arrivals: list[tuple[datetime, int]] = field(default_factory=list)

    def completed(self) -> datetime | None:
        """The moment of the receipt that brought the received units up to the quantity."""
        so_far = 0
        for at, got in sorted(self.arrivals):
            so_far += got
            if so_far >= self.qty:
                return at
        return None


def _evaluate(rows: Iterable[Any], suppliers: dict[int, SupplierEvaluation],
              timezone: str) -> None:
    """Sum the rows of the lines due into each supplier's figures."""
    lines: dict[int, _DueLine] = {}
    deliveries: set[tuple[int, int]] = set()
    prices: dict[int, set[tuple[str, date, Decimal]]] = defaultdict(set)
    for (line_id, supplier_id, order_id, created_at, expected, qty, price, sku, receipt_id,
         receipt_at, got, refused) in rows:
        evaluation = suppliers[supplier_id]
        made = local_date(created_at, timezone)
        line = lines.get(line_id)
        if line is None:
            line = lines[line_id] = _DueLine(supplier_id, qty, expected or made)
            evaluation.lines_due += 1
            evaluation.units_ordered += qty
            if price is not None:
                prices[supplier_id].add((sku, made, Decimal(price)))
        if receipt_id is None:
            continue
        got, refused = int(got or 0), int(refused or 0)
        evaluation.units_received += got
        evaluation.units_rejected += refused
        if got:
            line.arrivals.append((receipt_at, got))
        if (order_id, receipt_id) not in deliveries:
            deliveries.add((order_id, receipt_id))
            evaluation.deliveries += 1
            evaluation.lead_days_total += (local_date(receipt_at, timezone) - made).days
    for line in lines.values():
        completed = line.completed()
        if completed is not None and local_date(completed, timezone) <= line.due:
            suppliers[line.supplier_id].lines_on_time += 1
    for supplier_id, points in prices.items():
        suppliers[supplier_id].price_history = [
            PricePoint(sku, day, price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
            for sku, day, price in sorted(points)]


def supplier_evaluation(session: Session, code: str, first: date, last: date,
                        timezone: str) -> SupplierEvaluation:
    """One supplier's figures over the lines due from `first` to `last`."""
    first, last = clamp_period(first, last)
    supplier = find_supplier(session, code)
    evaluation = SupplierEvaluation(supplier.id, supplier.code, supplier.name, first, last)
    rows = session.execute(_due_lines(supplier.id, first, last, timezone))
    _evaluate(rows, {supplier.id: evaluation}, timezone)
    return evaluation


def supplier_ranking(session: Session, first: date, last: date,
                     timezone: str) -> list[SupplierEvaluation]:
    """Every supplier with lines due in the period, best first: on-time rate, then fill
    rate (higher first), then reject rate (lower first), then code."""
    first, last = clamp_period(first, last)
    suppliers = {sid: SupplierEvaluation(sid, code, name, first, last)
                 for sid, code, name in session.execute(
                     select(Supplier.id, Supplier.code, Supplier.name))}
    _evaluate(session.execute(_due_lines(None, first, last, timezone)), suppliers, timezone)
    ranked = [s for s in suppliers.values() if s.lines_due]

    def key(s: SupplierEvaluation) -> tuple[Decimal, Decimal, Decimal, str]:
        return (-(s.on_time_rate or Decimal(0)), -(s.fill_rate or Decimal(0)),
                s.reject_rate or Decimal(0), s.code)

    return sorted(ranked, key=key)
