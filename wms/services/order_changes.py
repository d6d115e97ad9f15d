"""Changing an order after it was made: edit or send a purchase order, cancel a purchase or
sales order. Each change is audited with the old and the new values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid
from wms.models import Move, PickList, PickTask, PurchaseOrder, PurchaseOrderLine, SalesOrder
from wms.services.allocation import release_reservations
from wms.services.audit import record
from wms.services.lookup import find_items, find_warehouse, refuse_inactive
from wms.services.orders import (
    OrderLineInput,
    check_lines,
    get_purchase_order,
    get_sales_order,
    lines_values,
)

REASON_LENGTH = 200
# A purchase order may be edited or cancelled only before anything arrived against it.
PO_CHANGEABLE = ("open", "draft")
# A sales order may be cancelled until it is packed, as long as nothing was picked.
SO_CANCELLABLE = ("open", "allocated", "picking", "picked")


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid("reason: say why the order is cancelled", field="reason")
    if len(reason) > REASON_LENGTH:
        raise Invalid(f"reason: at most {REASON_LENGTH} characters", field="reason")
    return reason


def _nothing_received(order: PurchaseOrder) -> bool:
    return all(line.received == 0 and line.rejected == 0 for line in order.lines)


def _check_changeable(order: PurchaseOrder, what: str) -> None:
    if order.status not in PO_CHANGEABLE or not _nothing_received(order):
        received = not _nothing_received(order)
        raise Conflict(
            f"purchase order {order.number} is {order.status}"
            + ("; goods were received against it" if received else "")
            + f", so it cannot be {what}",
            number=order.number, status=order.status, received=received)


def po_lines_values(order: PurchaseOrder) -> list[dict[str, object]]:
    """A purchase order's lines as an audit event keeps them."""
    return lines_values([OrderLineInput(line.item.sku, line.qty, line.unit_price)
                         for line in order.lines])


def cancel_purchase_order(session: Session, number: str, reason: str,
                          user_id: int | None) -> PurchaseOrder:
    """Cancel a purchase order against which nothing was received."""
    reason = _reason(reason)
    order = get_purchase_order(session, number, lock=True)
    _check_changeable(order, "cancelled")
    old = order.status
    order.status = "cancelled"
    order.cancel_reason = reason
    session.flush()
    record(session, user_id, "purchase_order.cancel", order.number,
           old={"status": old}, new={"status": "cancelled", "cancel_reason": reason})
    return order


def send_purchase_order(session: Session, number: str, user_id: int | None) -> PurchaseOrder:
    """A draft purchase order (replenishment's suggestion) becomes open: it is ordered."""
    order = get_purchase_order(session, number, lock=True)
    if order.status != "draft":
        raise Conflict(f"purchase order {number} is {order.status}; only a draft is sent",
                       number=number, status=order.status)
    order.status = "open"
    session.flush()
    record(session, user_id, "purchase_order.send", order.number,
           old={"status": "draft"}, new={"status": "open"})
    return order


@dataclass(frozen=True)
class PurchaseOrderChange:
    """What an edit sets: only the fields given (not None) change. `expected_date` and
    `warehouse` are cleared by `clear_expected_date` / an empty warehouse code."""

    lines: Sequence[OrderLineInput] | None = None
    expected_date: date | None = None
    clear_expected_date: bool = False
    warehouse: str | None = None


def edit_purchase_order(session: Session, number: str, change: PurchaseOrderChange,
                        user_id: int | None) -> PurchaseOrder:
    """Change an open (or draft) purchase order's lines, expected date or warehouse while
    nothing was received against it; the new lines replace the old ones."""
    order = get_purchase_order(session, number, lock=True)
    _check_changeable(order, "edited")
    old: dict[str, object] = {}
    new: dict[str, object] = {}
    if change.expected_date is not None or change.clear_expected_date:
        value = None if change.clear_expected_date else change.expected_date
        if value != order.expected_date:
            old["expected_date"] = _iso(order.expected_date)
            new["expected_date"] = _iso(value)
            order.expected_date = value
    if change.warehouse is not None:
        warehouse = find_warehouse(session, change.warehouse) if change.warehouse else None
        if (warehouse.id if warehouse else None) != order.warehouse_id:
            old["warehouse"] = order.warehouse.code if order.warehouse else None
            new["warehouse"] = warehouse.code if warehouse else None
            order.warehouse = warehouse
    if change.lines is not None:
        check_lines(change.lines)
        items = find_items(session, [line.sku for line in change.lines])
        before = po_lines_values(order)
        chosen = [(items[line.sku.strip()], line) for line in change.lines]
        for item, _line in chosen:
            refuse_inactive(item)
        after = [OrderLineInput(item.sku, line.qty, line.unit_price) for item, line in chosen]
        if lines_values(after) != before:
            old["lines"], new["lines"] = before, lines_values(after)
            for po_line in list(order.lines):
                session.delete(po_line)
            session.flush()
            for item, line in chosen:
                session.add(PurchaseOrderLine(order_id=order.id, item_id=item.id,
                                              qty=line.qty, unit_price=line.unit_price))
    session.flush()
    session.expire(order, ["lines"])
    if new:
        record(session, user_id, "purchase_order.edit", order.number, old=old, new=new)
    return order


def units_picked(session: Session, order: SalesOrder) -> int:
    """Units picked for the order so far (pick moves of its tasks)."""
    return int(session.scalar(
        select(func.coalesce(func.sum(Move.qty), 0))
        .join(PickTask, PickTask.id == Move.pick_task_id)
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.order_id == order.id, Move.kind == "pick")
    ) or 0)


def cancel_sales_order(session: Session, number: str, reason: str,
                       user_id: int | None) -> SalesOrder:
    """Cancel a sales order of which nothing was picked: its reserved units are released
    and its pick tasks can no longer be picked."""
    reason = _reason(reason)
    order = get_sales_order(session, number, lock=True)
    picked = units_picked(session, order)
    if order.status not in SO_CANCELLABLE or picked:
        raise Conflict(
            f"sales order {number} is {order.status}"
            + (f"; {picked} units were picked" if picked else "")
            + ", so it cannot be cancelled",
            number=number, status=order.status, picked=picked)
    old = order.status
    released = release_reservations(session, order)
    order.status = "cancelled"
    order.cancel_reason = reason
    session.flush()
    record(session, user_id, "sales_order.cancel", order.number,
           old={"status": old}, new={"status": "cancelled", "cancel_reason": reason},
           released=released)
    return order


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
