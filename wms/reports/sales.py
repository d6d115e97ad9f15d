"""Sales by item, customer or day over a period (销售排行): units shipped, revenue (the order
lines' unit price x units shipped), what customers sent back (units, refunds at their order's
price, and the cost at which the units came back), net revenue, cost (of the units shipped
less those returned) and the gross margin, ranked by net revenue (by day: in date order).
An order counts on the day it shipped and a return on the day it came back, in the
warehouse's time zone. A return taken without its order gives back units and cost; its
refund is not known here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from wms.models import (
    Customer,
    Item,
    Move,
    SalesOrder,
    SalesOrderLine,
    StockReturn,
    StockReturnLine,
)
from wms.reports.period import Period, as_decimal, day_of_number, local_day

GROUPS = ("item", "customer", "day")


@dataclass(frozen=True)
class SalesRow:
    key: str  # the sku, the customer's code, or the day (YYYY-MM-DD)
    name: str | None
    day: date | None
    qty: int  # units shipped
    returned: int  # units customers sent back
    revenue: Decimal  # of the units shipped
    refunds: Decimal  # of the units sent back, at their order's price
    net_revenue: Decimal
    cogs: Decimal  # cost of the units shipped less the cost of those sent back
    gross_margin: Decimal  # net revenue less cost
    margin_rate: Decimal | None  # of net revenue


def sales(session: Session, period: Period, *, group: str = "item",
          limit: int | None = None, offset: int = 0) -> tuple[list[SalesRow], int]:
    """The sales report's rows and how many there are."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    shipped = (SalesOrder.status == "shipped", SalesOrder.shipped_at >= period.start,
               SalesOrder.shipped_at < period.end)

    def day_of(moment: Any) -> Any:
        if group != "day":
            return literal(0)
        return local_day(moment, dialect, period.zone, period.start, period.end)

    # The orders' lines (units and revenue), their shipments (cost) and the customers'
    # returns (units, refunds and cost back), one row each with the item, the customer and
    # the day, summed once by what the report groups by.
    zero = literal(0)
    lines = (select(SalesOrderLine.item_id.label("item_id"),
                    SalesOrder.customer_id.label("customer_id"),
                    day_of(SalesOrder.shipped_at).label("day"),
                    SalesOrderLine.shipped.label("qty"), zero.label("returned"),
                    (SalesOrderLine.shipped
                     * func.coalesce(SalesOrderLine.unit_price, 0)).label("revenue"),
                    zero.label("refunds"), zero.label("cogs"))
             .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
             .where(*shipped, SalesOrderLine.shipped > 0))
    costs = (select(Move.item_id, SalesOrder.customer_id, day_of(SalesOrder.shipped_at),
                    zero, zero, zero, zero, Move.qty * func.coalesce(Move.unit_cost, 0))
             .join(SalesOrder, SalesOrder.number == func.coalesce(Move.reference, ""))
             .where(Move.kind == "ship", *shipped))
    price = (select(func.max(SalesOrderLine.unit_price))
             .where(SalesOrderLine.order_id == StockReturn.sales_order_id,
                    SalesOrderLine.item_id == StockReturnLine.item_id)
             .correlate(StockReturn, StockReturnLine).scalar_subquery())
    returns = (select(StockReturnLine.item_id, StockReturn.customer_id,
                      day_of(StockReturn.at), zero, StockReturnLine.qty, zero,
                      StockReturnLine.qty * func.coalesce(price, 0),
                      -StockReturnLine.qty * func.coalesce(StockReturnLine.unit_cost, 0))
               .join(StockReturn, StockReturn.id == StockReturnLine.return_id)
               .where(StockReturn.kind == "customer", StockReturn.at >= period.start,
                      StockReturn.at < period.end))
    base = union_all(lines, costs, returns).subquery("sold")
    # Summed first by an integer (the item, the customer or the day number), then named:
    # the joins read one row per group rather than one per line, shipment and return.
    by = {"item": base.c.item_id, "customer": base.c.customer_id, "day": base.c.day}[group]
    sums = (select(by.label("by"), func.sum(base.c.qty).label("qty"),
                   func.sum(base.c.returned).label("returned"),
                   func.sum(base.c.revenue).label("revenue"),
                   func.sum(base.c.refunds).label("refunds"),
                   func.sum(base.c.cogs).label("cogs"))
            .group_by(by).subquery("sums"))
    figures = (sums.c.qty, sums.c.returned, sums.c.revenue, sums.c.refunds, sums.c.cogs,
               func.count().over())
    net = sums.c.revenue - sums.c.refunds
    if group == "customer":
        stmt = (select(Customer.code, Customer.name, *figures)
                .join_from(sums, Customer, Customer.id == sums.c.by)
                .order_by(net.desc(), Customer.code))
    elif group == "day":
        stmt = select(sums.c.by, literal(None), *figures).order_by(sums.c.by)
    else:
        stmt = (select(Item.sku, Item.name, *figures)
                .join_from(sums, Item, Item.id == sums.c.by)
                .order_by(net.desc(), Item.sku))
    page = stmt.limit(limit) if limit is not None else stmt
    rows = session.execute(page.offset(offset) if offset else page).all()
    total = int(rows[0][-1]) if rows else int(session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    result = []
    for raw_key, label, qty, returned, raw_revenue, raw_refunds, raw_cogs, _ in rows:
        day = day_of_number(raw_key) if group == "day" else None
        revenue, refunds, cost = (as_decimal(raw_revenue), as_decimal(raw_refunds),
                                  as_decimal(raw_cogs))
        net_revenue = revenue - refunds
        margin = net_revenue - cost
        result.append(SalesRow(day.isoformat() if day else str(raw_key), label, day,
                               int(qty or 0), int(returned or 0), revenue, refunds,
                               net_revenue, cost, margin,
                               margin / net_revenue if net_revenue else None))
    return result, total
