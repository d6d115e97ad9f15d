"""Receiving at the dock, against a purchase order or blind, with inspection on receipt."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, case, literal, select
from sqlalchemy.orm import Session, joinedload

from wms.acting import check_warehouse_allowed
from wms.config import Settings
from wms.errors import (
    Conflict,
    ExpiredLot,
    Forbidden,
    Invalid,
    OverReceipt,
    ShortShelfLife,
)
from wms.ledger import MoveRequest, post_move
from wms.models import (
    Item,
    Location,
    Lot,
    Move,
    PrintJob,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    User,
    utcnow,
)
from wms.reasons import INSPECTION_REASONS, check_reason, clean_note
from wms.services.audit import record
from wms.services.lookup import find_item, find_location, keep, location_code, lot_for_receipt
from wms.services.orders import get_purchase_order, refresh_purchase_status
from wms.services.print_jobs import queue_receipt_documents
from wms.services.shelf_life import check_shelf_life, warehouse_today
from wms.site_config import SiteConfig

RECEIVING_KINDS = ("dock", "staging")
OVERRIDING_ROLES = ("admin", "supervisor")


@dataclass(frozen=True)
class ReceiptLineInput:
    sku: str
    qty: int
    lot: str | None = None
    expiry: date | None = None
    disposition: str = "accept"
    reason: str | None = None
    # Accept a lot that is expired or short of shelf life anyway (supervisors and admins).
    override_expiry: bool = False
    note: str | None = None  # free text beside the reason (needed for `other`)


@dataclass
class ReceiptResult:
    receipt: Receipt
    moves: list[Move] = field(default_factory=list)
    order: PurchaseOrder | None = None
    print_jobs: list[PrintJob] = field(default_factory=list)


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


def _not_on_order(order: PurchaseOrder, item: Item) -> OverReceipt:
    return OverReceipt(f"purchase order {order.number} does not order {item.sku}",
                       purchase_order=order.number, number=order.number, sku=item.sku,
                       not_on_order=True)


def check_on_order(order: PurchaseOrder, item: Item) -> None:
    """An item received against an order must be one the order orders."""
    if not any(line.item_id == item.id for line in order.lines):
        raise _not_on_order(order, item)


def receiving_location(session: Session, code: str) -> Location:
    """The location with this code, if goods may be received there."""
    location = find_location(session, code)
    check_receiving_location(location)
    return location


def check_receiving_location(location: Location) -> None:
    """Goods are received at a dock (or a staging area) of a warehouse the person acting
    may work in, nowhere else."""
    check_warehouse_allowed(location)
    if location.kind not in RECEIVING_KINDS:
        raise Invalid(f"location: {location.code} is a {location.kind} location; receive at "
                      "a dock", field="location", location=location.code, kind=location.kind)


def _match_po_line(order: PurchaseOrder, item: Item, qty: int,
                   tolerance_pct: float) -> PurchaseOrderLine:
    lines = [line for line in order.lines if line.item_id == item.id]
    if not lines:
        raise _not_on_order(order, item)
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


def _check_expiry(session: Session, entry: ReceiptLineInput, item: Item, lot: Lot,
                  user_id: int | None, today: date, min_shelf_life_days: int,
                  receipt_id: int) -> None:
    """An accepted lot must have the shelf life the item needs, unless a supervisor or an
    admin overrides; an override is recorded in the audit log."""
    try:
        check_shelf_life(item, lot, today, min_shelf_life_days)
    except (ExpiredLot, ShortShelfLife) as refusal:
        if not entry.override_expiry:
            raise
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or user.role not in OVERRIDING_ROLES:
            raise Forbidden("override_expiry: only a supervisor or an admin may accept "
                            f"this lot ({refusal.message})", field="override_expiry",
                            **refusal.details) from refusal
        record(session, user_id, "receipt.expiry_override", item.sku, receipt=receipt_id,
               refusal=refusal.code, **{k: v for k, v in refusal.details.items()
                                        if k != "sku"})
def _reason_of(entry: ReceiptLineInput) -> tuple[str | None, str | None]:
    """The line's reason code and note; quarantined or rejected goods need a reason."""
    if entry.disposition == "accept" and not (entry.reason or "").strip():
        return None, clean_note(entry.note)
    done = {"quarantine": "quarantined", "reject": "rejected"}.get(entry.disposition,
                                                                    "accepted")
    return check_reason(entry.reason, entry.note, INSPECTION_REASONS,
                        f"why the goods are {done}")


def _line_records(session: Session, entry: ReceiptLineInput, at: datetime, *,
                  dock: str | None = None, receipt_id: int | None = None,
                  order: str | None = None) -> Row[*tuple[Any, ...]] | None:
    """A line's item and the lot its units go into (None: a new lot) read in one query, with
    the first line also the dock, the receipt `receipt_id` if it is open at that dock, and
    the order with its lines (locked on PostgreSQL). None when the SKU is no item's SKU (a
    barcode, a typo), or there is no such dock or order: the caller then looks each up on
    its own, to say what is missing."""
    lot_code = case((Item.tracking == "lot", literal(entry.lot or "")),
                    else_=literal(f"@{at.date().isoformat()}"))
    stmt = (select(Item, Lot).select_from(Item)
            .outerjoin(Lot, and_(Lot.item_id == Item.id, Lot.code == lot_code))
            .where(Item.sku == entry.sku.strip()))
    if dock is not None:
        stmt = stmt.add_columns(Location).join(Location, Location.code == location_code(dock))
        if receipt_id is not None:
            stmt = stmt.add_columns(Receipt).outerjoin(Receipt, and_(
                Receipt.id == receipt_id, Receipt.location_id == Location.id))
    if order is not None:
        stmt = (stmt.add_columns(PurchaseOrder)
                .join(PurchaseOrder, PurchaseOrder.number == order)
                .options(joinedload(PurchaseOrder.lines)))
        if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            stmt = stmt.with_for_update(of=PurchaseOrder)
    rows = session.execute(stmt).unique().all()  # every row, so the order's lines are whole
    return rows[0] if rows else None


def receive(
    session: Session, *, location: str, lines: Sequence[ReceiptLineInput],
    user_id: int | None, purchase_order: str | None = None, tolerance_pct: float = 0.0,
    site: SiteConfig | None = None, receipt_id: int | None = None, keep_open: bool = False,
    min_shelf_life_days: int = 0, today: date | None = None,
) -> ReceiptResult:
    """Take goods in at a dock: accepted units to the dock, quarantined units to quarantine,
    rejected units recorded against the order and never put into stock. An accepted lot
    that is expired, or has fewer days left than the item's minimum shelf life (else
    `min_shelf_life_days`), is refused unless a supervisor overrides.

    With the site's configuration the receipt's documents are queued in the same
    transaction: a lot label for each line that went into stock and one receiving note for
    the receipt. A receipt taken scan by scan (a dock station, a handheld) names its open
    receipt in `receipt_id` and passes `keep_open`; its receiving note waits for
    `close_receipt`. Without `site` nothing is queued (loading history or demo data)."""
    today = today or warehouse_today(Settings.timezone)
    now = utcnow()
    first = _line_records(session, lines[0], now, dock=location, receipt_id=receipt_id,
                          order=purchase_order) if lines else None
    if first is not None:
        dock = first.Location
        open_receipt = first.Receipt if receipt_id is not None else None
        order = first.PurchaseOrder if purchase_order else None
    else:
        dock = find_location(session, location)
        open_receipt = session.get(Receipt, receipt_id) if receipt_id else None
        order = None
    check_receiving_location(dock)
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    if purchase_order and order is None:
        order = get_purchase_order(session, purchase_order, lock=True)
    if order is not None and order.status in ("closed", "cancelled", "draft"):
        raise Conflict(f"purchase order {order.number} is {order.status}",
                       number=order.number, status=order.status)
    receipt = open_receipt if _continues(open_receipt, dock, order) else None
    if receipt is None:
        receipt = Receipt(purchase_order_id=order.id if order else None, location_id=dock.id,
                          user_id=user_id, at=now, lines=[])
        session.add(receipt)
        session.flush()
        opened = True
    else:
        opened = False
    result = ReceiptResult(receipt=receipt, order=order)
    booked: list[ReceiptLine] = []
    quarantine: Location | None = None
    reference = order.number if order else f"RCV-{receipt.id}"
    for index, entry in enumerate(lines):
        if entry.disposition not in ("accept", "quarantine", "reject"):
            raise Invalid("disposition: accept, quarantine or reject", field="disposition")
        reason, note = _reason_of(entry)
        found = first if index == 0 else _line_records(session, entry, now)
        if found is not None:
            item = found.Item
            lot = lot_for_receipt(session, item, entry.lot, entry.expiry, now,
                                  found=found.Lot, looked_up=True)
        else:
            item = find_item(session, entry.sku)
            lot = lot_for_receipt(session, item, entry.lot, entry.expiry, now)
        if not item.active:
            raise Conflict(f"{item.sku} is deactivated: it is not received again",
                           sku=item.sku, inactive=True)
        if entry.disposition == "accept":
            _check_expiry(session, entry, item, lot, user_id, today, min_shelf_life_days,
                          receipt.id)
        po_line = None
        if order is not None:
            if entry.disposition == "reject":
                po_line = next((ln for ln in order.lines if ln.item_id == item.id), None)
                if po_line is None:
                    raise _not_on_order(order, item)
                po_line.rejected += entry.qty
            else:
                po_line = _match_po_line(order, item, entry.qty, tolerance_pct)
                po_line.received += entry.qty
        line = ReceiptLine(
            receipt_id=receipt.id, po_line_id=po_line.id if po_line else None, item_id=item.id,
            lot_id=lot.id, qty=entry.qty, disposition=entry.disposition, reason=reason,
            note=note,
        )
        if opened:
            receipt.lines.append(line)  # the new receipt's lines, known without reading them
        else:
            session.add(line)
        booked.append(line)
        keep(session, item, lot)
        if entry.disposition == "reject":
            continue
        destination = dock
        if entry.disposition == "quarantine":
            quarantine = quarantine or quarantine_location_for(session, dock)
            destination = quarantine
        result.moves.append(post_move(session, MoveRequest(
            kind="receive", item_id=item.id, lot_id=lot.id, qty=entry.qty, from_location=None,
            to_location=destination, user_id=user_id, reference=reference,
            reason=reason, note=note, unit_price=po_line.unit_price if po_line else None,
        )))
    if order is not None:
        refresh_purchase_status(order)
    session.flush()
    keep(session, receipt, order, dock)
    if site is not None:
        result.print_jobs = queue_receipt_documents(session, receipt, site, user_id,
                                                    labels_for=booked, note=not keep_open)
    return result


def _continues(receipt: Receipt | None, dock: Location, order: PurchaseOrder | None) -> bool:
    """Whether the open receipt is the one being taken at this dock for this order."""
    return receipt is not None and receipt.location_id == dock.id and \
        receipt.purchase_order_id == (order.id if order else None)


def close_receipt(session: Session, receipt_id: int, site: SiteConfig,
                  user_id: int | None) -> list[PrintJob]:
    """A receipt taken scan by scan is complete: queue its one receiving note."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or not receipt.lines:
        return []
    return queue_receipt_documents(session, receipt, site, user_id, labels_for=(), note=True)
