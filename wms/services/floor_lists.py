"""What the floor pages list: orders to pick and their open tasks in walking order, the tally
of a purchase order, goods waiting for putaway, counts to work and a bin's contents.
Read-only; every figure comes from the ledger's balances and the order lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.config import Settings
from wms.models import (
    Count,
    CountEntry,
    CountLocation,
    Item,
    Location,
    Lot,
    PickList,
    PickTask,
    PurchaseOrder,
    SalesOrder,
    StockBalance,
)
from wms.services.lookup import check_location_code_allowed
from wms.services.moving import INBOUND_KINDS
from wms.services.picking import PICKABLE_STATUSES, open_tasks
from wms.services.shelf_life import is_expired, warehouse_today
from wms.services.stock_queries import STOCK_STATUSES, status_split


@dataclass(frozen=True)
class OrderToPick:
    number: str
    customer: str
    status: str
    pick_list_id: int | None
    open_tasks: int


def orders_to_pick(session: Session) -> list[OrderToPick]:
    """Orders being picked (with their open tasks) first, then new orders to start."""
    rows: list[OrderToPick] = []
    lists = session.execute(
        select(PickList, SalesOrder).join(SalesOrder, SalesOrder.id == PickList.order_id)
        .where(SalesOrder.status.in_(PICKABLE_STATUSES)).order_by(SalesOrder.number, PickList.id)
    ).all()
    for pick_list, order in lists:
        open_count = sum(1 for task in open_tasks(session, pick_list.id))
        if open_count:
            rows.append(OrderToPick(order.number, order.customer.name, order.status,
                                    pick_list.id, open_count))
    for order in session.scalars(select(SalesOrder).where(SalesOrder.status == "open")
                                 .order_by(SalesOrder.number)):
        if not any(r.number == order.number for r in rows):
            rows.append(OrderToPick(order.number, order.customer.name, order.status, None, 0))
    return rows


def open_pick_list_of(session: Session, number: str) -> int | None:
    """The pick list of this order that still has open tasks, if any."""
    for (pick_list_id,) in session.execute(
        select(PickList.id).join(SalesOrder, SalesOrder.id == PickList.order_id)
        .where(SalesOrder.number == number).order_by(PickList.id)
    ):
        if open_tasks(session, pick_list_id):
            return int(pick_list_id)
    return None


@dataclass(frozen=True)
class TallyLine:
    sku: str
    item: Item
    ordered: int
    received: int
    rejected: int

    @property
    def remaining(self) -> int:
        return self.ordered - self.received


def purchase_tally(order: PurchaseOrder) -> list[TallyLine]:
    """Ordered, received and rejected per line of the order."""
    return [TallyLine(line.item.sku, line.item, line.qty, line.received, line.rejected)
            for line in order.lines]


def open_purchase_orders(session: Session) -> list[PurchaseOrder]:
    return list(session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.status.in_(("open", "partial"))).order_by(PurchaseOrder.number)))


@dataclass(frozen=True)
class Holding:
    location: str
    kind: str
    sku: str
    item: Item
    lot: str | None
    expiry: date | None
    qty: int
    free: int
    expired: bool = False

    @property
    def by_status(self) -> dict[str, int]:
        """The units by status (see `status_split`)."""
        return status_split(self.kind, self.expired, self.qty, self.qty - self.free)


def by_status(rows: list[Holding]) -> dict[str, int]:
    """Units on hand by status over several holdings, in `STOCK_STATUSES` order."""
    totals = dict.fromkeys(STOCK_STATUSES, 0)
    for row in rows:
        for status, units in row.by_status.items():
            totals[status] += units
    return {status: units for status, units in totals.items() if units}


def holdings(session: Session, *, location: str | None = None, item_id: int | None = None,
             kinds: tuple[str, ...] | None = None, warehouse_id: int | None = None,
             today: date | None = None, expired_only: bool = False) -> list[Holding]:
    """Stock on hand by bin, item and lot (oldest lot first within a bin); lots past their
    expiry on `today` (the warehouse's date) are marked expired."""
    today = today or warehouse_today(Settings.timezone)
    stmt = (
        select(Location.code, Location.kind, Item, Lot, StockBalance.qty, StockBalance.reserved)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.qty > 0)
        .order_by(Location.walk_seq, Location.code, Item.sku, Lot.expiry, Lot.received_at)
    )
    if location is not None:
        check_location_code_allowed(session, location)
        stmt = stmt.where(Location.code == location)
    if item_id is not None:
        stmt = stmt.where(StockBalance.item_id == item_id)
    if kinds is not None:
        stmt = stmt.where(Location.kind.in_(kinds))
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    if expired_only:
        stmt = stmt.where(Lot.expiry < today)
    return [Holding(code, kind, item.sku, item, None if lot.internal else lot.code, lot.expiry,
                    int(qty), int(qty - reserved), is_expired(lot.expiry, today))
            for code, kind, item, lot, qty, reserved in session.execute(stmt.limit(200))]


def expired_stock(session: Session, today: date | None = None) -> list[Holding]:
    """Units of lots past their expiry, wherever they are, for the supervisor to act on."""
    return holdings(session, today=today, expired_only=True)


def waiting_for_putaway(session: Session) -> list[Holding]:
    """Goods received at docks and staging that are not in a bin yet."""
    return holdings(session, kinds=INBOUND_KINDS)


def counts_to_work(session: Session) -> list[Count]:
    """Counts still being counted (first counts and recounts)."""
    return list(session.scalars(select(Count).where(Count.status.in_(("open", "recount")))
                                .order_by(Count.id)))


def counts_to_approve(session: Session) -> list[Count]:
    return list(session.scalars(select(Count).where(Count.status == "submitted")
                                .order_by(Count.id)))


def units_short(session: Session) -> list[tuple[str, str, str, int]]:
    """(order, bin, sku, units) of pick shortages on orders not yet shipped or cancelled."""
    stmt = (
        select(SalesOrder.number, Location.code, Item.sku, PickTask.short)
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .join(SalesOrder, SalesOrder.id == PickList.order_id)
        .join(Location, Location.id == PickTask.location_id)
        .join(Item, Item.id == PickTask.item_id)
        .where(PickTask.short > 0, SalesOrder.status.notin_(("shipped", "cancelled")))
        .order_by(SalesOrder.number, PickTask.seq)
    )
    return [(n, c, s, int(q)) for n, c, s, q in session.execute(stmt)]


def counted_so_far(session: Session, count: Count,
                   location_id: int) -> list[tuple[str, str | None, int]]:
    """(sku, lot, units) the counters entered for one bin in the count's current round:
    their own figures, never the expected ones."""
    stmt = (
        select(Item.sku, Lot.code, Lot.internal, func.sum(CountEntry.qty))
        .join(Item, Item.id == CountEntry.item_id)
        .outerjoin(Lot, Lot.id == CountEntry.lot_id)
        .where(CountEntry.count_id == count.id, CountEntry.round == count.round,
               CountEntry.location_id == location_id)
        .group_by(Item.sku, Lot.code, Lot.internal).order_by(Item.sku)
    )
    return [(sku, None if internal or code is None else code, int(units))
            for sku, code, internal, units in session.execute(stmt)]


def open_count_of_bin(session: Session, location_id: int) -> Count | None:
    """A count still being counted that includes this bin."""
    return session.scalar(
        select(Count).join(CountLocation, CountLocation.count_id == Count.id)
        .where(CountLocation.location_id == location_id,
               Count.status.in_(("open", "recount"))).order_by(Count.id))
