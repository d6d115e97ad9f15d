"""API v1: the analysis reports (turnover, ABC, slow movers, stock age, sales) and the count
schedule. Each is a list answering {"rows", "total"}, and a CSV or XLSX file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api, whole_number
from wms.errors import Invalid
from wms.money import money
from wms.reports.abc import abc_ranking, apply_classes
from wms.reports.count_schedule import count_schedule, create_scheduled_counts
from wms.reports.period import Period, midnight, period_of, rate
from wms.reports.population import warehouse_id
from wms.reports.sales import GROUPS as SALES_GROUPS
from wms.reports.sales import sales
from wms.reports.settings import abc_thresholds, count_intervals, today_in, zone_of
from wms.reports.stock import bucket_names, parse_buckets, slow_movers, stock_age
from wms.reports.turnover import GROUPS as TURNOVER_GROUPS
from wms.reports.turnover import turnover

DAY = {"type": "string", "format": "date",
       "pattern": "^(19[7-9][0-9]|20[0-9][0-9])-[0-9]{2}-[0-9]{2}$",
       "description": "a calendar day from 1970 to 2099, YYYY-MM-DD"}
PERIOD_SCHEMAS: dict[str, dict[str, Any]] = {
    **LIST_QUERY_SCHEMAS, "from": {**DAY, "description": "the period's first day (default: "
                                                         "30 days before `to`)"},
    "to": {**DAY, "description": "the period's last day (default: today)"}}


def _period(call: Call) -> Period:
    zone = zone_of(call.settings)
    return period_of(call.query.get("from"), call.query.get("to"), zone, today_in(zone))


def _choice(call: Call, name: str, choices: tuple[str, ...]) -> str:
    value = call.query.get(name) or choices[0]
    if value not in choices:
        raise Invalid(f"{name}: one of {', '.join(choices)}", field=name)
    return value


def _text(call: Call, name: str) -> str | None:
    return (call.query.get(name) or "").strip()[:64] or None


class TurnoverRowJson(TypedDict):
    sku: str | None
    category: str | None
    name: str | None
    cogs: str
    avg_inventory_value: str
    turnover: float | None
    turnover_days: float | None
    days: int


class TurnoverPageJson(TypedDict):
    rows: list[TurnoverRowJson]
    total: int


@api("GET", "/reports/turnover", permission="office", tag="reports",
     query=("from", "to", "warehouse", "category", "group", *LIST_QUERY),
     query_schemas={**PERIOD_SCHEMAS,
                    "group": {"type": "string", "enum": list(TURNOVER_GROUPS)}},
     summary="Turnover and turnover days per item or category over a period",
     errors=("invalid",), response=TurnoverPageJson)
def get_turnover(call: Call) -> Reply:
    span = window(call)
    period = _period(call)
    group = _choice(call, "group", TURNOVER_GROUPS)
    rows, total = turnover(call.session, period, group=group, category=_text(call, "category"),
                           warehouse=warehouse_id(call.session, _text(call, "warehouse")),
                           limit=span.limit, offset=span.offset)
    return rows_reply([{
        "sku": r.key if group == "item" else None,
        "category": r.key if group == "category" else None, "name": r.name,
        "cogs": money(r.cogs), "avg_inventory_value": money(r.avg_inventory_value),
        "turnover": rate(r.turnover), "turnover_days": rate(r.turnover_days),
        "days": period.days} for r in rows], total)


AbcRowJson = TypedDict("AbcRowJson", {
    "sku": str, "name": str, "consumption_value": str, "share": float,
    "cumulative_share": float, "class": str})


class AbcPageJson(TypedDict):
    rows: list[AbcRowJson]
    total: int


class AbcAppliedJson(TypedDict):
    classes: dict[str, int]


@api("GET", "/reports/abc", permission="office", tag="reports",
     query=("from", "to", "category", *LIST_QUERY), query_schemas=PERIOD_SCHEMAS,
     summary="Items ranked by consumption value with their ABC class",
     errors=("invalid",), response=AbcPageJson)
def get_abc(call: Call) -> Reply:
    span = window(call)
    rows, total = abc_ranking(call.session, _period(call), category=_text(call, "category"),
                              thresholds=abc_thresholds(call.settings), limit=span.limit,
                              offset=span.offset)
    return rows_reply([{
        "sku": r.sku, "name": r.name, "consumption_value": money(r.consumption_value),
        "share": rate(r.share), "cumulative_share": rate(r.cumulative_share),
        "class": r.abc_class} for r in rows], total)


@api("POST", "/reports/abc/apply", permission="master_data", tag="reports",
     query=("from", "to", "category"), query_schemas=PERIOD_SCHEMAS,
     summary="Write each item's ABC class from the ranking", errors=("invalid",),
     response=AbcAppliedJson)
def post_abc_apply(call: Call) -> Reply:
    counts = apply_classes(call.session, _period(call), category=_text(call, "category"),
                           thresholds=abc_thresholds(call.settings), user_id=call.user.id)
    return 200, {"classes": counts}


class SlowMoverJson(TypedDict):
    sku: str
    name: str
    on_hand: int
    stock_value: str
    last_shipped_at: str | None
    oldest_lot_received_at: str | None


class SlowMoversPageJson(TypedDict):
    rows: list[SlowMoverJson]
    total: int


def _days(call: Call) -> int:
    text = call.query.get("days")
    if not text:
        return 90
    number = whole_number(text)
    if number is None or not 1 <= number <= 3660:
        raise Invalid("days: a whole number from 1 to 3660", field="days")
    return number


@api("GET", "/reports/slow-movers", permission="office", tag="reports",
     query=("days", "category", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "days": {"type": "integer", "minimum": 1, "maximum": 3660,
                             "default": 90}},
     summary="Items with stock and no shipment in the last days", errors=("invalid",),
     response=SlowMoversPageJson)
def get_slow_movers(call: Call) -> Reply:
    span = window(call)
    zone = zone_of(call.settings)
    since = midnight(today_in(zone) - timedelta(days=_days(call) - 1), zone)
    rows, total = slow_movers(call.session, since=since, category=_text(call, "category"),
                              limit=span.limit, offset=span.offset)
    return rows_reply([{
        "sku": r.sku, "name": r.name, "on_hand": r.on_hand,
        "stock_value": money(r.stock_value),
        "last_shipped_at": r.last_shipped_at.isoformat() if r.last_shipped_at else None,
        "oldest_lot_received_at": (r.oldest_lot_received_at.isoformat()
                                   if r.oldest_lot_received_at else None)}
        for r in rows], total)


class AgeBucketJson(TypedDict):
    bucket: str
    qty: int
    value: str


class StockAgeRowJson(TypedDict):
    sku: str
    name: str
    qty: int
    value: str
    buckets: list[AgeBucketJson]


class StockAgePageJson(TypedDict):
    rows: list[StockAgeRowJson]
    total: int
    # the fields of a file's columns, in order (qty_0_30, value_0_30, ...)
    columns: list[str]


@api("GET", "/reports/stock-age", permission="office", tag="reports",
     query=("buckets", "category", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "buckets": {"type": "string", "pattern": "^[0-9]{1,5}(,[0-9]{1,5}){0,11}$",
                                "default": "30,60,90",
                                "description": "days that end each age bucket; the last "
                                               "bucket holds what is older"}},
     summary="Units and value of each item's stock by age of its lots", errors=("invalid",),
     response=StockAgePageJson)
def get_stock_age(call: Call) -> Reply:
    span = window(call)
    limits = parse_buckets(call.query.get("buckets"))
    zone = zone_of(call.settings)
    rows, total = stock_age(call.session, today=today_in(zone), zone=zone, limits=limits,
                            category=_text(call, "category"), limit=span.limit,
                            offset=span.offset)
    columns = ["sku", "name", "qty", "value"]
    for _, key in bucket_names(limits):
        columns += [f"qty_{key}", f"value_{key}"]
    answer = []
    for r in rows:
        row: dict[str, Any] = {"sku": r.sku, "name": r.name, "qty": r.qty,
                               "value": money(r.value),
                               "buckets": [{"bucket": b.label, "qty": b.qty,
                                            "value": money(b.value)} for b in r.buckets]}
        for b in r.buckets:
            row[f"qty_{b.key}"] = b.qty
            row[f"value_{b.key}"] = money(b.value)
        answer.append(row)
    return 200, {"rows": answer, "total": total, "columns": columns}


class SalesPageJson(TypedDict):
    # per row: `sku` and `name`, `customer` and `name`, or `day`; then qty (shipped),
    # returned, revenue, refunds, net_revenue, cogs (net of returns), gross_margin and
    # margin_rate (of net revenue)
    rows: list[dict[str, Any]]
    total: int


@api("GET", "/reports/sales", permission="office", tag="reports",
     query=("from", "to", "group", *LIST_QUERY),
     query_schemas={**PERIOD_SCHEMAS, "group": {"type": "string", "enum": list(SALES_GROUPS)}},
     summary="Sales by item, customer or day: units, returns, revenue, cost and gross margin",
     errors=("invalid",), response=SalesPageJson)
def get_sales(call: Call) -> Reply:
    span = window(call)
    group = _choice(call, "group", SALES_GROUPS)
    rows, total = sales(call.session, _period(call), group=group, limit=span.limit,
                        offset=span.offset)
    field = {"item": "sku", "customer": "customer", "day": "day"}[group]
    return rows_reply([{
        field: r.key, **({"name": r.name} if group != "day" else {}), "qty": r.qty,
        "returned": r.returned, "revenue": money(r.revenue), "refunds": money(r.refunds),
        "net_revenue": money(r.net_revenue), "cogs": money(r.cogs),
        "gross_margin": money(r.gross_margin), "margin_rate": rate(r.margin_rate)}
        for r in rows], total)


class DueBinJson(TypedDict):
    location: str
    warehouse: str
    zone: str | None
    abc_class: str
    last_counted_at: str | None
    due_on: str
    days_overdue: int


class SchedulePageJson(TypedDict):
    rows: list[DueBinJson]
    total: int


@api("GET", "/counts/schedule", permission="office", tag="counts",
     query=("warehouse", *LIST_QUERY), query_schemas=LIST_QUERY_SCHEMAS,
     summary="Bins due for counting by their items' ABC class", errors=("invalid",),
     response=SchedulePageJson)
def get_count_schedule(call: Call) -> Reply:
    span = window(call)
    zone = zone_of(call.settings)
    due = count_schedule(call.session, today=today_in(zone), zone=zone,
                         warehouse=warehouse_id(call.session, _text(call, "warehouse")),
                         intervals=count_intervals(call.settings))
    end = None if span.limit is None else span.offset + span.limit
    return rows_reply([{
        "location": b.location, "warehouse": b.warehouse, "zone": b.zone,
        "abc_class": b.abc_class,
        "last_counted_at": b.last_counted_at.isoformat() if b.last_counted_at else None,
        "due_on": b.due_on.isoformat(), "days_overdue": b.days_overdue}
        for b in due[span.offset:end]], len(due))


class ScheduleCreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse: str | None = Field(default=None, max_length=20)
    # the bins to count (of those due); none: every bin due
    locations: list[str] = Field(default_factory=list, max_length=5000)
    max_bins: int | None = Field(default=None, ge=1, le=5000)


class ScheduledCountJson(TypedDict):
    id: int
    status: str
    locations: list[str]


@api("POST", "/counts/schedule/create", permission="approve", tag="counts",
     body=ScheduleCreateBody, success=201,
     summary="Open a count of the bins due, for counters to do on the handheld",
     errors=("invalid",), response=ScheduledCountJson)
def post_count_schedule(call: Call) -> Reply:
    zone = zone_of(call.settings)
    body: ScheduleCreateBody = call.body
    count = create_scheduled_counts(
        call.session, today=today_in(zone), zone=zone,
        warehouse=warehouse_id(call.session, body.warehouse),
        intervals=count_intervals(call.settings), max_bins=body.max_bins,
        locations=body.locations, user_id=call.user.id)
    return 201, {"id": count.id, "status": count.status,
                 "locations": [cl.location.code for cl in count.locations]}
