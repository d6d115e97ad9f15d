"""Sales-order allocation: reserve the oldest stock (FIFO, or FEFO for expiry items) and
build a pick list in walking order, with what could not be found as shortages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from locations import order_by_walk
from wms.errors import Conflict, InsufficientStock
from wms.ledger import reserve
from wms.models import Item, Location, Lot, PickList, PickTask, SalesOrder, StockBalance
from wms.services.audit import record
from wms.services.fifo import issue_order
from wms.services.orders import get_sales_order

ALLOCATABLE = ("open", "allocated", "picking", "picked")


@dataclass(frozen=True)
class Shortage:
    sku: str
    qty: int


@dataclass
class PickListResult:
    pick_list: PickList
    shortages: list[Shortage] = field(default_factory=list)


def packing_location_for(session: Session, warehouse_id: int) -> Location:
    """Where picked goods go in this warehouse."""
    location = session.scalar(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == "packing")
        .order_by(Location.walk_seq, Location.code)
    )
    if location is None:
        raise Conflict("this warehouse has no packing location")
    return location


def allocated_per_line(session: Session, order: SalesOrder) -> dict[int, int]:
    """Units already given to pick tasks (less what was found short), per order line."""
    rows = session.execute(
        select(PickTask.order_line_id, func.sum(PickTask.qty - PickTask.short))
        .where(PickTask.order_line_id.in_([line.id for line in order.lines]))
        .group_by(PickTask.order_line_id)
    )
    return {line_id: int(qty) for line_id, qty in rows}


def _pickable(session: Session, order: SalesOrder, item: Item) -> list[Any]:
    stmt = (
        select(StockBalance.id, StockBalance.qty - StockBalance.reserved, Lot.id, Location)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            StockBalance.item_id == item.id,
            StockBalance.qty > StockBalance.reserved,
            Location.warehouse_id == order.warehouse_id,
            Location.kind == "storage",
            Location.blocked.is_(False),
        )
        .order_by(*issue_order(item), Location.walk_seq, Location.code)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt))


def create_pick_list(session: Session, number: str, user_id: int | None) -> PickListResult:
    """Allocate what the order still needs and return the new pick list."""
    order = get_sales_order(session, number, lock=True)
    if order.status not in ALLOCATABLE:
        raise Conflict(f"sales order {number} is {order.status}; nothing to allocate",
                       status=order.status)
    packing = packing_location_for(session, order.warehouse_id)
    already = allocated_per_line(session, order)
    planned: list[tuple[int, Location, int, int, int]] = []  # line, location, item, lot, qty
    shortages: list[Shortage] = []
    needed_any = False
    for line in order.lines:
        remaining = line.qty - already.get(line.id, 0)
        if remaining <= 0:
            continue
        needed_any = True
        for balance_id, available, lot_id, location in _pickable(session, order, line.item):
            take = min(remaining, int(available))
            if take > 0 and reserve(session, balance_id, take):
                planned.append((line.id, location, line.item_id, lot_id, take))
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            shortages.append(Shortage(line.item.sku, remaining))
    if not needed_any:
        raise Conflict(f"sales order {number} is fully allocated already")
    if not planned:
        raise InsufficientStock(
            "nothing could be allocated: "
            + ", ".join(f"{s.sku} short {s.qty}" for s in shortages),
            shortages=[s.__dict__ for s in shortages],
        )
    pick_list = PickList(order_id=order.id, packing_location_id=packing.id)
    session.add(pick_list)
    session.flush()
    walk = order_by_walk(planned, walk_seq=lambda p: p[1].walk_seq, code=lambda p: p[1].code)
    for seq, (line_id, location, item_id, lot_id, qty) in enumerate(walk, start=1):
        session.add(PickTask(pick_list_id=pick_list.id, order_line_id=line_id, seq=seq,
                             location_id=location.id, item_id=item_id, lot_id=lot_id, qty=qty))
    if order.status == "open" or order.status == "picked":
        order.status = "allocated" if order.status == "open" else "picking"
    session.flush()
    record(session, user_id, "pick_list.create", number, pick_list=pick_list.id)
    session.refresh(pick_list)
    return PickListResult(pick_list, shortages)
