"""Which stock goes first: oldest lot first (FIFO), earliest expiry first (FEFO) for items
that track expiry."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from wms.errors import InsufficientStock, Invalid, WrongLotScanned
from wms.ledger import Draw, MoveRequest, post_move, units_in_location_column
from wms.models import Item, Location, Lot, Move, StockBalance
from wms.services.lookup import find_lot, keep


def issue_order(item: Item) -> Sequence[object]:
    """ORDER BY terms that put the lot to issue first at the top."""
    terms: list[object] = []
    if item.expiry:
        terms += [Lot.expiry.is_(None), Lot.expiry]
    terms += [Lot.received_at, Lot.id]
    return terms


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


def take_from_location(
    session: Session, *, item: Item, location: Location, qty: int, lot_code: str | None,
    kind: str, to_location: Location | None, user_id: int | None,
    reference: str | None = None, reason: str | None = None, check_destination: bool = True,
    destination_locked: bool = False, note: str | None = None,
) -> list[Move]:
    """Move `qty` of `item` out of `location`: from the named lot, or oldest lots first.
    `destination_locked` says the caller row-locked `to_location`, so its units can be read
    together with the stock to take. The guarded decrement of each balance stays the check
    that the units are there."""
    if qty <= 0:
        raise Invalid("qty: must be a whole number greater than zero", field="qty")
    plan: list[tuple[int, int]] = []
    units: int | None = None
    named = lot_code if lot_code and item.tracking == "lot" else None
    stmt = balances_oldest_first(item, [location.id])
    if named:
        stmt = stmt.where(Lot.code == named)
    measure = (destination_locked and check_destination and to_location is not None
               and to_location.capacity is not None)
    if measure:
        assert to_location is not None
        stmt = stmt.add_columns(units_in_location_column(to_location.id).label("units"))
    remaining = qty
    for row in session.execute(stmt):
        balance, lot = row[0], row[1]
        units = int(row._mapping["units"]) if measure else None
        take = min(remaining, balance.qty - balance.reserved)
        plan.append((balance.lot_id, take))
        keep(session, lot)
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
    for lot_id, n in plan:
        moves.append(post_move(session, MoveRequest(
            kind=kind, item_id=item.id, lot_id=lot_id, qty=n, from_location=location,
            to_location=to_location, user_id=user_id, reference=reference, reason=reason,
            note=note, draw=Draw.AVAILABLE, check_destination=check_destination,
            destination_units=units,
        )))
        units = units + n if units is not None else None
    keep(session, item, location, to_location)
    return moves
