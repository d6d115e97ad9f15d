"""Replenishment as the seeds compute it: per item (in one warehouse or all of them), the
units that can be sold, what is on order, the average daily demand, the safety stock, the
reorder point, the seeds' purchase quantity beside the textbook order-up-to quantity, and
the most urgent alert. One aggregate statement reads the ledger's sums; the formulas run
over its rows."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import (
    Item,
    Location,
    Lot,
    Move,
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    Supplier,
    Warehouse,
)
from wms.models.base import UTCDateTime

# Most urgent first.
ALERTS = ("below_safety_stock", "below_reorder_point", "above_max")
# Units here cannot be sold: held for inspection, or on the road between warehouses.
UNAVAILABLE = ("quarantine", "in_transit")
# Purchase orders still expecting goods (a draft is not sent; cancelled and closed orders
# expect nothing more).
EXPECTING = ("open", "partial")
# Moves that make demand: units shipped to customers, less units they returned.
DEMAND_KINDS = ("ship", "customer_return")
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ReplenishmentQuery:
    """Which items to report: in one warehouse (code) or all, of a category, one sku or a
    list of them, and only those with an alert (`alert` "any" or one alert code)."""

    warehouse: str | None = None
    category: str | None = None
    sku: str | None = None
    skus: Collection[str] | None = None
    alert: str | None = None


@dataclass(frozen=True)
class ReplenishmentRow:
    item_id: int
    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    category: str | None
    uom: str
    warehouse: str | None
    on_hand: int
    on_order: int
    demand: int
    demand_window_days: int
    avg_daily_demand: Decimal
    lead_time_days: int
    review_period_days: int
    safety_stock: Decimal
    safety_stock_source: str  # "computed" or "fixed"
    reorder_point: Decimal
    suggested_qty: int
    order_up_to_qty: int
    pack_size: int
    max_qty: int | None
    supplier_id: int | None
    supplier: str | None
    supplier_name: str | None
    unit_cost: Decimal
    alert: str | None


@dataclass(frozen=True)
class WarehouseAlerts:
    """How many items of a warehouse have each alert."""

    warehouse: str
    below_safety_stock: int
    below_reorder_point: int
    above_max: int

    @property
    def total(self) -> int:
        return self.below_safety_stock + self.below_reorder_point + self.above_max


def window_start(today: date, days: int, timezone: str) -> datetime:
    """The first moment (UTC) of a window of `days` calendar days that ends with today."""
    first = today - timedelta(days=days - 1)
    return datetime.combine(first, time.min, ZoneInfo(timezone)).astimezone(UTC)


def order_quantity(need: Fraction, pack_size: int) -> int:
    """A need rounded up to a whole number, then up to a multiple of the pack size; 0 when
    nothing is needed."""
    if need <= 0:
        return 0
    whole = math.ceil(need)
    pack = max(pack_size, 1)
    return -(-whole // pack) * pack


def _places(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        PLACES, rounding=ROUND_HALF_UP)


def alert_of(on_hand: int, safety: Fraction, reorder_point: Fraction,
             max_qty: int | None) -> str | None:
    """The most urgent alert of an item's stock, or None."""
    if on_hand < safety:
        return "below_safety_stock"
    if on_hand < reorder_point:
        return "below_reorder_point"
    if max_qty is not None and on_hand > max_qty:
        return "above_max"
    return None


# ---------------------------------------------------------------- the ledger's sums

def _on_hand(today: date, warehouse_id: int | None, by_warehouse: bool) -> Any:
    """Units that can be sold per item (and warehouse): outside quarantine and transit, of
    lots not expired, less what is reserved. Every balance row counts the item as kept
    there, even at 0."""
    sellable = case((and_(Location.kind.not_in(UNAVAILABLE),
                          or_(Lot.expiry.is_(None), Lot.expiry >= today)),
                     StockBalance.qty - StockBalance.reserved), else_=0)
    keys: list[Any] = [StockBalance.item_id]
    if by_warehouse:
        keys.append(Location.warehouse_id)
    stmt = (select(*keys, func.sum(sellable).label("on_hand"))
            .join(Location, Location.id == StockBalance.location_id)
            .join(Lot, Lot.id == StockBalance.lot_id))
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    return stmt.group_by(*keys).subquery("on_hand")


def _demand(starts: dict[int, datetime], warehouse_id: int | None,
            by_warehouse: bool) -> Any:
    """Units shipped less units returned per item (and warehouse), each item over its own
    window (`starts`: window days -> first moment)."""
    start = case({days: literal(moment, UTCDateTime()) for days, moment in starts.items()},
                 value=Item.demand_window_days)
    signed = case((Move.kind == "ship", Move.qty), else_=-Move.qty)
    keys: list[Any] = [Move.item_id]
    stmt: Select[Any] = select(Move.item_id)
    if warehouse_id is not None or by_warehouse:
        place = case((Move.kind == "ship", Move.from_location_id), else_=Move.to_location_id)
        if by_warehouse:
            keys.append(Location.warehouse_id)
        stmt = select(*keys).join(Location, Location.id == place)
        if warehouse_id is not None:
            stmt = stmt.where(Location.warehouse_id == warehouse_id)
    stmt = (stmt.add_columns(func.sum(signed).label("demand"))
            .join(Item, Item.id == Move.item_id)
            .where(Move.kind.in_(DEMAND_KINDS), Move.at >= min(starts.values()),
                   Move.at >= start))
    return stmt.group_by(*keys).subquery("demand")


def _on_order(warehouse_id: int | None) -> Any:
    """Units ordered and not yet received per item, on orders still expecting goods (in a
    warehouse: those to it and those to no warehouse in particular)."""
    outstanding = case((PurchaseOrderLine.qty > PurchaseOrderLine.received,
                        PurchaseOrderLine.qty - PurchaseOrderLine.received), else_=0)
    stmt = (select(PurchaseOrderLine.item_id, func.sum(outstanding).label("on_order"),
                   func.sum(case((PurchaseOrder.warehouse_id == warehouse_id, 1), else_=0))
                   .label("addressed"))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.status.in_(EXPECTING)))
    if warehouse_id is not None:
        stmt = stmt.where(or_(PurchaseOrder.warehouse_id == warehouse_id,
                              PurchaseOrder.warehouse_id.is_(None)))
    return stmt.group_by(PurchaseOrderLine.item_id).subquery("on_order")


ITEM_COLUMNS = (Item.id, Item.sku, Item.name, Item.name_en, Item.name_zh, Item.category,
                Item.uom, Item.safety_stock, Item.lead_time_days, Item.review_period_days,
                Item.instability_factor, Item.demand_window_days, Item.pack_size,
                Item.max_qty, Item.unit_cost, Item.supplier_id, Supplier.code, Supplier.name,
                Supplier.lead_time_days)


def _window_starts(session: Session, today: date, timezone: str) -> dict[int, datetime]:
    windows = session.scalars(select(Item.demand_window_days).distinct()
                              .where(Item.active.is_(True)))
    return {days: window_start(today, days, timezone) for days in windows}


def _row(values: Any, warehouse: str | None, on_hand: int, on_order: int,
         demand: int) -> ReplenishmentRow:
    (item_id, sku, name, name_en, name_zh, category, uom, fixed, item_lead, review,
     instability, window, pack_size, max_qty, unit_cost, supplier_id, supplier,
     supplier_name, supplier_lead) = values
    lead = item_lead if item_lead is not None else (supplier_lead or 0)
    demand = max(demand, 0)  # more returned than shipped is no demand, not a negative one
    daily = Fraction(demand, window)
    if fixed is not None:
        safety, source = Fraction(fixed), "fixed"
    else:
        safety, source = daily * lead * Fraction(instability), "computed"
    reorder_point = daily * lead + safety
    suggested = order_quantity(safety - on_hand + daily * review - daily * lead, pack_size)
    up_to = order_quantity(safety + daily * (lead + review) - on_hand - on_order, pack_size)
    return ReplenishmentRow(
        item_id=item_id, sku=sku, name=name, name_en=name_en, name_zh=name_zh,
        category=category, uom=uom, warehouse=warehouse, on_hand=on_hand, on_order=on_order,
        demand=demand, demand_window_days=window, avg_daily_demand=_places(daily),
        lead_time_days=lead, review_period_days=review, safety_stock=_places(safety),
        safety_stock_source=source, reorder_point=_places(reorder_point),
        suggested_qty=suggested, order_up_to_qty=up_to, pack_size=pack_size, max_qty=max_qty,
        supplier_id=supplier_id, supplier=supplier, supplier_name=supplier_name,
        unit_cost=unit_cost, alert=alert_of(on_hand, safety, reorder_point, max_qty))


def _warehouse_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    found = session.scalar(select(Warehouse.id).where(Warehouse.code == code.strip().upper()))
    if found is None:
        raise Invalid(f"warehouse: no warehouse {code}", field="warehouse")
    return found


def check_alert(alert: str | None) -> str | None:
    """An alert filter: None, "any" or one alert code."""
    if alert in (None, "", "any", *ALERTS):
        return alert or None
    raise Invalid(f"alert: any, {', '.join(ALERTS)}", field="alert")


def replenishment(session: Session, today: date, timezone: str,
                  query: ReplenishmentQuery = ReplenishmentQuery()) -> list[ReplenishmentRow]:
    """One row per active item (in a warehouse: per item kept or ordered there), by sku."""
    alert = check_alert(query.alert)
    warehouse_id = _warehouse_id(session, query.warehouse)
    starts = _window_starts(session, today, timezone)
    if not starts:
        return []
    stock = _on_hand(today, warehouse_id, False)
    demand = _demand(starts, warehouse_id, False)
    orders = _on_order(warehouse_id)
    stmt = (select(*ITEM_COLUMNS, stock.c.on_hand, orders.c.on_order, demand.c.demand)
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .outerjoin(stock, stock.c.item_id == Item.id)
            .outerjoin(demand, demand.c.item_id == Item.id)
            .outerjoin(orders, orders.c.item_id == Item.id)
            .where(Item.active.is_(True)).order_by(Item.sku))
    if warehouse_id is not None:
        stmt = stmt.where(or_(stock.c.item_id.is_not(None), orders.c.addressed > 0))
    if query.category:
        stmt = stmt.where(Item.category == query.category)
    if query.sku:
        stmt = stmt.where(Item.sku == query.sku.strip())
    if query.skus is not None:
        stmt = stmt.where(Item.sku.in_(list(query.skus)))
    code = query.warehouse.strip().upper() if warehouse_id is not None and query.warehouse \
        else None
    rows = []
    for values in session.execute(stmt):
        *item, on_hand, on_order, units = values
        row = _row(item, code, int(on_hand or 0), int(on_order or 0), int(units or 0))
        if alert is None or row.alert == alert or (alert == "any" and row.alert):
            rows.append(row)
    return rows


def alerted_by_warehouse(session: Session, today: date,
                         timezone: str) -> list[ReplenishmentRow]:
    """Per warehouse, the items kept or ordered there that have an alert (the rows the
    replenishment list of that warehouse shows with "only alerts"), by warehouse and sku,
    in one statement. Their `on_order` is not read: no alert depends on it."""
    starts = _window_starts(session, today, timezone)
    if not starts:
        return []
    kept = union(
        select(StockBalance.item_id, Location.warehouse_id)
        .join(Location, Location.id == StockBalance.location_id),
        select(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.status.in_(EXPECTING), PurchaseOrder.warehouse_id.is_not(None)),
    ).subquery("kept")
    stock = _on_hand(today, None, True)
    demand = _demand(starts, None, True)
    stmt = (select(*ITEM_COLUMNS, Warehouse.code, stock.c.on_hand, demand.c.demand)
            .select_from(kept)
            .join(Item, Item.id == kept.c.item_id)
            .join(Warehouse, Warehouse.id == kept.c.warehouse_id)
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .outerjoin(stock, and_(stock.c.item_id == kept.c.item_id,
                                   stock.c.warehouse_id == kept.c.warehouse_id))
            .outerjoin(demand, and_(demand.c.item_id == kept.c.item_id,
                                    demand.c.warehouse_id == kept.c.warehouse_id))
            .where(Item.active.is_(True)).order_by(Warehouse.code, Item.sku))
    rows = []
    for values in session.execute(stmt):
        *item, warehouse, on_hand, units = values
        row = _row(item, warehouse, int(on_hand or 0), 0, int(units or 0))
        if row.alert:
            rows.append(row)
    return rows


def alerts_by_warehouse(session: Session, today: date, timezone: str,
                        rows: list[ReplenishmentRow] | None = None) -> list[WarehouseAlerts]:
    """How many items of each warehouse have each alert (every warehouse, by code), from
    `rows` of alerted_by_warehouse when the caller has them."""
    if rows is None:
        rows = alerted_by_warehouse(session, today, timezone)
    counts: dict[str, dict[str, int]] = {
        code: dict.fromkeys(ALERTS, 0)
        for code in session.scalars(select(Warehouse.code).order_by(Warehouse.code))}
    for row in rows:
        if row.warehouse is not None and row.alert is not None:
            counts[row.warehouse][row.alert] += 1
    return [WarehouseAlerts(code, **found) for code, found in counts.items()]
