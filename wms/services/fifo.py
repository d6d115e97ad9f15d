"""Which stock goes first: oldest lot first (FIFO), earliest expiry first (FEFO) for items
that track expiry."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, partial
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from wms.db import run
from wms.errors import InsufficientStock, Invalid, WrongLotScanned
from wms.ledger import Draw, MoveBatch, MoveRequest, Place, post_move
from wms.models import Item, Lot, Move, StockBalance
from wms.services.lookup import Stocked, find_lot, keep, keep_codes


def issue_order(item: Item) -> Sequence[object]:
    """ORDER BY terms that put the lot to issue first at the top."""
    return issue_order_by_expiry(bool(item.expiry))


def issue_order_by_expiry(expiry: bool) -> Sequence[object]:
    """ORDER BY terms that put the lot to issue first at the top, for an item that tracks
    expiry (earliest expiry first) or not (oldest lot first)."""
    terms: list[object] = []
    if expiry:
        terms += [Lot.expiry.is_(None), Lot.expiry]
    terms += [Lot.received_at, Lot.id]
    return terms


@cache
def lots_to_take(expiry: bool, one_lot: bool) -> Select[int, int]:
    """(lot, units) of an item's balances with units in a bin, the lot to issue first at the
    top; parameters `f_location`, `f_item` (and `f_lot` with `one_lot`). Built once: many
    lines of one document run it."""
    stmt = (select(StockBalance.lot_id, StockBalance.qty)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(StockBalance.location_id == bindparam("f_location"),
                   StockBalance.item_id == bindparam("f_item"), StockBalance.qty > 0))
    if one_lot:
        stmt = stmt.where(StockBalance.lot_id == bindparam("f_lot"))
    return stmt.order_by(*issue_order_by_expiry(expiry))  # type: ignore[arg-type]


def balances_oldest_first(item: Item, location_ids: Sequence[int] | None = None
                          ) -> Select[StockBalance, Lot]:
    """Balances of `item` with unreserved units, oldest (or soonest-expiring) lot first."""
    stmt = (
        select(StockBalance, Lot)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == item.id, StockBalance.qty > StockBalance.reserved)
    )
    if location_ids is not None:
        stmt = stmt.where(StockBalance.location_id.in_(location_ids))
    return stmt.order_by(*issue_order(item))  # type: ignore[arg-type]


@cache
def _stock_to_take(expiry: bool, measure: bool, named: bool, records: bool) -> Select[Any]:
    """The balances of an item in one location that a move may take, oldest (or soonest-
    expiring) lot first, built once per shape, each with its lot (the record with
    `records`, else its code and whether it is internal); with `named`, only the lot whose
    code is fifo_lot; with `measure`, each row also carries the units already in the
    destination (parameter fifo_target). Parameters: fifo_item, fifo_location."""
    order: list[Any] = [Lot.expiry.is_(None), Lot.expiry] if expiry else []
    lot: list[Any] = [Lot, Lot.internal] if records else [Lot.code, Lot.internal]
    stmt: Any = (
        select(StockBalance.lot_id, StockBalance.qty, StockBalance.reserved, *lot)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == bindparam("fifo_item"),
               StockBalance.location_id == bindparam("fifo_location"),
               StockBalance.qty > StockBalance.reserved)
        .order_by(*order, Lot.received_at, Lot.id)
    )
    if named:
        stmt = stmt.where(Lot.code == bindparam("fifo_lot"))
    if measure:
        stmt = stmt.add_columns(
            select(func.coalesce(func.sum(StockBalance.qty), 0))
            .where(StockBalance.location_id == bindparam("fifo_target"))
            .scalar_subquery().label("units"))
    return stmt


def take_from_location(
    session: Session, *, item: Stocked, location: Place, qty: int, lot_code: str | None,
    kind: str, to_location: Place | None, user_id: int | None,
    reference: str | None = None, reason: str | None = None, check_destination: bool = True,
    destination_locked: bool = False, note: str | None = None, batch: MoveBatch | None = None,
    lot_records: bool = True,
) -> list[Move]:
    """Move `qty` of `item` out of `location`: from the named lot, or oldest lots first.
    `destination_locked` says the caller row-locked `to_location`, so its units can be read
    together with the stock to take. The guarded decrement of each balance stays the check
    that the units are there. With `batch`, the moves are posted through it (their ids come
    when the batch finishes). With `lot_records` False the lots are read as columns, not
    loaded as records: enough for describing the moves (wms.api.serialize moves_json)."""
    if qty <= 0:
        raise Invalid("qty: must be a whole number greater than zero", field="qty")
    plan: list[tuple[int, int]] = []
    units: int | None = None
    named = lot_code if lot_code and item.tracking == "lot" else None
    measure = (destination_locked and check_destination and to_location is not None
               and to_location.capacity is not None)
    params = {"fifo_item": item.id, "fifo_location": location.id, "fifo_lot": named,
              "fifo_target": to_location.id if measure and to_location else None}
    remaining = qty
    lots: dict[int, str | None] = {}
    stmt = _stock_to_take(bool(item.expiry), measure, bool(named), lot_records)
    for row in (session.execute(stmt, params) if lot_records else run(session, stmt, params)):
        lot_id, on_hand, reserved = row[0], row[1], row[2]
        units = int(row[5]) if measure else None
        take = min(remaining, on_hand - reserved)
        plan.append((lot_id, take))
        if lot_records:
            keep(session, row[3])
        else:
            lots[lot_id] = None if row[4] else row[3]
        remaining -= take
        if remaining == 0:
            break
    if remaining:
        if named and find_lot(session, item, named) is None:
            raise WrongLotScanned(f"item {item.sku} has no lot {named}", lot=named)
        raise InsufficientStock(
            f"{location.code} holds only {qty - remaining} free of {item.sku}, "
            f"not {qty}", location=location.code, sku=item.sku,
        )
    moves = []
    post = batch.post if batch is not None else partial(post_move, session)
    for lot_id, n in plan:
        moves.append(post(MoveRequest(
            kind=kind, item_id=item.id, lot_id=lot_id, qty=n, from_location=location,
            to_location=to_location, user_id=user_id, reference=reference, reason=reason,
            note=note, draw=Draw.AVAILABLE, check_destination=check_destination,
            destination_units=units,
        )))
        units = units + n if units is not None else None
    if lot_records:
        keep(session, item, location, to_location)
    else:
        places = {location.id: location.code}
        if to_location is not None:
            places[to_location.id] = to_location.code
        keep_codes(session, items={item.id: item.sku}, lots=lots, locations=places)
    return moves
