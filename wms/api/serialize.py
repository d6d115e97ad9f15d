"""Records turned into the JSON shapes of API v1."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

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
from wms.services.stock_queries import LedgerRow, StockRow, ledger_rows


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def item_json(item: Item, on_hand: int | None = None,
              by_status: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": item.sku, "name": item.name, "name_en": item.name_en, "name_zh": item.name_zh,
        "barcodes": [b.code for b in item.barcodes], "uom": item.uom,
        "tracking": item.tracking, "expiry": item.expiry, "unit_cost": _number(item.unit_cost),
        "category": item.category, "abc_class": item.abc_class,
        "safety_stock": item.safety_stock, "reorder_point": item.reorder_point,
        "min_qty": item.min_qty, "max_qty": item.max_qty,
        "lead_time_days": item.lead_time_days, "pack_size": item.pack_size,
        "zone_code": item.zone_code, "min_shelf_life_days": item.min_shelf_life_days,
    }
    if on_hand is not None:
        body["on_hand"] = on_hand
    if by_status is not None:
        body["on_hand_by_status"] = by_status
    return body


def location_json(location: Location, contents: list[StockRow] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": location.code, "warehouse": location.warehouse.code,
        "zone": location.zone.code if location.zone else None, "kind": location.kind,
        "capacity": location.capacity, "walk_seq": location.walk_seq,
        "blocked": location.blocked,
    }
    if contents is not None:
        body["contents"] = [stock_json(row) for row in contents]
    return body


def supplier_json(supplier: Supplier) -> dict[str, Any]:
    return {"code": supplier.code, "name": supplier.name, "contact": supplier.contact,
            "phone": supplier.phone, "email": supplier.email,
            "lead_time_days": supplier.lead_time_days, "notes": supplier.notes}


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"code": customer.code, "name": customer.name, "tier": customer.tier,
            "contact": customer.contact, "phone": customer.phone, "address": customer.address}


def stock_json(row: StockRow) -> dict[str, Any]:
    return {"sku": row.sku, "location": row.location, "lot": row.lot,
            "expiry": _iso(row.expiry), "received_at": _iso(row.received_at), "qty": row.qty,
            "reserved": row.reserved}


def ledger_json(row: LedgerRow) -> dict[str, Any]:
    body = asdict(row)
    body["at"] = _iso(row.at)
    body["from"] = body.pop("from_location")
    body["to"] = body.pop("to_location")
    return body


def _from_identity_map(session: Session, move: Move) -> dict[str, Any] | None:
    def cached(model: type, key: int | None) -> Any:
        return session.identity_map.get(identity_key(model, key)) if key else None

    item, lot = cached(Item, move.item_id), cached(Lot, move.lot_id)
    source, target = cached(Location, move.from_location_id), cached(Location, move.to_location_id)
    user = cached(User, move.user_id)
    if item is None or lot is None or (move.from_location_id and source is None) or (
            move.to_location_id and target is None):
        return None
    return {"id": move.id, "at": _iso(move.at), "kind": move.kind, "sku": item.sku,
            "lot": lot.public_code, "qty": move.qty, "from": source.code if source else None,
            "to": target.code if target else None,
            "user": user.username if user else None, "reference": move.reference,
            "reason": move.reason, "note": move.note}


def moves_json(session: Session, moves: list[Move]) -> list[dict[str, Any]]:
    """The given moves as ledger rows, in the order they were made: from the records the
    session already holds, or else with one query."""
    if not moves:
        return []
    cached = [_from_identity_map(session, m) for m in moves]
    if all(row is not None for row in cached):
        return cached  # type: ignore[return-value]
    rows = ledger_rows(session, ids=[m.id for m in moves], limit=len(moves))
    return [ledger_json(row) for row in sorted(rows, key=lambda r: r.id)]


def purchase_order_json(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "number": order.number, "supplier": order.supplier.code, "status": order.status,
        "expected_date": _iso(order.expected_date), "created_at": _iso(order.created_at),
        "lines": [
            {"sku": line.item.sku, "qty": line.qty, "received": line.received,
             "rejected": line.rejected, "unit_price": _number(line.unit_price)}
            for line in order.lines
        ],
    }


def sales_order_json(order: SalesOrder, picked: dict[int, int]) -> dict[str, Any]:
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


def pick_list_json(pick_list: PickList, picked: dict[int, int]) -> dict[str, Any]:
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


def transfer_json(transfer: Transfer) -> dict[str, Any]:
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
