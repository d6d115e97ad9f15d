"""API v1: replenishment, as the seeds compute it, and draft purchase orders made from its
suggestions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api
from wms.api.schemas import Body, Code
from wms.reports.replenishment import (
    ALERTS,
    ReplenishmentQuery,
    ReplenishmentRow,
    replenishment,
)
from wms.services.replenishment_orders import make_draft_purchase_orders
from wms.services.shelf_life import warehouse_today

ItemForecastMethod = Literal["moving_average", "exp_smoothing", "auto"]
Alert = Literal["below_safety_stock", "below_reorder_point", "above_max"]


class ReplenishmentRowJson(TypedDict):
    sku: str
    name: str
    category: str | None
    warehouse: Annotated[str | None, Field(description="the warehouse asked for; null for "
                                                       "all of them")]
    on_hand: Annotated[int, Field(description=(
        "units outside quarantine and in-transit locations, of lots not expired, less "
        "those reserved (in the warehouse asked for)"))]
    on_order: Annotated[int, Field(description=(
        "units ordered and not yet received on open and partly received purchase orders "
        "(to the warehouse asked for, or to none in particular); drafts, cancelled and "
        "closed orders do not count"))]
    demand: Annotated[int, Field(description=(
        "units shipped to customers less units they returned, over the last "
        "demand_window_days calendar days (today included), never below 0"))]
    demand_window_days: int
    avg_daily_demand: Annotated[float, Field(description=(
        "the daily demand forecast by the item's forecast_method (demand_method names the "
        "method used): for moving_average (the default) demand / demand_window_days; for "
        "exp_smoothing the smoothed daily demand (alpha 0.3) over the last 90 days; 4 "
        "places"))]
    forecast_method: Annotated[ItemForecastMethod, Field(description=(
        "the item's forecast method as kept: moving_average, exp_smoothing, or auto "
        "(whichever has the smaller MAPE over the last 90 days)"))]
    demand_method: Annotated[Literal["moving_average", "exp_smoothing"], Field(description=(
        "the method avg_daily_demand comes from (auto resolved)"))]
    lead_time_days: Annotated[int, Field(description=(
        "the item's lead time, else its supplier's, else 0"))]
    review_period_days: int
    safety_stock: Annotated[float, Field(description=(
        "the item's fixed safety stock, else avg_daily_demand x lead_time_days x "
        "instability_factor (4 places)"))]
    safety_stock_source: Literal["computed", "fixed"]
    reorder_point: Annotated[float, Field(description=(
        "avg_daily_demand x lead_time_days + safety_stock (4 places)"))]
    suggested_qty: Annotated[int, Field(description=(
        "the seeds' purchase quantity: safety_stock - on_hand + avg_daily_demand x "
        "review_period_days - avg_daily_demand x lead_time_days, rounded up to a whole "
        "number and then to a multiple of pack_size; 0 when not above 0"))]
    order_up_to_qty: Annotated[int, Field(description=(
        "the textbook periodic review: safety_stock + avg_daily_demand x (lead_time_days + "
        "review_period_days) - on_hand - on_order, rounded the same way"))]
    pack_size: int
    max_qty: int | None
    supplier: str | None
    supplier_name: str | None
    alert: Annotated[Alert | None, Field(description=(
        "the most urgent of below_safety_stock (on_hand < safety_stock), "
        "below_reorder_point (on_hand < reorder_point), above_max (on_hand > max_qty), "
        "or null"))]


class ReplenishmentListJson(TypedDict):
    rows: list[ReplenishmentRowJson]
    total: int


class DraftOrdersJson(TypedDict):
    purchase_orders: Annotated[list[str], Field(description="the drafts' numbers, one per "
                                                            "supplier")]
    without_supplier: Annotated[list[str], Field(description=(
        "skus to order that have no supplier: no draft holds them"))]


class ReplenishmentOrdersBody(Body):
    """Which suggestions to order: these skus (all with a suggestion when left out), for
    this warehouse (all when left out)."""

    skus: Annotated[list[Code], Field(max_length=10_000)] | None = None
    warehouse: Code | None = None


def replenishment_row_json(row: ReplenishmentRow) -> ReplenishmentRowJson:
    return {
        "sku": row.sku, "name": row.name, "category": row.category,
        "warehouse": row.warehouse, "on_hand": row.on_hand, "on_order": row.on_order,
        "demand": row.demand, "demand_window_days": row.demand_window_days,
        "avg_daily_demand": float(row.avg_daily_demand),
        "forecast_method": row.forecast_method,  # type: ignore[typeddict-item]
        "demand_method": row.demand_method,  # type: ignore[typeddict-item]
        "lead_time_days": row.lead_time_days,
        "review_period_days": row.review_period_days,
        "safety_stock": float(row.safety_stock),
        "safety_stock_source": row.safety_stock_source,  # type: ignore[typeddict-item]
        "reorder_point": float(row.reorder_point), "suggested_qty": row.suggested_qty,
        "order_up_to_qty": row.order_up_to_qty, "pack_size": row.pack_size,
        "max_qty": row.max_qty, "supplier": row.supplier, "supplier_name": row.supplier_name,
        "alert": row.alert,  # type: ignore[typeddict-item]
    }


@api("GET", "/replenishment", permission="read", tag="planning",
     query=("warehouse", "category", "sku", "alert", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "alert": {"type": "string", "enum": ["any", *ALERTS],
                              "description": "only items with an alert (any), or with "
                                             "this one"}},
     summary="Replenishment per item, with the seeds' formulas: on hand, on order, average "
     "daily demand, safety stock, reorder point, the purchase quantity and the order-up-to "
     "quantity, and the alert. The lead time is the item's, else its supplier's, else 0",
     errors=("invalid", "not_found"), response=ReplenishmentListJson)
def get_replenishment(call: Call) -> Reply:
    w = window(call)
    q = call.query
    rows = replenishment(call.session, warehouse_today(call.settings.timezone),
                         call.settings.timezone,
                         ReplenishmentQuery(warehouse=q.get("warehouse") or None,
                                            category=q.get("category") or None,
                                            sku=q.get("sku") or None,
                                            alert=q.get("alert") or None))
    end = None if w.limit is None else w.offset + w.limit
    return rows_reply([replenishment_row_json(row) for row in rows[w.offset:end]], len(rows))


@api("POST", "/replenishment/purchase-orders", permission="orders", tag="planning",
     body=ReplenishmentOrdersBody, success=201,
     summary="Draft purchase orders from the suggestions (suggested_qty above 0), one per "
     "supplier, priced at the supplier's last price for the item, else its unit cost; the "
     "buyer edits and sends them", errors=("invalid", "not_found", "conflict"),
     response=DraftOrdersJson)
def post_replenishment_orders(call: Call) -> Reply:
    b = call.body if call.body is not None else ReplenishmentOrdersBody()
    made = make_draft_purchase_orders(
        call.session, warehouse_today(call.settings.timezone), call.settings.timezone,
        call.user.id, skus=b.skus, warehouse=b.warehouse)
    return 201, {"purchase_orders": made.numbers, "without_supplier": made.without_supplier}
