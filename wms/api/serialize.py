"""Records turned into the JSON shapes of API v1. Each shape is a TypedDict: the
serializers are checked against it by the type checker, and the OpenAPI document takes its
response schemas from the same TypedDicts."""

from __future__ import annotations

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
    SalesOrder,
    Supplier,
    Transfer,
    User,
)
from wms.models.counting import COUNT_STATUSES
from wms.models.layout import LOCATION_KINDS
from wms.models.printing import JOB_STATUSES
from wms.models.purchasing import PO_STATUSES
from wms.models.sales import SO_STATUSES
from wms.models.stock import MOVE_KINDS
from wms.money import money
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
DocumentKind = Annotated[str, _one_of(DOCUMENT_KINDS)]


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
    # the moving-average cost per unit (null until the first receipt), as money
    avg_cost: str | None
    on_hand: NotRequired[int]
    # on_hand x the moving-average cost (the standard cost before the first receipt)
    stock_value: NotRequired[str]
    on_hand_by_status: NotRequired[dict[str, int]]


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


class CustomerJson(TypedDict):
    code: str
    name: str
    tier: str | None
    contact: str | None
    phone: str | None
    address: str | None


class PurchaseOrderLineJson(TypedDict):
    sku: str
    qty: int
    received: int
    rejected: int
    unit_price: float | None


class PurchaseOrderJson(TypedDict):
    number: str
    supplier: str
    status: PurchaseOrderStatus
    expected_date: str | None
    created_at: str | None
    lines: list[PurchaseOrderLineJson]


class SalesOrderLineJson(TypedDict):
    sku: str
    qty: int
    picked: int
    shipped: int
    backordered: int


class SalesOrderJson(TypedDict):
    number: str
    customer: str
    status: SalesOrderStatus
    warehouse: str | None
    ship_to: str | None
    created_at: str | None
    shipped_at: str | None
    lines: list[SalesOrderLineJson]


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
    status: JobStatus
    attempts: int
    last_error: str | None
    reference: str | None
    data: dict[str, Any]
    created_at: str
    printed_at: str | None
    bytes: int | None


class StationEventJson(TypedDict):
    id: int
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
              by_status: dict[str, int] | None = None) -> ItemJson:
    body: ItemJson = {
        "sku": item.sku, "name": item.name, "name_en": item.name_en, "name_zh": item.name_zh,
        "barcodes": [b.code for b in item.barcodes], "uom": item.uom,
        "tracking": item.tracking, "expiry": item.expiry, "unit_cost": _number(item.unit_cost),
        "category": item.category, "abc_class": item.abc_class,
        "safety_stock": item.safety_stock, "reorder_point": item.reorder_point,
        "min_qty": item.min_qty, "max_qty": item.max_qty,
        "lead_time_days": item.lead_time_days, "pack_size": item.pack_size,
        "zone_code": item.zone_code, "min_shelf_life_days": item.min_shelf_life_days,
        "avg_cost": money(item.avg_cost),
    }
    if on_hand is not None:
        body["on_hand"] = on_hand
        body["stock_value"] = money(on_hand * (item.avg_cost if item.avg_cost is not None
                                               else item.unit_cost or 0)) or "0.00"
    if by_status is not None:
        body["on_hand_by_status"] = by_status
    return body


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
            "lead_time_days": supplier.lead_time_days, "notes": supplier.notes}


def customer_json(customer: Customer) -> CustomerJson:
    return {"code": customer.code, "name": customer.name, "tier": customer.tier,
            "contact": customer.contact, "phone": customer.phone, "address": customer.address}


def stock_json(row: StockRow) -> StockRowJson:
    return {"sku": row.sku, "location": row.location, "lot": row.lot,
            "expiry": _iso(row.expiry), "received_at": _iso(row.received_at), "qty": row.qty,
            "reserved": row.reserved}


def ledger_json(row: LedgerRow) -> LedgerRowJson:
    return {"id": row.id, "at": _iso(row.at), "kind": row.kind, "sku": row.sku, "lot": row.lot,
            "qty": row.qty, "from": row.from_location, "to": row.to_location,
            "user": row.user, "reference": row.reference, "reason": row.reason,
            "note": row.note}


def _from_identity_map(session: Session, move: Move, caller: Caller | None
                       ) -> LedgerRowJson | None:
    def cached(model: type, key: int | None) -> Any:
        return session.identity_map.get(identity_key(model, key)) if key else None

    item, lot = cached(Item, move.item_id), cached(Lot, move.lot_id)
    source, target = cached(Location, move.from_location_id), cached(Location, move.to_location_id)
    user = cached(User, move.user_id)
    username = user.username if user else (
        caller.username if caller and move.user_id == caller.id else None)
    if item is None or lot is None or (move.from_location_id and source is None) or (
            move.to_location_id and target is None) or (move.user_id and username is None):
        return None
    return {"id": move.id, "at": _iso(move.at), "kind": move.kind, "sku": item.sku,
            "lot": lot.public_code, "qty": move.qty, "from": source.code if source else None,
            "to": target.code if target else None,
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


def purchase_order_json(order: PurchaseOrder) -> PurchaseOrderJson:
    return {
        "number": order.number, "supplier": order.supplier.code, "status": order.status,
        "expected_date": _iso(order.expected_date), "created_at": _iso(order.created_at),
        "lines": [
            {"sku": line.item.sku, "qty": line.qty, "received": line.received,
             "rejected": line.rejected, "unit_price": _number(line.unit_price)}
            for line in order.lines
        ],
    }


def sales_order_json(order: SalesOrder, picked: dict[int, int]) -> SalesOrderJson:
    return {
        "number": order.number, "customer": order.customer.code, "status": order.status,
        "warehouse": order.warehouse.code if order.warehouse else None,
        "ship_to": order.ship_to,
        "created_at": _iso(order.created_at), "shipped_at": _iso(order.shipped_at),
        "lines": [
            {"sku": line.item.sku, "qty": line.qty, "picked": picked.get(line.id, 0),
             "shipped": line.shipped,
             "backordered": max(line.qty - line.shipped, 0) if order.status == "shipped"
             else 0}
            for line in order.lines
        ],
    }


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
