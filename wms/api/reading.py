"""API v1: reading stock and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

from wms.api.registry import Call, Reply, api, whole_number
from wms.api.serialize import LedgerRowJson, StockRowJson, ledger_json, stock_json
from wms.errors import Invalid
from wms.services.stock_queries import ledger_rows, stock_rows


@api("GET", "/stock", permission="read", query=("sku", "location", "warehouse", "lot"),
     summary="Stock rows with units, filtered", errors=("unknown_item", "unknown_location"),
     response=list[StockRowJson])
def get_stock(call: Call) -> Reply:
    q = call.query
    rows = stock_rows(call.session, sku=q.get("sku"), location=q.get("location"),
                      warehouse=q.get("warehouse"), lot=q.get("lot"))
    return 200, [stock_json(row) for row in rows]


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("since: an ISO 8601 date or time", field="since") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _limit(text: str | None, ceiling: int) -> int:
    if not text:
        return 100
    number = whole_number(text)
    if number is None or not 1 <= number <= ceiling:
        raise Invalid(f"limit: a whole number from 1 to {ceiling}", field="limit")
    return number


@api("GET", "/ledger", permission="read", query=("sku", "location", "since", "limit",
                                                 "reference"),
     summary="The moves, newest first", errors=("invalid", "unknown_item", "unknown_location"),
     response=list[LedgerRowJson])
def get_ledger(call: Call) -> Reply:
    q = call.query
    rows = ledger_rows(call.session, sku=q.get("sku"), location=q.get("location"),
                       since=_since(q.get("since")),
                       limit=_limit(q.get("limit"), call.settings.api_page_limit),
                       reference=q.get("reference"))
    return 200, [ledger_json(row) for row in rows]
