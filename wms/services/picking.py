"""Pick confirmation: the scanned bin, item and lot must be the task's; the units move from
the bin to the order's packing location and consume the task's reservation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from locations import InvalidLocationCode, normalize_location_code
from wms.acting import check_warehouse_allowed
from wms.errors import (
    Conflict,
    Invalid,
    UnknownRecord,
    WrongItemScanned,
    WrongLocationScanned,
    WrongLotScanned,
)
from wms.ledger import Draw, MoveRequest, post_move, release
from wms.models import (
    Item,
    ItemBarcode,
    Location,
    Lot,
    Move,
    PickList,
    PickTask,
    SalesOrder,
)
from wms.scanning import ScanResult
from wms.services.lookup import keep

PICKABLE_STATUSES = ("allocated", "picking")


@dataclass(frozen=True)
class ItemNames:
    """An item's names, all a picker's screen shows of it besides the SKU."""

    name: str
    name_zh: str | None
    name_en: str | None


@dataclass(frozen=True)
class TaskView:
    """A pick task as the picker sees it: where, what, which lot and how many are left."""

    id: int
    seq: int
    location: str
    sku: str
    item: ItemNames
    lot: str | None
    expiry: date | None
    qty: int
    picked: int
    short: int
    pick_list_id: int = 0

    @property
    def remaining(self) -> int:
        return self.qty - self.short - self.picked


@dataclass(frozen=True)
class PickOutcome:
    """What a pick confirmation (or a short) did, and the picker's next task on the same
    list (None when the list is done)."""

    task: PickTask
    move: Move | None
    picked: int
    remaining: int
    order_status: str
    next_task: TaskView | None = None
    tasks_left: int = 0
    packing: str = ""
    shorted: int = 0


def picked_qty(task_id_column: ColumnElement[int] | InstrumentedAttribute[int]
               ) -> ScalarSelect[int]:
    """A correlated sum of the pick moves of a task."""
    return (
        select(func.coalesce(func.sum(Move.qty), 0))
        .where(Move.pick_task_id == task_id_column, Move.kind == "pick")
        .scalar_subquery()
    )


@cache
def _load_statement(for_update: bool) -> Select[Any]:
    """A task with its order, bin, its list's packing location, item, lot and units picked
    so far, in one query; built once (parameter task_id). A pick needs neither the locations'
    warehouses and zones nor the order's customer: they load only when asked for."""
    bin_ = aliased(Location, name="task_bin")
    packing = aliased(Location, name="packing")
    stmt: Any = (
        select(PickTask, SalesOrder, bin_, packing, Item, Lot, picked_qty(PickTask.id))
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .join(SalesOrder, SalesOrder.id == PickList.order_id)
        .join(bin_, bin_.id == PickTask.location_id)
        .join(packing, packing.id == PickList.packing_location_id)
        .join(Item, Item.id == PickTask.item_id)
        .join(Lot, Lot.id == PickTask.lot_id)
        .where(PickTask.id == bindparam("task_id"))
        .options(lazyload(bin_.warehouse), lazyload(bin_.zone), lazyload(packing.warehouse),
                 lazyload(packing.zone), lazyload(SalesOrder.customer))
    )
    if for_update:
        stmt = stmt.with_for_update(of=PickTask)
    return cast(Select[Any], stmt)


def _load(session: Session, task_id: int) -> tuple[PickTask, SalesOrder, Location, Location,
                                                    Item, Lot, int]:
    postgresql = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    row = session.execute(_load_statement(postgresql), {"task_id": task_id}).first()
    if row is None:
        raise UnknownRecord(f"no pick task {task_id}", task=task_id)
    return tuple(row)


_BARCODE_OF_ITEM = select(ItemBarcode.id).where(ItemBarcode.item_id == bindparam("item_id"),
                                                ItemBarcode.code == bindparam("code"))


def _is_item(session: Session, item: Item, scanned: str) -> bool:
    if scanned == item.sku:
        return True
    return session.scalar(_BARCODE_OF_ITEM, {"item_id": item.id, "code": scanned}) is not None


@cache
def _task_views_statement(by_order: bool) -> Select[Any]:
    """The tasks of a pick list (parameter tasks_of) or of every list of an order, with their
    bin code, item, lot and units picked, as plain columns; built once per shape."""
    picked = picked_qty(PickTask.id)
    condition = (PickList.order_id if by_order else PickTask.pick_list_id) == \
        bindparam("tasks_of")
    stmt: Any = (
        select(PickTask.id, PickTask.seq, Location.code, Item.sku, Item.name, Item.name_zh,
               Item.name_en, Lot.internal, Lot.code, Lot.expiry, PickTask.qty, picked,
               PickTask.short, PickTask.pick_list_id)
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .join(Location, Location.id == PickTask.location_id)
        .join(Item, Item.id == PickTask.item_id)
        .join(Lot, Lot.id == PickTask.lot_id)
        .where(condition)
        .order_by(PickList.id, PickTask.seq)
    )
    return cast(Select[Any], stmt)


def _task_views(session: Session, *, by_order: bool, of: int) -> list[TaskView]:
    views = [
        TaskView(task_id, seq, code, sku, ItemNames(name, name_zh, name_en),
                 None if internal else lot, expiry, qty, int(done), short, pick_list_id)
        for (task_id, seq, code, sku, name, name_zh, name_en, internal, lot, expiry, qty, done,
             short, pick_list_id)
        in session.execute(_task_views_statement(by_order), {"tasks_of": of})
    ]
    return [v for v in views if v.remaining > 0]


def open_tasks(session: Session, pick_list_id: int) -> list[TaskView]:
    """The pick list's tasks that still need units, in walking order."""
    return _task_views(session, by_order=False, of=pick_list_id)


def open_tasks_of_order(session: Session, order_id: int) -> list[TaskView]:
    """Every open task of the order's pick lists, list by list in walking order."""
    return _task_views(session, by_order=True, of=order_id)


_ORDERS = cast(Table, SalesOrder.__table__)
_SET_ORDER_STATUS = (update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id"))
                     .values(status=bindparam("status")))


def _after(session: Session, order: SalesOrder, pick_list_id: int) -> tuple[
        str, TaskView | None, int]:
    """The order's status once nothing or something is left to pick, and the list's next
    task and number of open tasks (one read for all three)."""
    left = open_tasks_of_order(session, order.id)
    on_list = [t for t in left if t.pick_list_id == pick_list_id]
    status = "picking" if left else "picked"
    if order.status != status:
        # One UPDATE of one column, without a unit-of-work flush.
        session.execute(_SET_ORDER_STATUS, {"order_id": order.id, "status": status})
        set_committed_value(order, "status", status)
    return status, (on_list[0] if on_list else None), len(on_list)


def check_bin(expected: str, scanned: str) -> str:
    """The scanned bin (normalised) when it is the task's bin; else WrongLocationScanned."""
    try:
        code = normalize_location_code(scanned)
    except InvalidLocationCode:
        code = scanned.strip().upper()
    if code != expected:
        raise WrongLocationScanned(f"expected bin {expected}, scanned {scanned.strip()}",
                                   expected=expected, scanned=scanned.strip())
    return code


def check_item_scan(scan: ScanResult, *, sku: str, lot: str | None) -> None:
    """A scan at a task's item step must be the task's item, and its lot when the label
    names one; a bin, badge or unreadable code is refused for what it is."""
    if scan.kind == "location":
        raise WrongItemScanned(f"expected item {sku}, scanned bin {scan.location}",
                               expected=sku, scanned=scan.location, kind="location")
    if scan.kind != "item":
        raise WrongItemScanned(f"expected item {sku}, scanned {scan.text!r}", expected=sku,
                               scanned=scan.text, kind=scan.kind, problem=scan.problem)
    if scan.sku != sku:
        raise WrongItemScanned(f"expected item {sku}, scanned {scan.sku}", expected=sku,
                               scanned=scan.sku)
    if scan.lot and lot and scan.lot != lot:
        raise WrongLotScanned(f"expected lot {lot}, scanned {scan.lot}", expected=lot,
                              scanned=scan.lot)


def confirm_pick(
    session: Session, *, task_id: int, location: str, sku: str, qty: int,
    user_id: int | None, lot: str | None = None,
) -> PickOutcome:
    """Confirm `qty` units of a pick task taken from the scanned bin; the outcome names the
    next task of the list, so the picker's next step needs no other read."""
    task, order, bin_, packing, item, task_lot, picked = _load(session, task_id)
    check_warehouse_allowed(bin_)
    if order.status not in PICKABLE_STATUSES:
        raise Conflict(f"sales order {order.number} is {order.status}; it is not being picked")
    remaining = task.qty - task.short - int(picked)
    if remaining <= 0:
        raise Conflict(f"pick task {task.id} is complete")
    check_bin(bin_.code, location)
    if not _is_item(session, item, sku.strip()):
        raise WrongItemScanned(f"expected item {item.sku}, scanned {sku.strip()}",
                               expected=item.sku, scanned=sku.strip())
    if lot and item.tracking == "lot" and lot.strip() != task_lot.code:
        raise WrongLotScanned(f"expected lot {task_lot.code}, scanned {lot.strip()}",
                              expected=task_lot.code, scanned=lot.strip())
    if qty > remaining:
        raise Invalid(f"qty: the task needs {remaining} more, not {qty}", field="qty",
                      maximum=remaining, qty=qty)
    move = post_move(session, MoveRequest(
        kind="pick", item_id=item.id, lot_id=task_lot.id, qty=qty, from_location=bin_,
        to_location=packing, user_id=user_id, reference=order.number, pick_task_id=task.id,
        draw=Draw.RESERVED, check_destination=False, reserve_at_destination=True,
    ))
    remaining -= qty
    status, next_task, left = _after(session, order, task.pick_list_id)
    keep(session, item, task_lot, bin_, packing)
    return PickOutcome(task, move, int(picked) + qty, remaining, status, next_task, left,
                       packing.code)


def report_short(session: Session, *, task_id: int, user_id: int | None) -> PickOutcome:
    """The picker could not find the rest of a task: record it short and release the
    reservation, so the order can move on."""
    task, order, bin_, packing, item, task_lot, picked = _load(session, task_id)
    check_warehouse_allowed(bin_)
    if order.status not in PICKABLE_STATUSES:
        raise Conflict(f"sales order {order.number} is {order.status}; it is not being picked")
    remaining = task.qty - task.short - int(picked)
    if remaining <= 0:
        raise Conflict(f"pick task {task.id} is complete")
    task.short += remaining
    release(session, bin_.id, item.id, task_lot.id, remaining)
    session.flush()
    status, next_task, left = _after(session, order, task.pick_list_id)
    keep(session, item)
    return PickOutcome(task, None, int(picked), 0, status, next_task, left, packing.code,
                       shorted=remaining)
