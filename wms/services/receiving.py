"""Receiving at the dock, against a purchase order or blind, with inspection on receipt."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid, OverReceipt
from wms.ledger import MoveRequest, post_move
from wms.models import (
    Location,
    Move,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    utcnow,
)
from wms.reasons import INSPECTION_REASONS, check_reason, clean_note
from wms.services.lookup import find_item, find_location, lot_for_receipt
from wms.services.orders import get_purchase_order, refresh_purchase_status

RECEIVING_KINDS = ("dock", "staging")


@dataclass(frozen=True)
class ReceiptLineInput:
    sku: str
    qty: int
    lot: str | None = None
    expiry: date | None = None
    disposition: str = "accept"
    reason: str | None = None  # a code of wms.reasons.INSPECTION_REASONS
    note: str | None = None  # free text beside the reason (needed for `other`)


@dataclass
class ReceiptResult:
    receipt: Receipt
    moves: list[Move] = field(default_factory=list)
    order: PurchaseOrder | None = None


def quarantine_location_for(session: Session, dock: Location) -> Location:
    """The quarantine location of the dock's warehouse."""
    location = session.scalar(
        select(Location)
        .where(Location.warehouse_id == dock.warehouse_id, Location.kind == "quarantine")
        .order_by(Location.walk_seq, Location.code)
    )
    if location is None:
        raise Conflict(f"warehouse {dock.warehouse.code} has no quarantine location")
    return location


def _allowed(line: PurchaseOrderLine, tolerance_pct: float) -> int:
    return math.floor(line.qty * (1 + tolerance_pct / 100) + 1e-9)


def _match_po_line(order: PurchaseOrder, item_id: int, qty: int,
                   tolerance_pct: float) -> PurchaseOrderLine:
    lines = [line for line in order.lines if line.item_id == item_id]
    if not lines:
        raise OverReceipt(f"purchase order {order.number} does not order this item",
                          purchase_order=order.number)
    for line in lines:
        if line.received + qty <= line.qty:
            return line
    last = lines[-1]
    if last.received + qty > _allowed(last, tolerance_pct):
        raise OverReceipt(
            f"purchase order {order.number} line {last.item.sku}: ordered {last.qty}, "
            f"received {last.received}, this would make {last.received + qty}",
            purchase_order=order.number, ordered=last.qty, received=last.received,
        )
    return last


def _reason_of(entry: ReceiptLineInput) -> tuple[str | None, str | None]:
    """The line's reason code and note; quarantined or rejected goods need a reason."""
    if entry.disposition == "accept" and not (entry.reason or "").strip():
        return None, clean_note(entry.note)
    done = {"quarantine": "quarantined", "reject": "rejected"}.get(entry.disposition,
                                                                    "accepted")
    return check_reason(entry.reason, entry.note, INSPECTION_REASONS,
                        f"why the goods are {done}")


def receive(
    session: Session, *, location: str, lines: Sequence[ReceiptLineInput],
    user_id: int | None, purchase_order: str | None = None, tolerance_pct: float = 0.0,
) -> ReceiptResult:
    """Take goods in at a dock: accepted units to the dock, quarantined units to quarantine,
    rejected units recorded against the order and never put into stock."""
    dock = find_location(session, location)
    if dock.kind not in RECEIVING_KINDS:
        raise Invalid(f"location: {dock.code} is a {dock.kind} location; receive at a dock",
                      field="location")
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    order = get_purchase_order(session, purchase_order, lock=True) if purchase_order else None
    if order is not None and order.status == "closed":
        raise Conflict(f"purchase order {order.number} is closed")
    now = utcnow()
    receipt = Receipt(purchase_order_id=order.id if order else None, location_id=dock.id,
                      user_id=user_id, at=now)
    session.add(receipt)
    session.flush()
    result = ReceiptResult(receipt=receipt, order=order)
    quarantine: Location | None = None
    reference = order.number if order else f"RCV-{receipt.id}"
    for entry in lines:
        if entry.disposition not in ("accept", "quarantine", "reject"):
            raise Invalid("disposition: accept, quarantine or reject", field="disposition")
        reason, note = _reason_of(entry)
        item = find_item(session, entry.sku)
        lot = lot_for_receipt(session, item, entry.lot, entry.expiry, now)
        po_line = None
        if order is not None:
            if entry.disposition == "reject":
                po_line = next((ln for ln in order.lines if ln.item_id == item.id), None)
                if po_line is None:
                    raise OverReceipt(f"purchase order {order.number} does not order this item")
                po_line.rejected += entry.qty
            else:
                po_line = _match_po_line(order, item.id, entry.qty, tolerance_pct)
                po_line.received += entry.qty
        session.add(ReceiptLine(
            receipt_id=receipt.id, po_line_id=po_line.id if po_line else None, item_id=item.id,
            lot_id=lot.id, qty=entry.qty, disposition=entry.disposition, reason=reason,
            note=note,
        ))
        if entry.disposition == "reject":
            continue
        destination = dock
        if entry.disposition == "quarantine":
            quarantine = quarantine or quarantine_location_for(session, dock)
            destination = quarantine
        result.moves.append(post_move(session, MoveRequest(
            kind="receive", item_id=item.id, lot_id=lot.id, qty=entry.qty, from_location=None,
            to_location=destination, user_id=user_id, reference=reference,
            reason=reason, note=note,
        )))
    if order is not None:
        refresh_purchase_status(order)
    session.flush()
    return result
