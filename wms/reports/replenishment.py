"""Replenishment as the seeds compute it: per item (in one warehouse or all of them), the
units that can be sold, what is on order, the average daily demand, the safety stock, the
reorder point, the seeds' purchase quantity beside the textbook order-up-to quantity, and
the most urgent alert. One aggregate statement reads the ledger's sums; the formulas run
over its rows.

The average daily demand is the forecast of the item's own method (`Item.forecast_method`):
the moving average of its `demand_window_days` (the default, demand / demand_window_days),
exponential smoothing, or whichever of the two fitted the last 90 days better (`auto`).
Only items that keep another method than the moving average have their daily demand read
day by day (one more aggregate statement, over those items alone)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, and_, case, cast, func, literal, or_, select, union
from sqlalchemy.orm import Session

from wms.errors import Invalid, UnknownRecord
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
from wms.reports.forecast import (
    DEFAULT_ITEM_METHOD,
    ItemForecast,
    demand_moves,
    item_forecast_of,
    item_history_first,
)
from wms.reports.forecast import PLACES as FORECAST_PLACES
from wms.reports.local_days import day_start, local_day_of

# Most urgent first.
ALERTS = ("below_safety_stock", "below_reorder_point", "above_max")
# Units here cannot be sold: held for inspection, or on the road between warehouses.
UNAVAILABLE = ("quarantine", "in_transit")
# Purchase orders still expecting goods (a draft is not sent; cancelled and closed orders
# expect nothing more).
EXPECTING = ("open", "partial")
PLACES = Decimal("0.0001")
ZERO = Decimal("0.0000")


@dataclass(frozen=True)
class ReplenishmentQuery:
    """Which items to report: in one warehouse (code) or all, of a category, one sku or a
    list of them, and only those with an alert (`alert` "any" or one alert code)."""

    warehouse: str | None = None
    category: str | None = None
    sku: str | None = None
    skus: Collection[str] | None = None
    alert: str | None = None


@dataclass(slots=True)  # not frozen: 50k rows are made per report, and frozen ones cost twice
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
    lead_time_days: int
    review_period_days: int
    safety_stock_source: str  # "computed" or "fixed"
    forecast_method: str  # the item's kept method: moving_average, exp_smoothing or auto
    demand_method: str  # the method the daily demand comes from: `auto` resolved
    suggested_qty: int
    order_up_to_qty: int
    pack_size: int
    max_qty: int | None
    supplier_id: int | None
    supplier: str | None
    supplier_name: str | None
    unit_cost: Decimal
    alert: str | None
    # The computed figures in parts of a unit (1 / `unit`), exact; shown to 4 places.
    unit: int
    daily_parts: int
    safety_parts: int
    reorder_parts: int

    @property
    def avg_daily_demand(self) -> Decimal:
        return _places(self.daily_parts, self.unit)

    @property
    def safety_stock(self) -> Decimal:
        return _places(self.safety_parts, self.unit)

    @property
    def reorder_point(self) -> Decimal:
        return _places(self.reorder_parts, self.unit)


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


def order_quantity(need: int, unit: int, pack_size: int) -> int:
    """A need of `need` parts of a unit (1 / `unit`) rounded up to a whole number, then up
    to a multiple of the pack size; 0 when nothing is needed."""
    if need <= 0:
        return 0
    whole = -(-need // unit)
    pack = max(pack_size, 1)
    return -(-whole // pack) * pack


def _places(value: int, unit: int) -> Decimal:
    """`value` parts of a unit (1 / `unit`), to 4 places."""
    if value == 0:
        return ZERO
    return (Decimal(value) / unit).quantize(PLACES, rounding=ROUND_HALF_UP)


def alert_of(on_hand: int, safety: int, reorder_point: int,
             max_qty: int | None) -> str | None:
    """The most urgent alert of an item's stock (all figures in the same parts of a unit),
    or None."""
    if on_hand < safety:
        return "below_safety_stock"
    if on_hand < reorder_point:
        return "below_reorder_point"
    if max_qty is not None and on_hand > max_qty:
        return "above_max"
    return None


# ---------------------------------------------------------------- the ledger's sums
# On SQLite the grouping is written `column + 0`: it then scans the table once and groups
# in a temporary tree, instead of walking an index on the key and reading every row at
# random (ten times slower over a large ledger). PostgreSQL groups by the column itself.


@dataclass(frozen=True)
class _Keys:
    chosen: list[Any]
    grouped: list[Any]


def _keys(sqlite: bool, item: Any, warehouse: Any | None) -> _Keys:
    columns = [item.label("item_id")]
    if warehouse is not None:
        columns.append(warehouse.label("warehouse_id"))
    grouped = [item + 0] + ([warehouse + 0] if warehouse is not None else []) if sqlite \
        else [item] + ([warehouse] if warehouse is not None else [])
    return _Keys(columns, grouped)


def _on_hand(sqlite: bool, today: date, warehouse_id: int | None, by_warehouse: bool
             ) -> Any:
    """Units that can be sold per item (and warehouse) where there are any: outside
    quarantine and transit, of lots not expired, less what is reserved."""
    sellable = case((and_(Location.kind.not_in(UNAVAILABLE),
                          or_(Lot.expiry.is_(None), Lot.expiry >= today)),
                     StockBalance.qty - StockBalance.reserved), else_=0)
    keys = _keys(sqlite, StockBalance.item_id,
                 Location.warehouse_id if by_warehouse else None)
    stmt = (select(*keys.chosen, func.sum(sellable).label("on_hand"))
            .join(Location, Location.id == StockBalance.location_id)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(StockBalance.qty > 0))
    if warehouse_id is not None:
        # On SQLite `+ 0`: one pass over the balances, not the warehouse's bins through
        # their index and then each bin's balances at random (twice as slow when the
        # warehouse holds most of the bins; a pass costs no more than the report as a
        # whole).
        stmt = stmt.where((Location.warehouse_id + 0 if sqlite else Location.warehouse_id)
                          == warehouse_id)
    return stmt.group_by(*keys.grouped)


def _demand(sqlite: bool, starts: dict[int, datetime], warehouse_id: int | None,
            by_warehouse: bool) -> Any:
    """Units shipped less units returned per item (and warehouse): one column `w<days>` per
    window length the items use (`starts`: days -> the window's first moment), so each item
    reads its own window without the ledger being joined to the items."""
    signed = case((Move.kind == "ship", Move.qty), else_=-Move.qty)
    keys = _keys(sqlite, Move.item_id, Location.warehouse_id if by_warehouse else None)
    stmt: Select[Any] = select(*keys.chosen)
    if warehouse_id is not None or by_warehouse:
        place = case((Move.kind == "ship", Move.from_location_id), else_=Move.to_location_id)
        stmt = stmt.select_from(Move).join(Location, Location.id == place)
        if warehouse_id is not None:
            stmt = stmt.where(Location.warehouse_id == warehouse_id)
    stmt = stmt.add_columns(*(
        func.sum(case((Move.at >= literal(moment, UTCDateTime()), signed), else_=0))
        .label(f"w{days}") for days, moment in starts.items()))
    stmt = stmt.where(demand_moves(), Move.at >= min(starts.values()))
    return stmt.group_by(*keys.grouped)


def _window_demand(demand: Any, starts: dict[int, datetime]) -> Any:
    """The demand column of each item's own window."""
    return case({days: demand.c[f"w{days}"] for days in starts},
                value=Item.demand_window_days)


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


class _Forecasts:
    """The forecasts of the items that keep another method than the moving average, per
    item (and warehouse): their daily demand read day by day in one aggregate statement
    over those items' demand moves alone."""

    def __init__(self, session: Session, today: date, timezone: str,
                 warehouse_id: int | None, by_warehouse: bool) -> None:
        self.found: dict[tuple[int, int | None], ItemForecast] = {}
        self.quiet: dict[tuple[int, str], ItemForecast] = {}
        self.today = today
        planned = session.execute(
            select(Item.id, Item.demand_window_days, Item.forecast_method)
            .where(Item.forecast_method != DEFAULT_ITEM_METHOD, Item.active.is_(True))).all()
        if not planned:
            return
        windows = {item_id: window for item_id, window, _method in planned}
        first = min(item_history_first(today, w) for w in windows.values())
        day = local_day_of(session, Move.at, first, today, timezone).label("day")
        signed = case((Move.kind == "ship", Move.qty), else_=-Move.qty)
        columns: list[Any] = [Move.item_id]
        stmt = select().select_from(Move).join(Item, Item.id == Move.item_id)
        if warehouse_id is not None or by_warehouse:
            place = case((Move.kind == "ship", Move.from_location_id),
                         else_=Move.to_location_id)
            stmt = stmt.join(Location, Location.id == place)
            if warehouse_id is not None:
                stmt = stmt.where(Location.warehouse_id == warehouse_id)
            if by_warehouse:
                columns.append(Location.warehouse_id)
        stmt = (stmt.add_columns(*columns, day, func.sum(signed))
                .where(Item.forecast_method != DEFAULT_ITEM_METHOD, Item.active.is_(True),
                       demand_moves(), Move.at >= day_start(first, timezone),
                       Move.at < day_start(today + timedelta(days=1), timezone))
                .group_by(*columns, day))
        series: dict[tuple[int, int | None], dict[str, int]] = {}
        for *key, on_day, units in session.execute(stmt):
            item_id, warehouse = key[0], key[1] if by_warehouse else None
            series.setdefault((item_id, warehouse), {})[str(on_day)] = int(units or 0)
        methods = {item_id: method for item_id, _window, method in planned}
        for (item_id, warehouse), by_day in series.items():
            window = windows[item_id]
            start = item_history_first(today, window)
            read = [by_day.get((start + timedelta(days=n)).isoformat(), 0)
                    for n in range((today - start).days + 1)]
            self.found[item_id, warehouse] = item_forecast_of(read, window, methods[item_id])

    def of(self, item_id: int, warehouse: int | None, window: int,
           method: str) -> ItemForecast | None:
        """The forecast of an item (None for one that keeps the moving average)."""
        if method == DEFAULT_ITEM_METHOD:
            return None
        found = self.found.get((item_id, warehouse))
        if found is None:  # no demand at all in its history: the same for every such item
            found = self.quiet.get((window, method))
            if found is None:
                days = (self.today - item_history_first(self.today, window)).days + 1
                found = self.quiet[window, method] = item_forecast_of([0] * days, window,
                                                                      method)
        return found


ITEM_COLUMNS = (Item.id, Item.sku, Item.name, Item.name_en, Item.name_zh, Item.category,
                Item.uom, Item.safety_stock, Item.lead_time_days, Item.review_period_days,
                # in thousandths, a whole number (it has 3 places): no decimal made per row
                cast(func.round(Item.instability_factor * 1000), Integer)
                .label("instability_parts"),
                Item.demand_window_days, Item.pack_size,
                Item.max_qty, Item.unit_cost, Item.supplier_id, Supplier.code, Supplier.name,
                Supplier.lead_time_days, Item.forecast_method)
# Where a row of ITEM_COLUMNS holds the item's id, demand window and forecast method.
_ID, _WINDOW, _METHOD = 0, 11, 19


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _window_starts(session: Session, today: date, timezone: str) -> dict[int, datetime]:
    windows = session.scalars(select(Item.demand_window_days).distinct()
                              .where(Item.active.is_(True)))
    return {days: window_start(today, days, timezone) for days in windows}


def _row(values: Any, warehouse: str | None, on_hand: int, on_order: int,
         demand: int, forecast: ItemForecast | None = None,
         alerted_only: bool = False) -> ReplenishmentRow | None:
    """The row of one item (and warehouse); with `alerted_only`, None for an item without
    an alert (most of them: the lists of alerts skip making their rows)."""
    (item_id, sku, name, name_en, name_zh, category, uom, fixed, item_lead, review,
     instability_parts, window, pack_size, max_qty, unit_cost, supplier_id, supplier,
     supplier_name, supplier_lead, method) = values
    lead = item_lead if item_lead is not None else (supplier_lead or 0)
    demand = max(demand, 0)  # more returned than shipped is no demand, not a negative one
    # Exact whole-number arithmetic in parts of a unit (1 / `unit`): the instability factor
    # has 3 places, the daily demand is demand / window (a moving average) or the forecast
    # to 4 places (exponential smoothing).
    if forecast is not None and forecast.used != "moving_average":
        per_day, days, used = int(forecast.daily / FORECAST_PLACES), 10_000, forecast.used
    else:
        per_day, days, used = demand, window, "moving_average"
    unit = days * 1000
    daily = per_day * 1000
    if fixed is not None:
        safety, source = fixed * unit, "fixed"
    else:
        safety, source = per_day * lead * instability_parts, "computed"
    reorder_point = daily * lead + safety
    have = on_hand * unit
    alert = alert_of(have, safety, reorder_point, None if max_qty is None else max_qty * unit)
    if alert is None and alerted_only:
        return None
    suggested = order_quantity(safety - have + daily * review - daily * lead, unit, pack_size)
    up_to = order_quantity(safety + daily * (lead + review) - have - on_order * unit, unit,
                           pack_size)
    return ReplenishmentRow(
        item_id=item_id, sku=sku, name=name, name_en=name_en, name_zh=name_zh,
        category=category, uom=uom, warehouse=warehouse, on_hand=on_hand, on_order=on_order,
        demand=demand, demand_window_days=window, lead_time_days=lead,
        review_period_days=review, safety_stock_source=source, forecast_method=method,
        demand_method=used, suggested_qty=suggested,
        order_up_to_qty=up_to, pack_size=pack_size, max_qty=max_qty,
        supplier_id=supplier_id, supplier=supplier, supplier_name=supplier_name,
        unit_cost=unit_cost, alert=alert, unit=unit, daily_parts=daily, safety_parts=safety,
        reorder_parts=reorder_point)


def _warehouse_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    found = session.scalar(select(Warehouse.id).where(Warehouse.code == code.strip().upper()))
    if found is None:
        raise UnknownRecord(f"no warehouse {code}", warehouse=code)
    return found


def check_alert(alert: str | None) -> str | None:
    """An alert filter: None, "any" or one alert code."""
    if alert in (None, "", "any", *ALERTS):
        return alert or None
    raise Invalid(f"alert: any, {', '.join(ALERTS)}", field="alert")


def replenishment(session: Session, today: date, timezone: str,
                  query: ReplenishmentQuery = ReplenishmentQuery()) -> list[ReplenishmentRow]:
    """One row per active item, by sku. In a warehouse, the items it keeps: with units
    there, demand there in the window, an open order to it, or their home bin there."""
    alert = check_alert(query.alert)
    warehouse_id = _warehouse_id(session, query.warehouse)
    starts = _window_starts(session, today, timezone)
    if not starts:
        return []
    sqlite = _is_sqlite(session)
    stock = _on_hand(sqlite, today, warehouse_id, False).subquery("on_hand")
    demand = _demand(sqlite, starts, warehouse_id, False).subquery("demand")
    orders = _on_order(warehouse_id)
    stmt = (select(*ITEM_COLUMNS, stock.c.on_hand, orders.c.on_order,
                   _window_demand(demand, starts))
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .outerjoin(stock, stock.c.item_id == Item.id)
            .outerjoin(demand, demand.c.item_id == Item.id)
            .outerjoin(orders, orders.c.item_id == Item.id)
            .where(Item.active.is_(True)).order_by(Item.sku))
    if warehouse_id is not None:
        home_bins = select(Location.id).where(Location.warehouse_id == warehouse_id)
        stmt = stmt.where(or_(stock.c.item_id.is_not(None), demand.c.item_id.is_not(None),
                              orders.c.addressed > 0, Item.home_location_id.in_(home_bins)))
    if query.category:
        stmt = stmt.where(Item.category == query.category)
    if query.sku:
        stmt = stmt.where(Item.sku == query.sku.strip())
    if query.skus is not None:
        stmt = stmt.where(Item.sku.in_(list(query.skus)))
    code = query.warehouse.strip().upper() if warehouse_id is not None and query.warehouse \
        else None
    forecasts = _Forecasts(session, today, timezone, warehouse_id, False)
    rows = []
    # Core rows, not ORM ones: 50k rows read twice as fast
    for values in session.connection().execute(stmt).all():
        *item, on_hand, on_order, units = values
        row = _row(item, code, int(on_hand or 0), int(on_order or 0), int(units or 0),
                   forecasts.of(item[_ID], None, item[_WINDOW], item[_METHOD]),
                   alert is not None)
        if row is not None and (alert is None or row.alert == alert or alert == "any"):
            rows.append(row)
    return rows


def alerted_by_warehouse(session: Session, today: date,
                         timezone: str) -> list[ReplenishmentRow]:
    """Per warehouse, the items it keeps (see `replenishment`) that have an alert (the rows the
    replenishment list of that warehouse shows with "only alerts"), by warehouse and sku,
    in one statement. Their `on_order` is not read: no alert depends on it."""
    starts = _window_starts(session, today, timezone)
    if not starts:
        return []
    sqlite = _is_sqlite(session)
    # Common table expressions: each sum is read once, though both pick the pairs and
    # give their figures (the engines keep a CTE named twice instead of running it twice).
    stock = _on_hand(sqlite, today, None, True).cte("on_hand")
    demand = _demand(sqlite, starts, None, True).cte("demand")
    kept = union(
        select(stock.c.item_id, stock.c.warehouse_id),
        select(demand.c.item_id, demand.c.warehouse_id),
        select(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.status.in_(EXPECTING), PurchaseOrder.warehouse_id.is_not(None)),
        select(Item.id, Location.warehouse_id)
        .join(Location, Location.id == Item.home_location_id),
    ).subquery("kept")
    stmt = (select(*ITEM_COLUMNS, Warehouse.code, kept.c.warehouse_id, stock.c.on_hand,
                   _window_demand(demand, starts))
            .select_from(kept)
            .join(Item, Item.id == kept.c.item_id)
            .join(Warehouse, Warehouse.id == kept.c.warehouse_id)
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .outerjoin(stock, and_(stock.c.item_id == kept.c.item_id,
                                   stock.c.warehouse_id == kept.c.warehouse_id))
            .outerjoin(demand, and_(demand.c.item_id == kept.c.item_id,
                                    demand.c.warehouse_id == kept.c.warehouse_id))
            .where(Item.active.is_(True)).order_by(Warehouse.code, Item.sku))
    forecasts = _Forecasts(session, today, timezone, None, True)
    rows = []
    # Core rows, not ORM ones: 50k rows read twice as fast
    for values in session.connection().execute(stmt).all():
        *item, warehouse, warehouse_id, on_hand, units = values
        row = _row(item, warehouse, int(on_hand or 0), 0, int(units or 0),
                   forecasts.of(item[_ID], warehouse_id, item[_WINDOW],
                                item[_METHOD]), True)
        if row is not None:
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
