"""API v1: forecasts of an item's daily demand, supplier evaluation with suppliers ranked
side by side, and the warehouse map's bins with their figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api, whole_number
from wms.errors import Invalid
from wms.money import money
from wms.reports.forecast import (
    DEFAULT_ALPHA,
    DEFAULT_DAYS,
    DEFAULT_HORIZON,
    DEFAULT_WINDOW,
    METHODS,
    Forecast,
    ForecastQuery,
    ItemForecast,
    forecast,
    item_forecast,
)
from wms.reports.suppliers import (
    SupplierEvaluation,
    clamp_period,
    supplier_evaluation,
    supplier_ranking,
)
from wms.reports.warehouse_map import (
    COLORS,
    DEFAULT_PICK_DAYS,
    MapBin,
    first_warehouse,
    warehouse_map,
)
from wms.services.shelf_life import warehouse_today

DATE = {"type": "string", "format": "date"}
PERIOD_QUERY_SCHEMAS = {
    "from": {**DATE, "description": "first day of the period (default: a year before to)"},
    "to": {**DATE, "description": "last day of the period (default: today)"},
}


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _whole(call: Call, name: str, default: int) -> int:
    text = call.query.get(name)
    if not text:
        return default
    number = whole_number(text)
    if number is None or number > 100_000:
        raise Invalid(f"{name}: a whole number", field=name)
    return number


def _day(call: Call, name: str, default: date) -> date:
    text = call.query.get(name)
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{name}: a date like 2026-11-22", field=name) from None


def period_of(call: Call) -> tuple[date, date]:
    """The period `from`..`to` the query asks for (default: the year ending today)."""
    last = _day(call, "to", warehouse_today(call.settings.timezone))
    first = _day(call, "from", max(last, date(1901, 1, 1)) - timedelta(days=364))
    return clamp_period(first, last)


# ---------------------------------------------------------------- forecast

class DemandDayJson(TypedDict):
    date: str
    demand: Annotated[int, Field(description="units shipped less units returned that day")]
    forecast: Annotated[float | None, Field(description=(
        "the chosen method's one-step-ahead forecast of that day from the days before it "
        "(4 places); null where it has none"))]


class ForecastDayJson(TypedDict):
    date: str
    qty: float


class ForecastMapeJson(TypedDict):
    moving_average: float | None
    exp_smoothing: float | None


class ItemForecastJson(TypedDict):
    forecast_method: Annotated[Literal["moving_average", "exp_smoothing", "auto"], Field(
        description="the method the item keeps for its replenishment (PUT /items/{sku})")]
    demand_method: Annotated[Literal["moving_average", "exp_smoothing"], Field(
        description="the method its daily demand comes from now (auto resolved)")]
    avg_daily_demand: Annotated[float, Field(description=(
        "the daily demand the replenishment uses (4 places): the moving average of the "
        "item's demand_window_days, or exponential smoothing with alpha 0.3 over the last "
        "90 days"))]
    demand_window_days: int
    mape: Annotated[ForecastMapeJson, Field(description=(
        "each method's error over the last 90 days with the item's own window and alpha "
        "0.3 (what auto compares); both null for a plain moving average"))]


class ForecastJson(TypedDict):
    sku: str
    method: Literal["moving_average", "exp_smoothing"]
    window: int
    alpha: float
    days: int
    from_: Annotated[str, Field(alias="from")]
    to: str
    history: list[DemandDayJson]
    forecast_daily: Annotated[float, Field(description=(
        "the daily demand forecast for the days ahead (4 places)"))]
    forecast: list[ForecastDayJson]
    mape: Annotated[ForecastMapeJson, Field(description=(
        "mean absolute percentage error of each method's one-step-ahead forecasts over "
        "the history, as a share (0.25 = 25 %); days with 0 actual demand are left out; "
        "null when no day is left"))]
    best_method: Literal["moving_average", "exp_smoothing"] | None
    replenishment: Annotated[ItemForecastJson, Field(description=(
        "how the item's replenishment forecasts its daily demand, whatever the query "
        "asks for"))]


def forecast_json(result: Forecast, kept: ItemForecast) -> dict[str, object]:
    q = result.query
    ahead = float(result.forecast_daily)
    return {
        "sku": result.item.sku, "method": q.method, "window": q.window,
        "alpha": float(q.alpha), "days": q.days, "from": result.first.isoformat(),
        "to": q.today.isoformat(),
        "history": [{"date": d.day.isoformat(), "demand": d.demand,
                     "forecast": None if d.fitted is None else float(d.fitted)}
                    for d in result.history],
        "forecast_daily": ahead,
        "forecast": [{"date": day.isoformat(), "qty": ahead} for day in result.horizon_days],
        "mape": {name: _rate(value) for name, value in result.mape.items()},
        "best_method": result.best_method,
        "replenishment": {
            "forecast_method": kept.method, "demand_method": kept.used,
            "avg_daily_demand": float(kept.daily),
            "demand_window_days": result.item.demand_window_days,
            "mape": {name: _rate(kept.mape.get(name)) for name in METHODS},
        },
    }


def forecast_query_of(call: Call) -> ForecastQuery:
    """The forecast the query string asks for."""
    q = call.query
    sku = (q.get("sku") or "").strip()
    alpha_text = q.get("alpha")
    try:
        alpha = Decimal(alpha_text) if alpha_text else DEFAULT_ALPHA
    except InvalidOperation:
        raise Invalid("alpha: a number above 0 and at most 1", field="alpha") from None
    if not alpha.is_finite():
        raise Invalid("alpha: a number above 0 and at most 1", field="alpha")
    return ForecastQuery(sku=sku, today=warehouse_today(call.settings.timezone),
                         timezone=call.settings.timezone,
                         method=q.get("method") or "moving_average",
                         window=_whole(call, "window", DEFAULT_WINDOW), alpha=alpha,
                         days=_whole(call, "days", DEFAULT_DAYS),
                         horizon=_whole(call, "horizon", DEFAULT_HORIZON))


@api("GET", "/reports/forecast", permission="office", tag="planning",
     query=("sku", "method", "window", "alpha", "days", "horizon"),
     query_schemas={
         "method": {"type": "string", "enum": list(METHODS), "default": "moving_average"},
         "window": {"type": "integer", "minimum": 1, "maximum": 3660,
                    "default": DEFAULT_WINDOW,
                    "description": "days the moving average takes: the mean of the window "
                                   "days before each day (before the history too)"},
         "alpha": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                   "default": float(DEFAULT_ALPHA),
                   "description": "the smoothing constant of exp_smoothing"},
         "days": {"type": "integer", "minimum": 1, "maximum": 3660, "default": DEFAULT_DAYS,
                  "description": "days of history, today included"},
         "horizon": {"type": "integer", "minimum": 0, "maximum": 366,
                     "default": DEFAULT_HORIZON, "description": "days ahead to forecast"},
     },
     summary="An item's daily demand (units shipped less returned per calendar day, zero "
     "days included) over the last `days` days, the forecast of the chosen method (moving "
     "average of `window` days, or exponential smoothing with `alpha`) and the MAPE of both "
     "methods over that history", errors=("invalid", "unknown_item"), response=ForecastJson)
def get_forecast(call: Call) -> Reply:
    result = forecast(call.session, forecast_query_of(call))
    q = result.query
    return 200, forecast_json(result, item_forecast(call.session, result.item, q.today,
                                                    q.timezone))


# ---------------------------------------------------------------- suppliers

class PricePointJson(TypedDict):
    sku: str
    date: Annotated[str, Field(description="the day the order was made")]
    unit_price: Annotated[str, Field(description="2-place decimal")]


class SupplierFiguresJson(TypedDict):
    supplier: str
    name: str
    lines_due: Annotated[int, Field(description=(
        "lines of the supplier's orders (not draft or cancelled) expected in the period "
        "(an order without expected_date: on the day it was made)"))]
    lines_on_time: int
    on_time_rate: Annotated[float | None, Field(description=(
        "lines received in full on or before their order's expected_date / lines due"))]
    units_ordered: int
    units_received: int
    units_rejected: int
    fill_rate: Annotated[float | None, Field(description="units received / units ordered")]
    reject_rate: Annotated[float | None, Field(description=(
        "units rejected at inspection / units delivered (received + rejected)"))]
    deliveries: Annotated[int, Field(description=(
        "deliveries of the lines due: a line's units arriving in one receipt"))]
    avg_lead_time_days: Annotated[float | None, Field(description=(
        "mean, over the deliveries, of the calendar days from the order's day to the "
        "receipt's day"))]


class SupplierEvaluationJson(SupplierFiguresJson):
    from_: Annotated[str, Field(alias="from")]
    to: str
    price_history: list[PricePointJson]


class SupplierRankingJson(TypedDict):
    rows: list[SupplierFiguresJson]
    total: int


def supplier_figures_json(e: SupplierEvaluation) -> dict[str, object]:
    return {"supplier": e.code, "name": e.name, "lines_due": e.lines_due,
            "lines_on_time": e.lines_on_time, "on_time_rate": _rate(e.on_time_rate),
            "units_ordered": e.units_ordered, "units_received": e.units_received,
            "units_rejected": e.units_rejected, "fill_rate": _rate(e.fill_rate),
            "reject_rate": _rate(e.reject_rate), "deliveries": e.deliveries,
            "avg_lead_time_days": _rate(e.avg_lead_time_days)}


@api("GET", "/suppliers/{code}/evaluation", permission="office", tag="planning",
     query=("from", "to"), query_schemas=PERIOD_QUERY_SCHEMAS,
     summary="A supplier over the lines due in a period: on-time rate, fill rate, reject "
     "rate at inspection, average lead time and the prices of its order lines",
     errors=("invalid", "not_found"), response=SupplierEvaluationJson)
def get_supplier_evaluation(call: Call) -> Reply:
    first, last = period_of(call)
    e = supplier_evaluation(call.session, call.params["code"], first, last,
                            call.settings.timezone)
    return 200, {**supplier_figures_json(e), "from": first.isoformat(),
                 "to": last.isoformat(),
                 "price_history": [{"sku": p.sku, "date": p.day.isoformat(),
                                    "unit_price": money(p.unit_price)}
                                   for p in e.price_history]}


@api("GET", "/reports/suppliers", permission="office", tag="planning",
     query=("from", "to", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS, **PERIOD_QUERY_SCHEMAS},
     summary="Suppliers with lines due in a period side by side, best first: on-time rate, "
     "then fill rate, then reject rate", errors=("invalid",), response=SupplierRankingJson)
def get_supplier_ranking(call: Call) -> Reply:
    w = window(call)
    first, last = period_of(call)
    rows = supplier_ranking(call.session, first, last, call.settings.timezone)
    end = None if w.limit is None else w.offset + w.limit
    return rows_reply([supplier_figures_json(e) for e in rows[w.offset:end]], len(rows))


# ---------------------------------------------------------------- the warehouse map

class MapBinJson(TypedDict):
    location: str
    kind: str
    zone: str | None
    aisle: Annotated[int | None, Field(description="null: no bin address (a dock, ...)")]
    bay: int | None
    level: int | None
    capacity: int | None
    units: int
    fill: Annotated[float | None, Field(description="units / capacity (4 places)")]
    picks: Annotated[int | None, Field(description=(
        "pick moves out of the location in the last `days` days (color=picks)"))]
    last_counted: Annotated[str | None, Field(description="day of the last count entry "
                                                          "(color=count_age)")]
    count_age_days: int | None
    blocked: bool
    quarantine: bool
    band: Annotated[int | None, Field(description=(
        "the colour band of the view: 0 (empty / never picked) to 4 (the most), 5 over "
        "capacity; count_age: 1 within 7 days, 2 within 30, 3 within 90, 4 older; null: "
        "no capacity (fill) or never counted (count_age)"))]


class WarehouseMapJson(TypedDict):
    rows: list[MapBinJson]
    total: int


def map_bin_json(b: MapBin) -> dict[str, object]:
    return {"location": b.code, "kind": b.kind, "zone": b.zone, "aisle": b.aisle,
            "bay": b.bay, "level": b.level, "capacity": b.capacity, "units": b.units,
            "fill": _rate(b.fill), "picks": b.picks,
            "last_counted": b.last_counted.isoformat() if b.last_counted else None,
            "count_age_days": b.count_age_days, "blocked": b.blocked,
            "quarantine": b.quarantine, "band": b.band}


@api("GET", "/reports/warehouse-map", permission="read", tag="planning",
     query=("warehouse", "color", "days", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "warehouse": {"type": "string", "pattern": "^[^\\x00]*$",
                                  "description": "the warehouse (code) to draw; the first "
                                                 "one by code when left out"},
                    "color": {"type": "string", "enum": list(COLORS), "default": "fill"},
                    "days": {"type": "integer", "minimum": 1, "maximum": 3660,
                             "default": DEFAULT_PICK_DAYS,
                             "description": "days of picks counted (color=picks)"}},
     summary="The locations of a warehouse by zone, aisle, bay and level with their units "
     "against capacity, pick moves in the last `days` days or days since the last count, "
     "blocked and quarantine locations marked", errors=("invalid", "not_found"),
     response=WarehouseMapJson)
def get_warehouse_map(call: Call) -> Reply:
    w = window(call)
    code = (call.query.get("warehouse") or "").strip() or first_warehouse(call.session)
    result = warehouse_map(call.session, code, call.query.get("color") or "fill",
                           today=warehouse_today(call.settings.timezone),
                           timezone=call.settings.timezone,
                           days=_whole(call, "days", DEFAULT_PICK_DAYS))
    end = None if w.limit is None else w.offset + w.limit
    return rows_reply([map_bin_json(b) for b in result.bins[w.offset:end]], len(result.bins))
