"""Reading stock: balances by item, location, warehouse and lot, and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from wms.acting import check_warehouse_code_allowed
from wms.db import run
from wms.models import Item, Location, Lot, Move, StockBalance, User, Warehouse
from wms.services.lookup import (
    check_location_code_allowed,
    find_item,
    find_location,
    find_warehouse,
    location_code,
)

# What units on hand are, in the order a stock lookup shows them.
STOCK_STATUSES = ("available", "reserved", "picked", "quarantine", "expired", "in_transit")


def status_split(kind: str, expired: bool, qty: int, reserved: int) -> dict[str, int]:
    """The units of a balance by status: quarantine, in transit and picked stock (waiting at
    packing for its order) by where they are, then expired lots, else reserved for pick
    tasks and available. Statuses without units are left out."""
    if kind == "quarantine":
        split = {"quarantine": qty}
    elif kind == "in_transit":
        split = {"in_transit": qty}
    elif kind == "packing":
        split = {"picked": qty}
    elif expired:
        split = {"expired": qty}
    else:
        split = {"available": qty - reserved, "reserved": reserved}
    return {status: units for status, units in split.items() if units}


def on_hand_by_status(session: Session, item_id: int, today: date) -> dict[str, int]:
    """Units of an item everywhere, by status (every status listed, 0 when none)."""
    expired = Lot.expiry.is_not(None) & (Lot.expiry < today)
    rows = session.execute(
        select(Location.kind, expired, func.sum(StockBalance.qty),
               func.sum(StockBalance.reserved))
        .join(Location, Location.id == StockBalance.location_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == item_id, StockBalance.qty > 0)
        .group_by(Location.kind, expired)
    )
    totals = dict.fromkeys(STOCK_STATUSES, 0)
    for kind, is_expired, qty, reserved in rows:
        for status, units in status_split(kind, bool(is_expired), int(qty),
                                          int(reserved)).items():
            totals[status] += units
    return totals


class StockRow(NamedTuple):
    """One balance with units (a tuple: a lookup of the dock builds a thousand of them)."""

    sku: str
    location: str
    lot: str | None
    expiry: date | None
    received_at: datetime
    qty: int
    reserved: int


@dataclass(frozen=True)
class LedgerRow:
    id: int
    at: datetime
    kind: str
    sku: str
    lot: str | None
    qty: int
    from_location: str | None
    to_location: str | None
    user: str | None
    reference: str | None
    reason: str | None  # a code of wms.reasons
    note: str | None = None


def stock_rows(
    session: Session, *, sku: str | None = None, location: str | None = None,
    warehouse: str | None = None, lot: str | None = None, limit: int | None = None,
) -> list[StockRow]:
    """Balances with units, filtered; an unknown filter value raises the matching error."""
    if location and not (sku or warehouse or lot or limit):
        return _stock_in_location(session, location)
    stmt = (
        select(Item.sku, Location.code, Lot.code, Lot.internal, Lot.expiry, Lot.received_at,
               StockBalance.qty, StockBalance.reserved)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.qty > 0)
    )
    if sku:
        stmt = stmt.where(StockBalance.item_id == find_item(session, sku).id)
    if location:
        stmt = stmt.where(StockBalance.location_id == find_location(session, location).id)
    if warehouse:
        found = find_warehouse(session, warehouse)
        check_warehouse_code_allowed(found.code)
        stmt = stmt.where(Location.warehouse_id == found.id)
    if lot:
        stmt = stmt.where(Lot.code == lot, Lot.internal.is_(False))
    stmt = stmt.order_by(Item.sku, Location.walk_seq, Location.code, Lot.received_at, Lot.id)
    if limit:
        stmt = stmt.limit(limit)
    return [
        StockRow(sku, loc, None if internal else lot_code, expiry, received, qty, reserved)
        for sku, loc, lot_code, internal, expiry, received, qty, reserved
        in session.execute(stmt)
    ]


@cache
def _in_location_statement() -> Select[Any]:
    """Balances with units in one location (by code), built once: a handheld's lookup."""
    stmt: Any = (
        select(Item.sku, Location.code, Lot.code, Lot.internal, Lot.expiry, Lot.received_at,
               StockBalance.qty, StockBalance.reserved)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(Location.code == bindparam("stock_location"), StockBalance.qty > 0)
        .order_by(Item.sku, Location.walk_seq, Location.code, Lot.received_at, Lot.id)
    )
    return cast(Select[Any], stmt)


def _stock_in_location(session: Session, code: str) -> list[StockRow]:
    """What one location holds: one query; an empty answer checks that the location exists."""
    normalized = location_code(code)
    check_location_code_allowed(session, normalized)
    rows = [
        StockRow(sku, loc, None if internal else lot_code, expiry, received, qty, reserved)
        for sku, loc, lot_code, internal, expiry, received, qty, reserved
        in run(session, _in_location_statement(), {"stock_location": normalized})
    ]
    if not rows:
        find_location(session, normalized)  # UnknownLocation when there is no such place
    return rows


def on_hand(session: Session, item_id: int) -> int:
    """Units of an item anywhere in the warehouse (in transit included)."""
    return int(session.scalar(
        select(func.coalesce(func.sum(StockBalance.qty), 0)).where(
            StockBalance.item_id == item_id)
    ) or 0)


def ledger_rows(
    session: Session, *, sku: str | None = None, location: str | None = None,
    since: datetime | None = None, limit: int = 100, reference: str | None = None,
    ids: list[int] | None = None,
) -> list[LedgerRow]:
    """Moves newest first, filtered."""
    source, target = aliased(Location), aliased(Location)
    stmt = (
        select(Move, Item.sku, Lot.code, Lot.internal, source.code, target.code, User.username)
        .join(Item, Item.id == Move.item_id)
        .join(Lot, Lot.id == Move.lot_id)
        .outerjoin(source, source.id == Move.from_location_id)
        .outerjoin(target, target.id == Move.to_location_id)
        .outerjoin(User, User.id == Move.user_id)
    )
    if sku:
        stmt = stmt.where(Move.item_id == find_item(session, sku).id)
    if location:
        loc_id = find_location(session, location).id
        stmt = stmt.where(or_(Move.from_location_id == loc_id, Move.to_location_id == loc_id))
    if since:
        stmt = stmt.where(Move.at >= since)
    if reference:
        stmt = stmt.where(Move.reference == reference)
    if ids is not None:
        stmt = stmt.where(Move.id.in_(ids))
    stmt = stmt.order_by(Move.id.desc()).limit(limit)
    return [
        LedgerRow(m.id, m.at, m.kind, sku_, None if internal else lot_code, m.qty, src, dst,
                  user, m.reference, m.reason, m.note)
        for m, sku_, lot_code, internal, src, dst, user in session.execute(stmt)
    ]


def warehouses(session: Session) -> list[Warehouse]:
    """All warehouses by code."""
    return list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
