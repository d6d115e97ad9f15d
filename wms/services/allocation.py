"""Sales-order allocation: reserve the oldest stock (FIFO, or FEFO for expiry items, never
an expired lot) and build a pick list in walking order, with what could not be found as
shortages. An order that names no warehouse is given one here: the gateway's home
warehouse when one is set, else the warehouse that can fill the most of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from locations import order_by_walk
from wms.acting import check_warehouse_allowed, current
from wms.config import Settings
from wms.errors import Conflict, InsufficientStock
from wms.ledger import release, reserve
from wms.models import (
    Item,
    Location,
    Lot,
    PickList,
    PickTask,
    SalesOrder,
    StockBalance,
    Warehouse,
)
from wms.services.audit import record
from wms.services.fifo import issue_order
from wms.services.lookup import find_warehouse
from wms.services.orders import get_sales_order
from wms.services.picking import picked_qty
from wms.services.shelf_life import not_expired, warehouse_today

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


def _pickable(session: Session, warehouse_id: int, item: Item, today: date) -> list[Any]:
    stmt = (
        select(StockBalance.id, StockBalance.qty - StockBalance.reserved, Lot.id, Location)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            StockBalance.item_id == item.id,
            StockBalance.qty > StockBalance.reserved,
            Location.warehouse_id == warehouse_id,
            Location.kind == "storage",
            Location.blocked.is_(False),
            not_expired(today),
        )
        .order_by(*issue_order(item), Location.walk_seq, Location.code)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt))


def _fillable(session: Session, needs: dict[int, int], today: date
              ) -> dict[int, tuple[int, int]]:
    """Per warehouse with a packing location: (units, lines) of `needs` (item -> units) its
    unexpired, unreserved storage stock could fill."""
    stmt = (
        select(Location.warehouse_id, StockBalance.item_id,
               func.sum(StockBalance.qty - StockBalance.reserved))
        .join(Location, Location.id == StockBalance.location_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id.in_(list(needs)), StockBalance.qty > StockBalance.reserved,
               Location.kind == "storage", Location.blocked.is_(False), not_expired(today))
        .group_by(Location.warehouse_id, StockBalance.item_id)
    )
    packing = set(session.scalars(select(Location.warehouse_id).where(
        Location.kind == "packing").distinct()))
    scores: dict[int, tuple[int, int]] = {warehouse_id: (0, 0) for warehouse_id in packing}
    for warehouse_id, item_id, free in session.execute(stmt):
        if warehouse_id not in packing:
            continue
        units, lines = scores[warehouse_id]
        take = min(needs[item_id], int(free))
        scores[warehouse_id] = (units + take, lines + (take == needs[item_id]))
    return scores


def choose_warehouse(session: Session, order: SalesOrder, home_warehouse: str | None,
                     today: date) -> Warehouse:
    """The warehouse an order that names none is allocated from: the home warehouse when
    one is set, else the one that can fill the most units (then lines; ties by code)."""
    if home_warehouse:
        return find_warehouse(session, home_warehouse)
    needs: dict[int, int] = {}
    already = allocated_per_line(session, order)
    for line in order.lines:
        remaining = line.qty - already.get(line.id, 0)
        if remaining > 0:
            needs[line.item_id] = needs.get(line.item_id, 0) + remaining
    scores = _fillable(session, needs, today) if needs else {}
    candidates = list(session.scalars(select(Warehouse).where(Warehouse.id.in_(list(scores)))))
    allowed = current().warehouses  # a person kept to some warehouses allocates from those
    if allowed is not None:
        candidates = [w for w in candidates if w.code in allowed]
    if not candidates:
        raise Conflict("no warehouse with a packing location is set up")
    return min(candidates, key=lambda w: (-scores[w.id][0], -scores[w.id][1], w.code))


def create_pick_list(session: Session, number: str, user_id: int | None, *,
                     home_warehouse: str | None = None, today: date | None = None
                     ) -> PickListResult:
    """Allocate what the order still needs and return the new pick list. Expired lots
    (expiry before `today`, the warehouse's date) are never allocated."""
    today = today or warehouse_today(Settings.timezone)
    order = get_sales_order(session, number, lock=True)
    if order.status not in ALLOCATABLE:
        raise Conflict(f"sales order {number} is {order.status}; nothing to allocate",
                       status=order.status)
    warehouse_id = order.warehouse_id
    if warehouse_id is None:
        warehouse_id = choose_warehouse(session, order, home_warehouse, today).id
    packing = packing_location_for(session, warehouse_id)
    check_warehouse_allowed(packing)  # the order's warehouse, before anything is reserved
    already = allocated_per_line(session, order)
    planned: list[tuple[int, Location, int, int, int]] = []  # line, location, item, lot, qty
    shortages: list[Shortage] = []
    needed_any = False
    for line in order.lines:
        remaining = line.qty - already.get(line.id, 0)
        if remaining <= 0:
            continue
        needed_any = True
        for balance_id, available, lot_id, location in _pickable(session, warehouse_id,
                                                                 line.item, today):
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
    if order.warehouse_id is None:
        order.warehouse = session.get(Warehouse, warehouse_id)
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


def release_reservations(session: Session, order: SalesOrder) -> int:
    """Give back the units still reserved for the order's pick tasks (what is neither picked
    nor found short), so other orders can allocate them. Returns how many were released."""
    rows = session.execute(
        select(PickTask, picked_qty(PickTask.id))
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.order_id == order.id)
        .order_by(PickTask.id)
    )
    released = 0
    for task, picked in rows:
        remaining = task.qty - task.short - int(picked)
        if remaining > 0:
            release(session, task.location_id, task.item_id, task.lot_id, remaining)
            released += remaining
    session.flush()
    return released
