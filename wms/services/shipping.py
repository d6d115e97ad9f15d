"""Packing and shipping: picked units leave the warehouse from the packing location."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.ledger import Draw, MoveRequest, post_move
from wms.models import Location, Lot, Move, PickList, PickTask, PrintJob, SalesOrder, utcnow
from wms.services.audit import record
from wms.services.orders import get_sales_order
from wms.services.print_jobs import queue_packing_documents
from wms.site_config import SiteConfig

# The statuses an order may be shipped from: its picked units are at the packing location.
SHIPPABLE = ("picked", "packed")


@dataclass(frozen=True)
class PickedUnits:
    order_line_id: int
    item_id: int
    lot_id: int
    packing_location_id: int
    qty: int


def picked_units(session: Session, order: SalesOrder) -> list[PickedUnits]:
    """What was picked for the order, per line, lot and packing location."""
    rows = session.execute(
        select(PickTask.order_line_id, Move.item_id, Move.lot_id, Move.to_location_id,
               func.sum(Move.qty))
        .join(PickTask, PickTask.id == Move.pick_task_id)
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.order_id == order.id, Move.kind == "pick")
        .group_by(PickTask.order_line_id, Move.item_id, Move.lot_id, Move.to_location_id)
        .order_by(PickTask.order_line_id, Move.lot_id)
    )
    units = []
    for line_id, item_id, lot_id, location_id, qty in rows:
        assert location_id is not None  # a pick always lands at the order's packing location
        units.append(PickedUnits(line_id, item_id, lot_id, location_id, int(qty)))
    return units


def picked_per_line(session: Session, order: SalesOrder) -> dict[int, int]:
    """Units picked per order line."""
    totals: dict[int, int] = {}
    for units in picked_units(session, order):
        totals[units.order_line_id] = totals.get(units.order_line_id, 0) + units.qty
    return totals


def picked_lots(session: Session, order: SalesOrder) -> dict[int, list[str]]:
    """The lot codes picked per order line (lots of untracked items left out)."""
    lots: dict[int, list[str]] = {}
    for units in picked_units(session, order):
        lot = session.get(Lot, units.lot_id)
        if lot is not None and lot.public_code and lot.public_code not in lots.get(
                units.order_line_id, []):
            lots.setdefault(units.order_line_id, []).append(lot.public_code)
    return lots


@dataclass
class PackResult:
    order: SalesOrder
    picked: dict[int, int]  # units per order line
    print_jobs: list[PrintJob] = field(default_factory=list)


def pack_order(session: Session, number: str, user_id: int | None,
               site: SiteConfig | None = None) -> PackResult:
    """Mark a fully picked order packed and, with the site's configuration, queue its
    packing slip and shipping label in the same transaction (naming the packer). Packing an
    order packed already changes nothing and queues nothing."""
    order = get_sales_order(session, number, lock=True)
    if order.status == "packed":
        return PackResult(order, picked_per_line(session, order))
    if order.status != "picked":
        raise Conflict(f"sales order {number} is {order.status}; only a picked order can be "
                       "packed", status=order.status)
    order.status = "packed"
    record(session, user_id, "sales_order.pack", number)
    session.flush()
    picked = picked_per_line(session, order)
    jobs = [] if site is None else queue_packing_documents(
        session, order, picked_lots(session, order), picked, site, user_id)
    return PackResult(order, picked, jobs)


def ship_order(session: Session, number: str, user_id: int | None) -> tuple[SalesOrder,
                                                                             list[Move]]:
    """Ship what was picked: the units leave the packing location and the warehouse."""
    order = get_sales_order(session, number, lock=True)
    if order.status not in SHIPPABLE:
        raise Conflict(f"sales order {number} is {order.status}; pick it before shipping",
                       status=order.status)
    units = picked_units(session, order)
    if not units:
        raise Conflict(f"sales order {number} has nothing picked to ship")
    moves = []
    shipped: dict[int, int] = {}
    for u in units:
        source = session.get(Location, u.packing_location_id)
        moves.append(post_move(session, MoveRequest(
            kind="ship", item_id=u.item_id, lot_id=u.lot_id, qty=u.qty, from_location=source,
            to_location=None, user_id=user_id, reference=order.number, draw=Draw.RESERVED,
        )))
        shipped[u.order_line_id] = shipped.get(u.order_line_id, 0) + u.qty
    for line in order.lines:
        line.shipped = shipped.get(line.id, 0)
    order.status = "shipped"
    order.shipped_at = utcnow()
    session.flush()
    record(session, user_id, "sales_order.ship", order.number,
           units=sum(shipped.values()))
    return order, moves
