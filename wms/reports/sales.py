"""Sales by item, customer or day over a period (销售排行): units shipped, revenue (the order
lines' unit price x units shipped), their cost (the shipments' moving-average cost) and the
gross margin, ranked by revenue (by day: in date order). An order counts on the day it
shipped, in the warehouse's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from wms.models import Customer, Item, Move, SalesOrder, SalesOrderLine
from wms.reports.period import Period, as_decimal, day_of_number, local_day

GROUPS = ("item", "customer", "day")


@dataclass(frozen=True)
class SalesRow:
    key: str  # the sku, the customer's code, or the day (YYYY-MM-DD)
    name: str | None
    day: date | None
    qty: int
    revenue: Decimal
    cogs: Decimal
    gross_margin: Decimal
    margin_rate: Decimal | None


def sales(session: Session, period: Period, *, group: str = "item",
          limit: int | None = None, offset: int = 0) -> tuple[list[SalesRow], int]:
    """The sales report's rows and how many there are."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    shipped = (SalesOrder.status == "shipped", SalesOrder.shipped_at >= period.start,
               SalesOrder.shipped_at < period.end)
    # The orders' lines (units and revenue) and their shipments (cost) side by side, one
    # row each, summed once by what the report groups by.
    lines = (select(SalesOrderLine.order_id.label("order_id"),
                    SalesOrderLine.item_id.label("item_id"),
                    SalesOrderLine.shipped.label("qty"),
                    (SalesOrderLine.shipped
                     * func.coalesce(SalesOrderLine.unit_price, 0)).label("revenue"),
                    literal(0).label("cogs"))
             .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
             .where(*shipped, SalesOrderLine.shipped > 0))
    costs = (select(SalesOrder.id, Move.item_id, literal(0), literal(0),
                    Move.qty * func.coalesce(Move.unit_cost, 0))
             .join(SalesOrder, SalesOrder.number == func.coalesce(Move.reference, ""))
             .where(Move.kind == "ship", *shipped))
    base = union_all(lines, costs).subquery("sold")
    # Summed first by an integer (the item, or the order), then named: the joins read one
    # row per group rather than one per line and shipment.
    by = base.c.item_id if group == "item" else base.c.order_id
    sums = (select(by.label("by"), func.sum(base.c.qty).label("qty"),
                   func.sum(base.c.revenue).label("revenue"),
                   func.sum(base.c.cogs).label("cogs"))
            .group_by(by).subquery("sums"))
    totals = (func.sum(sums.c.qty), func.sum(sums.c.revenue), func.sum(sums.c.cogs),
              func.count().over())
    if group == "customer":
        key: Any = Customer.code
        name: Any = Customer.name
        stmt = (select(key, name, *totals)
                .join_from(sums, SalesOrder, SalesOrder.id == sums.c.by)
                .join(Customer, Customer.id == SalesOrder.customer_id)
                .group_by(key, name)
                .order_by(func.sum(sums.c.revenue).desc(), key))
    elif group == "day":
        key = local_day(SalesOrder.shipped_at, dialect, period.zone, period.start, period.end)
        stmt = (select(key, literal(None), *totals)
                .join_from(sums, SalesOrder, SalesOrder.id == sums.c.by)
                .group_by(key).order_by(key))
    else:
        stmt = (select(Item.sku, Item.name, sums.c.qty, sums.c.revenue, sums.c.cogs,
                       func.count().over())
                .join_from(sums, Item, Item.id == sums.c.by)
                .order_by(sums.c.revenue.desc(), Item.sku))
    page = stmt.limit(limit) if limit is not None else stmt
    rows = session.execute(page.offset(offset) if offset else page).all()
    total = int(rows[0][5]) if rows else int(session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    result = []
    for raw_key, label, qty, raw_revenue, raw_cogs, _ in rows:
        day = day_of_number(raw_key) if group == "day" else None
        money_in, money_out = as_decimal(raw_revenue), as_decimal(raw_cogs)
        margin = money_in - money_out
        result.append(SalesRow(day.isoformat() if day else str(raw_key), label, day,
                               int(qty or 0), money_in, money_out, margin,
                               margin / money_in if money_in else None))
    return result, total
