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
from sqlalchemy.orm.util import identity_key

from locations import InvalidLocationCode, normalize_location_code
from wms.acting import check_warehouse_allowed
from wms.db import run
from wms.errors import (
    Conflict,
    Invalid,
    UnknownRecord,
    WrongItemScanned,
    WrongLocationScanned,
    WrongLotScanned,
)
from wms.ledger import Draw, MoveRequest, PlaceRow, post_move, release
from wms.models import (
    Item,
    ItemBarcode,
    Location,
    Lot,
    Move,
    PickList,
    PickTask,
    SalesOrder,
    Warehouse,
)
from wms.scanning import ScanResult
from wms.services.lookup import keep_codes

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

    task_id: int
    sku: str
    short: int  # the task's units reported short so far
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


@dataclass(frozen=True)
class PickRow:
    """What a pick confirmation reads of its task, order, bins, item and lot, as columns."""

    task_id: int
    qty: int
    short: int
    pick_list_id: int
    order_id: int
    order_number: str
    order_status: str
    bin: PlaceRow
    packing: PlaceRow
    item_id: int
    sku: str
    tracking: str
    lot_id: int
    lot_code: str
    lot_internal: bool
    picked: int


def _place_columns(location: Any, warehouse: Any) -> list[Any]:
    return [location.id, location.code, location.kind, location.capacity, location.blocked,
            warehouse.code]


@cache
def _pick_statement(for_update: bool) -> Select[Any]:
    """The columns of a task, its order, bin, its list's packing location (each with its
    warehouse's code), item and lot, and its units picked so far, in one query and with no
    record loaded; built once (parameter task_id)."""
    bin_, packing = aliased(Location, name="task_bin"), aliased(Location, name="packing")
    bin_warehouse = aliased(Warehouse, name="bin_warehouse")
    packing_warehouse = aliased(Warehouse, name="packing_warehouse")
    stmt: Any = (
        select(PickTask.id, PickTask.qty, PickTask.short, PickTask.pick_list_id,
               SalesOrder.id, SalesOrder.number, SalesOrder.status,
               *_place_columns(bin_, bin_warehouse), *_place_columns(packing, packing_warehouse),
               Item.id, Item.sku, Item.tracking, Lot.id, Lot.code, Lot.internal,
               picked_qty(PickTask.id))
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .join(SalesOrder, SalesOrder.id == PickList.order_id)
        .join(bin_, bin_.id == PickTask.location_id)
        .join(bin_warehouse, bin_warehouse.id == bin_.warehouse_id)
        .join(packing, packing.id == PickList.packing_location_id)
        .join(packing_warehouse, packing_warehouse.id == packing.warehouse_id)
        .join(Item, Item.id == PickTask.item_id)
        .join(Lot, Lot.id == PickTask.lot_id)
        .where(PickTask.id == bindparam("task_id"))
    )
    if for_update:
        stmt = stmt.with_for_update(of=PickTask)
    return cast(Select[Any], stmt)


def _read_pick(session: Session, task_id: int) -> PickRow:
    postgresql = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    row = run(session, _pick_statement(postgresql), {"task_id": task_id}).first()
    if row is None:
        raise UnknownRecord(f"no pick task {task_id}", task=task_id)
    return PickRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                   PlaceRow(*row[7:13]), PlaceRow(*row[13:19]),
                   row[19], row[20], row[21], row[22], row[23], row[24], int(row[25]))


def _load(session: Session, task_id: int) -> tuple[PickTask, SalesOrder, Location, Location,
                                                    Item, Lot, int]:
    postgresql = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    row = session.execute(_load_statement(postgresql), {"task_id": task_id}).first()
    if row is None:
        raise UnknownRecord(f"no pick task {task_id}", task=task_id)
    return tuple(row)


_BARCODE_OF_ITEM = select(ItemBarcode.id).where(ItemBarcode.item_id == bindparam("item_id"),
                                                ItemBarcode.code == bindparam("code"))


def _is_item(session: Session, item_id: int, sku: str, scanned: str) -> bool:
    if scanned == sku:
        return True
    return run(session, _BARCODE_OF_ITEM, {"item_id": item_id, "code": scanned}
               ).first() is not None


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
        in run(session, _task_views_statement(by_order), {"tasks_of": of})
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


def _after(session: Session, order_id: int, order_status: str, pick_list_id: int
           ) -> tuple[str, TaskView | None, int]:
    """The order's status once nothing or something is left to pick, and the list's next
    task and number of open tasks (one read for all three)."""
    left = open_tasks_of_order(session, order_id)
    on_list = [t for t in left if t.pick_list_id == pick_list_id]
    status = "picking" if left else "picked"
    if order_status != status:
        # One UPDATE of one column, without a unit-of-work flush.
        run(session, _SET_ORDER_STATUS, {"order_id": order_id, "status": status})
        _held_order_shows(session, order_id, status)
    return status, (on_list[0] if on_list else None), len(on_list)


def _held_order_shows(session: Session, order_id: int, status: str) -> None:
    """The order record the session holds, if any, shows its new status."""
    if not len(session.identity_map):  # a pick confirmation holds no record
        return
    held = session.identity_map.get(identity_key(SalesOrder, order_id))
    if held is not None:
        set_committed_value(held, "status", status)


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
    next task of the list, so the picker's next step needs no other read. Everything is read
    as columns: a pick loads no record."""
    pick = _read_pick(session, task_id)
    bin_, packing = pick.bin, pick.packing
    check_warehouse_allowed(bin_)
    if pick.order_status not in PICKABLE_STATUSES:
        raise Conflict(f"sales order {pick.order_number} is {pick.order_status}; "
                       "it is not being picked")
    remaining = pick.qty - pick.short - pick.picked
    if remaining <= 0:
        raise Conflict(f"pick task {pick.task_id} is complete")
    check_bin(bin_.code, location)
    if not _is_item(session, pick.item_id, pick.sku, sku.strip()):
        raise WrongItemScanned(f"expected item {pick.sku}, scanned {sku.strip()}",
                               expected=pick.sku, scanned=sku.strip())
    if lot and pick.tracking == "lot" and lot.strip() != pick.lot_code:
        raise WrongLotScanned(f"expected lot {pick.lot_code}, scanned {lot.strip()}",
                              expected=pick.lot_code, scanned=lot.strip())
    if qty > remaining:
        raise Invalid(f"qty: the task needs {remaining} more, not {qty}", field="qty",
                      maximum=remaining, qty=qty)
    move = post_move(session, MoveRequest(
        kind="pick", item_id=pick.item_id, lot_id=pick.lot_id, qty=qty, from_location=bin_,
        to_location=packing, user_id=user_id, reference=pick.order_number,
        pick_task_id=pick.task_id, draw=Draw.RESERVED, check_destination=False,
        reserve_at_destination=True,
    ))
    remaining -= qty
    status, next_task, left = _after(session, pick.order_id, pick.order_status,
                                     pick.pick_list_id)
    keep_codes(session, items={pick.item_id: pick.sku},
               lots={pick.lot_id: None if pick.lot_internal else pick.lot_code},
               locations={bin_.id: bin_.code, packing.id: packing.code})
    return PickOutcome(pick.task_id, pick.sku, pick.short, move, pick.picked + qty, remaining,
                       status, next_task, left, packing.code)


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
    status, next_task, left = _after(session, order.id, order.status, task.pick_list_id)
    return PickOutcome(task.id, item.sku, task.short, None, int(picked), 0, status, next_task,
                       left, packing.code, shorted=remaining)
