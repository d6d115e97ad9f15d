"""Records turned into the JSON shapes of API v1. Each shape is a TypedDict: the
serializers are checked against it by the type checker, and the OpenAPI document takes its
response schemas from the same TypedDicts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, NotRequired

from pydantic import WithJsonSchema
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from typing_extensions import TypedDict

from wms.auth import Caller
from wms.models import (
    Customer,
    Item,
    Location,
    Lot,
    Move,
    PickList,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Supplier,
    Transfer,
    User,
)
from wms.models.catalog import FORECAST_METHODS
from wms.models.counting import COUNT_STATUSES
from wms.models.layout import LOCATION_KINDS
from wms.models.printing import JOB_STATUSES
from wms.models.purchasing import PO_STATUSES
from wms.models.sales import SO_STATUSES
from wms.models.stock import MOVE_KINDS
from wms.money import money
from wms.services.item_list import ItemRow
from wms.services.layout import WarehouseRow
from wms.services.order_lists import OrderRow
from wms.services.stock_queries import LedgerRow, StockRow, ledger_rows
from wms.site_config import DOCUMENT_KINDS

# ---------------------------------------------------------------- response shapes
# Dates are ISO 8601 strings ("2026-11-22"), times ISO 8601 with offset.


def _one_of(values: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(values)})


PurchaseOrderStatus = Annotated[str, _one_of(PO_STATUSES)]
SalesOrderStatus = Annotated[str, _one_of(SO_STATUSES)]
CountStatus = Annotated[str, _one_of(COUNT_STATUSES)]
JobStatus = Annotated[str, _one_of(JOB_STATUSES)]
TransferStatus = Annotated[str, _one_of(("in_transit", "received"))]
MoveKind = Annotated[str, _one_of(MOVE_KINDS)]
LocationKind = Annotated[str, _one_of(LOCATION_KINDS)]
Tracking = Annotated[str, _one_of(("none", "lot"))]
ForecastMethod = Annotated[str, WithJsonSchema({
    "type": "string", "enum": list(FORECAST_METHODS),
    "description": "how the replenishment forecasts the item's daily demand: "
                   "moving_average (of demand_window_days, the default), exp_smoothing "
                   "(alpha 0.3 over the last 90 days) or auto (whichever of the two has the "
                   "smaller MAPE over the last 90 days)"})]
DocumentKind = Annotated[str, _one_of(DOCUMENT_KINDS)]
# Money: a decimal string with 2 places ("12.50").
Money = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"})]


class StockRowJson(TypedDict):
    sku: str
    location: str
    lot: str | None
    expiry: str | None
    received_at: str | None
    qty: int
    reserved: int


LedgerRowJson = TypedDict("LedgerRowJson", {
    "id": int, "at": str | None, "kind": MoveKind, "sku": str, "lot": str | None, "qty": int,
    "from": str | None, "to": str | None, "user": str | None, "reference": str | None,
    "reason": str | None, "note": str | None,
})


class ItemJson(TypedDict):
    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    barcodes: list[str]
    uom: str
    tracking: Tracking
    expiry: bool
    unit_cost: float | None
    category: str | None
    abc_class: str | None
    safety_stock: int | None
    reorder_point: int | None
    min_qty: int | None
    max_qty: int | None
    lead_time_days: int | None
    pack_size: int
    zone_code: str | None
    min_shelf_life_days: int | None
    case_barcodes: list[str]
    supplier: str | None
    home_location: str | None
    review_period_days: int
    instability_factor: float
    demand_window_days: int
    forecast_method: ForecastMethod
    active: bool
    avg_cost: Money
    on_hand: NotRequired[int]
    stock_value: NotRequired[Money]
    on_hand_by_status: NotRequired[dict[str, int]]


class ItemRowJson(TypedDict):
    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    category: str | None
    uom: str
    pack_size: int
    supplier: str | None
    avg_cost: Money
    on_hand: int
    stock_value: Money
    active: bool


class ItemListJson(TypedDict):
    rows: list[ItemRowJson]
    total: int


class LocationJson(TypedDict):
    code: str
    warehouse: str
    zone: str | None
    kind: LocationKind
    capacity: int | None
    walk_seq: int
    blocked: bool
    contents: NotRequired[list[StockRowJson]]


class SupplierJson(TypedDict):
    code: str
    name: str
    contact: str | None
    phone: str | None
    email: str | None
    lead_time_days: int | None
    notes: str | None
    tier: str | None
    active: bool


class CustomerJson(TypedDict):
    code: str
    name: str
    tier: str | None
    contact: str | None
    phone: str | None
    address: str | None
    email: str | None
    notes: str | None
    active: bool


class WarehouseJson(TypedDict):
    code: str
    name: str
    zones: int
    bins: int
    blocked: int


class LocationListJson(TypedDict):
    rows: list[LocationJson]
    total: int


class WarehouseListJson(TypedDict):
    rows: list[WarehouseJson]
    total: int


class SupplierListJson(TypedDict):
    rows: list[SupplierJson]
    total: int


class CustomerListJson(TypedDict):
    rows: list[CustomerJson]
    total: int


class PurchaseOrderLineJson(TypedDict):
    sku: str
    qty: int
    received: int
    rejected: int
    unit_price: Money | None
    line_total: Money | None


class PurchaseOrderJson(TypedDict):
    number: str
    supplier: str
    status: PurchaseOrderStatus
    expected_date: str | None
    warehouse: str | None
    created_at: str | None
    created_by: str | None
    cancel_reason: str | None
    total: Money
    lines: list[PurchaseOrderLineJson]


class SalesOrderLineJson(TypedDict):
    sku: str
    qty: int
    picked: int
    shipped: int
    backordered: int
    unit_price: Money | None
    line_total: Money | None


class SalesOrderJson(TypedDict):
    number: str
    customer: str
    status: SalesOrderStatus
    warehouse: str | None
    ship_to: str | None
    created_at: str | None
    created_by: str | None
    cancel_reason: str | None
    shipped_at: str | None
    total: Money
    lines: list[SalesOrderLineJson]


class PurchaseOrderRowJson(TypedDict):
    number: str
    supplier: str
    supplier_name: str
    status: PurchaseOrderStatus
    warehouse: str | None
    expected_date: str | None
    created_at: str
    lines: int
    qty: int
    received: int
    total: Money


class SalesOrderRowJson(TypedDict):
    number: str
    customer: str
    customer_name: str
    status: SalesOrderStatus
    warehouse: str | None
    created_at: str
    lines: int
    qty: int
    shipped: int
    total: Money


class PurchaseOrderListJson(TypedDict):
    rows: list[PurchaseOrderRowJson]
    total: int


class SalesOrderListJson(TypedDict):
    rows: list[SalesOrderRowJson]
    total: int


class PackedOrderJson(SalesOrderJson):
    print_jobs: list[int]


class ShippedOrderJson(SalesOrderJson):
    moves: list[LedgerRowJson]


class PickTaskJson(TypedDict):
    id: int
    seq: int
    location: str
    sku: str
    name: str
    lot: str | None
    qty: int
    picked: int
    short: int


class PickListJson(TypedDict):
    id: int
    order: str
    warehouse: str
    packing_location: str
    tasks: list[PickTaskJson]


class ShortageJson(TypedDict):
    sku: str
    qty: int


class NewPickListJson(PickListJson):
    shortages: list[ShortageJson]


TransferLineJson = TypedDict("TransferLineJson", {
    "sku": str, "lot": str | None, "qty": int, "from": str})


class TransferJson(TypedDict):
    id: int
    status: TransferStatus
    from_warehouse: str
    to_warehouse: str
    transit_location: str
    lines: list[TransferLineJson]


class TransferMovedJson(TransferJson):
    moves: list[LedgerRowJson]


class MovesJson(TypedDict):
    moves: list[LedgerRowJson]


class ReceiptJson(TypedDict):
    id: int
    moves: list[LedgerRowJson]
    print_jobs: list[int]
    purchase_order: NotRequired[PurchaseOrderJson]


class ReturnJson(TypedDict):
    id: int
    moves: list[LedgerRowJson]


class PutawayChoiceJson(TypedDict):
    location: str
    reason: str
    free: int | None


class PutawayJson(TypedDict):
    sku: str
    qty: int
    lot: str | None
    location: str | None
    reason: str | None
    alternatives: list[PutawayChoiceJson]


class NextTaskJson(TypedDict):
    id: int
    seq: int
    location: str
    sku: str
    lot: str | None
    qty: int


class PickConfirmedJson(TypedDict):
    task: int
    picked: int
    remaining: int
    order_status: SalesOrderStatus
    moves: list[LedgerRowJson]
    next_task: NextTaskJson | None


class PickShortJson(TypedDict):
    task: int
    picked: int
    short: int
    order_status: SalesOrderStatus


class VarianceJson(TypedDict):
    location: str
    sku: str
    lot: str | None
    expected: int
    counted: int
    difference: int
    recount: bool


class CountStartedJson(TypedDict):
    id: int
    status: CountStatus
    locations: list[str]


class CountJson(TypedDict):
    id: int
    status: CountStatus
    round: int
    locations: list[str]
    variances: list[VarianceJson]


class CountSubmittedJson(TypedDict):
    id: int
    status: CountStatus
    round: int
    variances: list[VarianceJson]


class CountApprovedJson(TypedDict):
    id: int
    status: CountStatus
    moves: list[LedgerRowJson]


class CountEntryJson(TypedDict):
    id: int
    count: int
    round: int
    location: str
    sku: str
    qty: int


class PrintJobJson(TypedDict):
    id: int
    document: DocumentKind
    title: str
    printer: str
    gateway: str  # the gateway whose printer the job is for
    status: JobStatus
    attempts: int
    last_error: str | None
    # why the last attempt failed: not_connected, permission_denied, busy, unreachable,
    # no_driver, font_missing, cannot_render or failed
    error_reason: str | None
    reference: str | None
    data: dict[str, Any]
    created_at: str
    printed_at: str | None
    bytes: int | None


class StationEventJson(TypedDict):
    id: int
    gateway: str
    station: str
    version: int
    kind: str
    device: str | None
    raw: str | None
    outcome: str
    message: str
    params: dict[str, Any]
    at: str


class SignedInJson(TypedDict):
    user_id: int
    name: str | None


class StationJson(TypedDict):
    gateway: str  # the gateway whose hardware file names the station
    station: str
    kind: str
    location: str
    version: int
    order: str | None
    inspection: str | None
    inspection_reason: str | None
    signed_in: SignedInJson | None
    devices: dict[str, Any]
    verified: dict[str, Any]
    to_pack: dict[str, int]
    events: list[StationEventJson]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def item_json(item: Item, on_hand: int | None = None,
              by_status: dict[str, int] | None = None, *, supplier: str | None = None,
              home_location: str | None = None) -> ItemJson:
    average = item.avg_cost if item.avg_cost is not None else item.unit_cost or Decimal(0)
    body: ItemJson = {
        "sku": item.sku, "name": item.name, "name_en": item.name_en, "name_zh": item.name_zh,
        "barcodes": [b.code for b in item.barcodes if b.units == 1], "uom": item.uom,
        "tracking": item.tracking, "expiry": item.expiry, "unit_cost": _number(item.unit_cost),
        "category": item.category, "abc_class": item.abc_class,
        "safety_stock": item.safety_stock, "reorder_point": item.reorder_point,
        "min_qty": item.min_qty, "max_qty": item.max_qty,
        "lead_time_days": item.lead_time_days, "pack_size": item.pack_size,
        "zone_code": item.zone_code, "min_shelf_life_days": item.min_shelf_life_days,
        "case_barcodes": [b.code for b in item.barcodes if b.units != 1],
        "supplier": supplier, "home_location": home_location,
        "review_period_days": item.review_period_days,
        "instability_factor": round(float(item.instability_factor), 4),
        "demand_window_days": item.demand_window_days,
        "forecast_method": item.forecast_method, "active": item.active,
        "avg_cost": money(average) or "0.00",
    }
    if on_hand is not None:
        body["on_hand"] = on_hand
        body["stock_value"] = money(average * on_hand) or "0.00"
    if by_status is not None:
        body["on_hand_by_status"] = by_status
    return body


def item_row_json(row: ItemRow) -> ItemRowJson:
    average = row.avg_cost if row.avg_cost is not None else row.unit_cost
    return {"sku": row.sku, "name": row.name, "name_en": row.name_en, "name_zh": row.name_zh,
            "category": row.category, "uom": row.uom, "pack_size": row.pack_size,
            "supplier": row.supplier, "avg_cost": money(average) or "0.00",
            "on_hand": row.on_hand, "stock_value": money(average * row.on_hand) or "0.00",
            "active": row.active}


def location_json(location: Location, contents: list[StockRow] | None = None) -> LocationJson:
    body: LocationJson = {
        "code": location.code, "warehouse": location.warehouse.code,
        "zone": location.zone.code if location.zone else None, "kind": location.kind,
        "capacity": location.capacity, "walk_seq": location.walk_seq,
        "blocked": location.blocked,
    }
    if contents is not None:
        body["contents"] = [stock_json(row) for row in contents]
    return body


def supplier_json(supplier: Supplier) -> SupplierJson:
    return {"code": supplier.code, "name": supplier.name, "contact": supplier.contact,
            "phone": supplier.phone, "email": supplier.email,
            "lead_time_days": supplier.lead_time_days, "notes": supplier.notes,
            "tier": supplier.tier, "active": supplier.active}


def customer_json(customer: Customer) -> CustomerJson:
    return {"code": customer.code, "name": customer.name, "tier": customer.tier,
            "contact": customer.contact, "phone": customer.phone, "address": customer.address,
            "email": customer.email, "notes": customer.notes, "active": customer.active}


def warehouse_json(row: WarehouseRow) -> WarehouseJson:
    return {"code": row.code, "name": row.name, "zones": row.zones, "bins": row.bins,
            "blocked": row.blocked}


def stock_json(row: StockRow) -> StockRowJson:
    sku, location, lot, expiry, received_at, qty, reserved = row
    return {"sku": sku, "location": location, "lot": lot,
            "expiry": expiry.isoformat() if expiry is not None else None,
            "received_at": received_at.isoformat(), "qty": qty, "reserved": reserved}


def ledger_json(row: LedgerRow) -> LedgerRowJson:
    return {"id": row.id, "at": _iso(row.at), "kind": row.kind, "sku": row.sku, "lot": row.lot,
            "qty": row.qty, "from": row.from_location, "to": row.to_location,
            "user": row.user, "reference": row.reference, "reason": row.reason,
            "note": row.note}


_UNKNOWN: Any = object()


def _from_identity_map(session: Session, move: Move, caller: Caller | None
                       ) -> LedgerRowJson | None:
    codes: dict[tuple[type, int], Any] = session.info.get("wms.codes") or {}

    def shown(model: type, key: int | None, attribute: str) -> Any:
        """What the answer shows of a record: kept by the service (wms.services.lookup
        keep_codes), or read from the record the session holds; _UNKNOWN when neither."""
        if not key:
            return None
        known = codes.get((model, key), _UNKNOWN)
        if known is _UNKNOWN:
            held = session.identity_map.get(identity_key(model, key))
            if held is not None:
                known = getattr(held, attribute)
        return known

    sku, lot = shown(Item, move.item_id, "sku"), shown(Lot, move.lot_id, "public_code")
    source = shown(Location, move.from_location_id, "code")
    target = shown(Location, move.to_location_id, "code")
    if caller is not None and move.user_id == caller.id:
        username = caller.username
    else:
        username = shown(User, move.user_id, "username")
    if _UNKNOWN in (sku, lot, source, target, username):
        return None
    return {"id": move.id, "at": _iso(move.at), "kind": move.kind, "sku": sku,
            "lot": lot, "qty": move.qty, "from": source, "to": target,
            "user": username, "reference": move.reference,
            "reason": move.reason, "note": move.note}


def moves_json(session: Session, moves: list[Move], caller: Caller | None = None
               ) -> list[LedgerRowJson]:
    """The given moves as ledger rows, in the order they were made: from the records the
    session already holds (and the API caller who made them), or else with one query."""
    if not moves:
        return []
    cached = [_from_identity_map(session, m, caller) for m in moves]
    rows_cached = [row for row in cached if row is not None]
    if len(rows_cached) == len(cached):
        return rows_cached
    rows = ledger_rows(session, ids=[m.id for m in moves], limit=len(moves))
    return [ledger_json(row) for row in sorted(rows, key=lambda r: r.id)]


def _line_total(qty: int, unit_price: Decimal | None) -> str | None:
    return money(qty * unit_price) if unit_price is not None else None


def _order_total(lines: Iterable[PurchaseOrderLine | SalesOrderLine]) -> str:
    return money(sum((line.qty * line.unit_price for line in lines
                      if line.unit_price is not None), Decimal(0))) or "0.00"


def purchase_order_json(order: PurchaseOrder) -> PurchaseOrderJson:
    return {
        "number": order.number, "supplier": order.supplier.code, "status": order.status,
        "expected_date": _iso(order.expected_date),
        "warehouse": order.warehouse.code if order.warehouse else None,
        "created_at": _iso(order.created_at),
        "created_by": order.creator.username if order.creator else None,
        "cancel_reason": order.cancel_reason, "total": _order_total(order.lines),
        "lines": [
            {"sku": line.item.sku, "qty": line.qty, "received": line.received,
             "rejected": line.rejected, "unit_price": money(line.unit_price),
             "line_total": _line_total(line.qty, line.unit_price)}
            for line in order.lines
        ],
    }


def sales_order_json(order: SalesOrder, picked: dict[int, int]) -> SalesOrderJson:
    return {
        "number": order.number, "customer": order.customer.code, "status": order.status,
        "warehouse": order.warehouse.code if order.warehouse else None,
        "ship_to": order.ship_to,
        "created_at": _iso(order.created_at),
        "created_by": order.creator.username if order.creator else None,
        "cancel_reason": order.cancel_reason,
        "shipped_at": _iso(order.shipped_at), "total": _order_total(order.lines),
        "lines": [
            {"sku": line.item.sku, "qty": line.qty, "picked": picked.get(line.id, 0),
             "shipped": line.shipped,
             "backordered": max(line.qty - line.shipped, 0) if order.status == "shipped"
             else 0, "unit_price": money(line.unit_price),
             "line_total": _line_total(line.qty, line.unit_price)}
            for line in order.lines
        ],
    }


def purchase_order_row_json(row: OrderRow) -> PurchaseOrderRowJson:
    return {"number": row.number, "supplier": row.partner, "supplier_name": row.partner_name,
            "status": row.status, "warehouse": row.warehouse,
            "expected_date": _iso(row.expected_date), "created_at": row.created_at.isoformat(),
            "lines": row.lines, "qty": row.units, "received": row.done,
            "total": money(row.value) or "0.00"}


def sales_order_row_json(row: OrderRow) -> SalesOrderRowJson:
    return {"number": row.number, "customer": row.partner, "customer_name": row.partner_name,
            "status": row.status, "warehouse": row.warehouse,
            "created_at": row.created_at.isoformat(), "lines": row.lines, "qty": row.units,
            "shipped": row.done, "total": money(row.value) or "0.00"}


def pick_list_json(pick_list: PickList, picked: dict[int, int]) -> PickListJson:
    return {
        "id": pick_list.id, "order": pick_list.order.number,
        "warehouse": pick_list.packing_location.warehouse.code,
        "packing_location": pick_list.packing_location.code,
        "tasks": [
            {"id": t.id, "seq": t.seq, "location": t.location.code, "sku": t.item.sku,
             "name": t.item.name, "lot": t.lot.public_code, "qty": t.qty,
             "picked": picked.get(t.id, 0), "short": t.short}
            for t in pick_list.tasks
        ],
    }


def transfer_json(transfer: Transfer) -> TransferJson:
    return {
        "id": transfer.id, "status": transfer.status,
        "from_warehouse": transfer.from_warehouse.code,
        "to_warehouse": transfer.to_warehouse.code,
        "transit_location": transfer.transit_location.code,
        "lines": [
            {"sku": line.item.sku, "lot": line.lot.public_code, "qty": line.qty,
             "from": line.from_location.code}
            for line in transfer.lines
        ],
    }


# ---------------------------------------------------------------- the gateway's status
# Every part has `ok` and `message`, a code: database_ok, database_unreachable,
# schema_behind, schema_ahead; disk_ok, disk_low, disk_unknown; backup_ok, backup_old,
# backup_none, backup_not_managed (a database on a server is backed up by its own means);
# heartbeat_ok, heartbeat_stale, heartbeat_none, not_used; printer_ok, printer_retrying,
# printer_failed; scanner_connected, scanner_disconnected.


class DatabaseStatusJson(TypedDict):
    ok: bool
    message: str
    engine: str
    reachable: bool
    round_trip_ms: float | None
    revision: str | None
    code_revision: str


class DiskStatusJson(TypedDict):
    ok: bool
    message: str
    path: str
    free_bytes: int | None
    total_bytes: int | None
    free_pct: float | None


class BackupStatusJson(TypedDict):
    ok: bool
    message: str
    path: str | None
    taken_at: str | None
    age_hours: float | None


class HeartbeatStatusJson(TypedDict):
    ok: bool
    message: str
    last_beat: str | None
    age_seconds: float | None


class PrinterStatusJson(TypedDict):
    ok: bool
    message: str
    printer: str
    pending: int
    failed: int
    last_error: str | None
    last_error_job: int | None
    last_error_reason: str | None  # its code, as a print job's error_reason


class ScannerStatusJson(TypedDict):
    ok: bool
    message: str
    station: str
    device: str
    connected: bool
    since: str | None
    detail: str
    reason: str | None  # opened, in_use, permission_denied, no_device, cannot_open, lost


class GatewayStatusJson(TypedDict):
    ok: bool
    gateway: str  # this gateway's name (WMS_GATEWAY); its printers and scanners follow
    checked_at: str
    database: DatabaseStatusJson
    disk: DiskStatusJson
    backup: BackupStatusJson
    print_worker: HeartbeatStatusJson
    bridge: HeartbeatStatusJson
    printers: list[PrinterStatusJson]
    scanners: list[ScannerStatusJson]
