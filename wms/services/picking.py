"""Pick confirmation: the scanned bin, item and lot must be the task's; the units move from
the bin to the order's packing location and consume the task's reservation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from locations import InvalidLocationCode, normalize_location_code
from wms.errors import (
    Conflict,
    Invalid,
    UnknownRecord,
    WrongItemScanned,
    WrongLocationScanned,
    WrongLotScanned,
)
from wms.ledger import Draw, MoveRequest, post_move, release_reservation
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
from wms.services.lookup import keep

PICKABLE_STATUSES = ("allocated", "picking")


@dataclass(frozen=True)
class PickOutcome:
    task: PickTask
    move: Move | None
    picked: int
    remaining: int
    order_status: str


def picked_qty(task_id_column: object) -> object:
    """A correlated sum of the pick moves of a task."""
    return (
        select(func.coalesce(func.sum(Move.qty), 0))
        .where(Move.pick_task_id == task_id_column, Move.kind == "pick")
        .scalar_subquery()
    )


def _load(session: Session, task_id: int) -> tuple[PickTask, PickList, SalesOrder, Location,
                                                    Location, Item, Lot, int]:
    bin_ = aliased(Location)
    packing = aliased(Location)
    stmt = (
        select(PickTask, PickList, SalesOrder, bin_, packing, Item, Lot,
               picked_qty(PickTask.id))
        .join(PickList, PickList.id == PickTask.pick_list_id)
        .join(SalesOrder, SalesOrder.id == PickList.order_id)
        .join(bin_, bin_.id == PickTask.location_id)
        .join(packing, packing.id == PickList.packing_location_id)
        .join(Item, Item.id == PickTask.item_id)
        .join(Lot, Lot.id == PickTask.lot_id)
        .where(PickTask.id == task_id)
    )
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        stmt = stmt.with_for_update(of=PickTask)
    row = session.execute(stmt).first()
    if row is None:
        raise UnknownRecord(f"no pick task {task_id}", task=task_id)
    return tuple(row)  # type: ignore[return-value]


def _is_item(session: Session, item: Item, scanned: str) -> bool:
    if scanned == item.sku:
        return True
    return session.scalar(
        select(ItemBarcode.id).where(ItemBarcode.item_id == item.id,
                                     ItemBarcode.code == scanned)
    ) is not None


def _open_units_left(session: Session, pick_list_order_id: int) -> int:
    task = aliased(PickTask)
    remaining = session.scalar(
        select(func.coalesce(func.sum(task.qty - task.short - picked_qty(task.id)), 0))
        .join(PickList, PickList.id == task.pick_list_id)
        .where(PickList.order_id == pick_list_order_id)
    )
    return int(remaining or 0)


def confirm_pick(
    session: Session, *, task_id: int, location: str, sku: str, qty: int,
    user_id: int | None, lot: str | None = None,
) -> PickOutcome:
    """Confirm `qty` units of a pick task taken from the scanned bin."""
    task, pick_list, order, bin_, packing, item, task_lot, picked = _load(session, task_id)
    if order.status not in PICKABLE_STATUSES:
        raise Conflict(f"sales order {order.number} is {order.status}; it is not being picked")
    remaining = task.qty - task.short - int(picked)
    if remaining <= 0:
        raise Conflict(f"pick task {task.id} is complete")
    try:
        scanned_bin = normalize_location_code(location)
    except InvalidLocationCode:
        scanned_bin = location.strip()
    if scanned_bin != bin_.code:
        raise WrongLocationScanned(
            f"expected bin {bin_.code}, scanned {location.strip()}",
            expected=bin_.code, scanned=location.strip(),
        )
    if not _is_item(session, item, sku.strip()):
        raise WrongItemScanned(f"expected item {item.sku}, scanned {sku.strip()}",
                               expected=item.sku, scanned=sku.strip())
    if lot and item.tracking == "lot" and lot.strip() != task_lot.code:
        raise WrongLotScanned(f"expected lot {task_lot.code}, scanned {lot.strip()}",
                              expected=task_lot.code, scanned=lot.strip())
    if qty > remaining:
        raise Invalid(f"qty: the task needs {remaining} more, not {qty}", field="qty")
    move = post_move(session, MoveRequest(
        kind="pick", item_id=item.id, lot_id=task_lot.id, qty=qty, from_location=bin_,
        to_location=packing, user_id=user_id, reference=order.number, pick_task_id=task.id,
        draw=Draw.RESERVED, check_destination=False,
    ))
    remaining -= qty
    new_status = "picking"
    if remaining == 0 and _open_units_left(session, order.id) == 0:
        new_status = "picked"
    if order.status != new_status:
        order.status = new_status
        session.flush()
    keep(session, item, task_lot, bin_, packing)
    return PickOutcome(task, move, int(picked) + qty, remaining, order.status)


def report_short(session: Session, *, task_id: int, user_id: int | None) -> PickOutcome:
    """The picker could not find the rest of a task: record it short and release the
    reservation, so the order can move on."""
    task, pick_list, order, bin_, packing, item, task_lot, picked = _load(session, task_id)
    if order.status not in PICKABLE_STATUSES:
        raise Conflict(f"sales order {order.number} is {order.status}; it is not being picked")
    remaining = task.qty - task.short - int(picked)
    if remaining <= 0:
        raise Conflict(f"pick task {task.id} is complete")
    task.short += remaining
    release_reservation(session, bin_.id, item.id, task_lot.id, remaining)
    session.flush()
    if _open_units_left(session, order.id) == 0:
        order.status = "picked"
    else:
        order.status = "picking"
    session.flush()
    return PickOutcome(task, None, int(picked), 0, order.status)
