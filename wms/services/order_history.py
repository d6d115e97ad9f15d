"""What happened to an order: the receipts against a purchase order, a sales order's pick
lists, and each order's steps with who and when (from the audit trail and the ledger)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from wms.models import (
    AuditEvent,
    Location,
    Move,
    PickList,
    PickTask,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    SalesOrder,
    User,
)
from wms.services.allocation import allocated_per_line
from wms.services.picking import picked_qty

PO_ACTIONS = ("purchase_order.create", "purchase_order.edit", "purchase_order.send",
              "purchase_order.cancel", "purchase_order.close")
SO_ACTIONS = ("sales_order.create", "pick_list.create", "sales_order.pack",
              "sales_order.cancel")
# Ledger moves that are steps of a sales order, and the step each one is.
SO_MOVE_STEPS = {"pick": "picked", "ship": "shipped"}
# Audit actions that are steps, and the step each one is.
STEPS = {
    "purchase_order.create": "created", "purchase_order.edit": "edited",
    "purchase_order.send": "sent", "purchase_order.cancel": "cancelled",
    "purchase_order.close": "closed", "sales_order.create": "created",
    "pick_list.create": "allocated", "sales_order.pack": "packed",
    "sales_order.cancel": "cancelled",
}


@dataclass(frozen=True)
class Step:
    """One step of an order: what (a step code), when, who, and units where they count."""

    step: str
    at: datetime
    user: str | None
    units: int | None = None
    details: dict[str, object] | None = None


def _audit_steps(session: Session, number: str, actions: tuple[str, ...]) -> list[Step]:
    rows = session.execute(
        select(AuditEvent, User.username)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.action.in_(actions), AuditEvent.subject == number)
        .order_by(AuditEvent.id)
    )
    return [Step(STEPS[event.action], event.at, username, None, event.details)
            for event, username in rows]


def purchase_order_steps(session: Session, order: PurchaseOrder) -> list[Step]:
    """Created, edited, sent, cancelled, closed: who and when, oldest first."""
    return _audit_steps(session, order.number, PO_ACTIONS)


def sales_order_steps(session: Session, order: SalesOrder) -> list[Step]:
    """Created, allocated, picked, packed, shipped or cancelled: who and when, oldest first.
    Picks and shipments come from the ledger, one step per person and kind of move (the
    last time, and the units)."""
    steps = _audit_steps(session, order.number, SO_ACTIONS)
    rows = session.execute(
        select(Move.kind, User.username, func.max(Move.at), func.sum(Move.qty))
        .outerjoin(User, User.id == Move.user_id)
        .where(Move.reference == order.number, Move.kind.in_(list(SO_MOVE_STEPS)))
        .group_by(Move.kind, User.username)
    )
    steps += [Step(SO_MOVE_STEPS[kind], at, username, int(units))
              for kind, username, at, units in rows]
    return sorted(steps, key=lambda step: step.at)


@dataclass(frozen=True)
class ReceiptView:
    """A receipt against a purchase order: when, who, where, and its lines."""

    receipt: Receipt
    user: str | None
    location: str
    lines: list[ReceiptLine]


def receipts_of(session: Session, order: PurchaseOrder) -> list[ReceiptView]:
    """Every receipt taken against the order, oldest first, with its lines and lots."""
    rows = session.execute(
        select(Receipt, User.username, Location.code)
        .join(Location, Location.id == Receipt.location_id)
        .outerjoin(User, User.id == Receipt.user_id)
        .where(Receipt.purchase_order_id == order.id)
        .options(selectinload(Receipt.lines).selectinload(ReceiptLine.lot),
                 selectinload(Receipt.lines).selectinload(ReceiptLine.item))
        .order_by(Receipt.id)
    )
    return [ReceiptView(receipt, username, code, list(receipt.lines))
            for receipt, username, code in rows]


@dataclass(frozen=True)
class PickListView:
    pick_list: PickList
    picked: dict[int, int]  # task id -> units picked


def pick_lists_of(session: Session, order: SalesOrder) -> list[PickListView]:
    """The order's pick lists with their tasks in walking order and the units picked."""
    lists = list(session.scalars(
        select(PickList).where(PickList.order_id == order.id)
        .options(selectinload(PickList.tasks).selectinload(PickTask.location),
                 selectinload(PickList.tasks).selectinload(PickTask.lot),
                 selectinload(PickList.tasks).selectinload(PickTask.item))
        .order_by(PickList.id)))
    picked = {task_id: int(units) for task_id, units in session.execute(
        select(PickTask.id, picked_qty(PickTask.id))
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.order_id == order.id))}
    return [PickListView(p, {t.id: picked.get(t.id, 0) for t in p.tasks})
            for p in lists]


def unallocated_per_line(session: Session, order: SalesOrder) -> dict[int, int]:
    """Units of each line that no pick task covers yet (a shortage while the order is
    being allocated and picked), for lines with any."""
    if order.status in ("shipped", "cancelled", "packed"):
        return {}
    given = allocated_per_line(session, order)
    return {line.id: line.qty - given.get(line.id, 0) for line in order.lines
            if line.qty > given.get(line.id, 0)}
