"""Putaway suggestions: gather the few candidate bins from the database and let the rules in
`locations.putaway` rank them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import BindParameter, Select, bindparam, exists, func, select, true
from sqlalchemy.orm import Session

from locations import BinState, PutawayRequest, Suggestion, suggest_bins
from wms.acting import check_warehouse_code_allowed
from wms.db import run
from wms.errors import Conflict, Invalid
from wms.models import Item, Location, Lot, StockBalance, Warehouse, Zone
from wms.services.lookup import (
    ItemPlacing,
    LocationPlacing,
    find_item_placing,
    find_item_placing_at,
    find_lot_id,
)
from wms.services.moving import INBOUND_KINDS

EMPTY_BIN_CANDIDATES = 12


@dataclass(frozen=True)
class PutawayAdvice:
    sku: str
    qty: int
    lot: str | None
    suggestions: list[Suggestion]


# What the bins hold (parameter ids, a list of location ids); built once.
_CONTENTS = (
    select(StockBalance.location_id, Item.sku, Lot.code, Lot.internal, StockBalance.qty)
    .join(Item, Item.id == StockBalance.item_id)
    .join(Lot, Lot.id == StockBalance.lot_id)
    .where(StockBalance.location_id.in_(bindparam("ids", expanding=True)),
           StockBalance.qty > 0)
)
# The locations holding units of an item (parameter item_id); built once.
_HOLDING = (select(StockBalance.location_id)
            .where(StockBalance.item_id == bindparam("item_id"), StockBalance.qty > 0)
            .distinct())


class _Bin(NamedTuple):
    """A candidate bin as putaway reads it: plain columns, its zone by code."""

    id: int
    code: str
    kind: str
    zone: str | None
    capacity: int | None
    walk_seq: int
    blocked: bool



def _bins() -> Select[Any]:
    """The columns of `_Bin`, a location with its zone's code."""
    return cast(Select[Any], select(
        Location.id, Location.code, Location.kind, Zone.code.label("zone"), Location.capacity,
        Location.walk_seq, Location.blocked,
    ).select_from(Location).outerjoin(Zone, Zone.id == Location.zone_id))


# The columns of `_Bin` and the location's warehouse id last.
_WITH_WAREHOUSE = _bins().add_columns(Location.warehouse_id)
# Some locations by id (parameter ids); built once. Only the ids select: with the warehouse
# and kind in the WHERE as well, SQLite (which keeps no statistics here) walks all of the
# warehouse's storage bins by the (warehouse, kind, ...) index instead of looking up the few
# ids. The caller keeps the storage bins it wants.
_BINS_AMONG = _WITH_WAREHOUSE.where(Location.id.in_(bindparam("ids", expanding=True)))
# A bin by id (parameter id); built once.
_BIN_WITH_WAREHOUSE = _WITH_WAREHOUSE.where(Location.id == bindparam("id"))
_WAREHOUSE_BY_CODE = select(Warehouse.id, Warehouse.code).where(
    Warehouse.code == bindparam("code"))
_ZONE_ID = select(Zone.id).where(Zone.warehouse_id == bindparam("warehouse_id"),
                                 Zone.code == bindparam("zone_code"))


def _bin_states(session: Session, locations: list[_Bin]) -> list[BinState]:
    if not locations:
        return []
    ids = [loc.id for loc in locations]
    occupied: dict[int, int] = {}
    contents: dict[int, set[tuple[str, str | None]]] = {}
    rows = run(session, _CONTENTS, {"ids": ids}).all()  # fetched at once: fewer calls a row
    for loc_id, sku, lot_code, internal, qty in rows:
        occupied[loc_id] = occupied.get(loc_id, 0) + qty
        contents.setdefault(loc_id, set()).add((sku, None if internal else lot_code))
    return [
        BinState(
            code=loc.code, kind=loc.kind, zone=loc.zone,
            capacity=loc.capacity, walk_seq=loc.walk_seq, blocked=loc.blocked,
            occupied=occupied.get(loc.id, 0), contents=frozenset(contents.get(loc.id, ())),
        )
        for loc in locations
    ]


@cache
def _empty_bins_statement(in_zone: bool, ahead: bool, wanted: int) -> Select[Any]:
    """Up to `wanted` empty storage bins with room for qty units, from walk_seq near
    onwards (or backwards), in warehouse warehouse_id (and zone zone_id); built once per
    shape."""
    has_stock = exists().where(StockBalance.location_id == Location.id, StockBalance.qty > 0)
    qty: BindParameter[int] = bindparam("qty")
    # The flag picks the empty bins out of the index (the walk skips the full ones); the
    # balances still have the last word.
    stmt = _bins().where(
        Location.warehouse_id == bindparam("warehouse_id"), Location.kind == "storage",
        Location.empty == true(), Location.blocked.is_(False),
        (Location.capacity.is_(None)) | (Location.capacity >= qty), ~has_stock,
    )
    if in_zone:
        stmt = stmt.where(Location.zone_id == bindparam("zone_id"))
    if ahead:
        stmt = stmt.where(Location.walk_seq >= bindparam("near")).order_by(Location.walk_seq)
    else:
        stmt = stmt.where(Location.walk_seq < bindparam("near")).order_by(
            Location.walk_seq.desc())
    return stmt.limit(wanted)


def _empty_bins_near(session: Session, warehouse_id: int, qty: int, near: int,
                     zone_code: str | None, wanted: int) -> list[_Bin]:
    """Empty bins with room, nearest to `near` in walking order: in the item's zone first,
    then anywhere. Each search walks an index from `near` and stops at `wanted` bins."""
    params: dict[str, Any] = {"warehouse_id": warehouse_id, "qty": qty, "near": near,
                              "zone_id": None}
    scopes = []
    if zone_code:
        zone_id = run(session, _ZONE_ID, {"warehouse_id": warehouse_id,
                                          "zone_code": zone_code}).scalar()
        if zone_id is not None:
            params["zone_id"] = zone_id
            scopes.append(True)
    scopes.append(False)
    found: dict[int, _Bin] = {}
    for in_zone in scopes:
        for ahead in (True, False) if near > 0 else (True,):
            for row in run(session, _empty_bins_statement(in_zone, ahead, wanted),
                           params).all():
                found.setdefault(row[0], _Bin(*row))
        if len(found) >= wanted:
            break
    return list(found.values())


@cache
def _waiting_statement(of_lot: bool) -> Select[Any]:
    """The warehouse whose docks and staging hold most unplaced units of item item_id (of
    lot lot_id, with `of_lot`); built once per shape."""
    units = func.sum(StockBalance.qty - StockBalance.reserved)
    stmt = (
        select(Location.warehouse_id)
        .join(StockBalance, StockBalance.location_id == Location.id)
        .where(StockBalance.item_id == bindparam("item_id"),
               StockBalance.qty > StockBalance.reserved, Location.kind.in_(INBOUND_KINDS))
        .group_by(Location.warehouse_id)
        .order_by(units.desc(), Location.warehouse_id)
        .limit(1)
    )
    if of_lot:
        stmt = stmt.where(StockBalance.lot_id == bindparam("lot_id"))
    return stmt


# The warehouse holding most units of item item_id; the first warehouse by code; built once.
_MOST_HELD = (select(Location.warehouse_id)
              .join(StockBalance, StockBalance.location_id == Location.id)
              .where(StockBalance.item_id == bindparam("item_id"), StockBalance.qty > 0)
              .group_by(Location.warehouse_id)
              .order_by(func.sum(StockBalance.qty).desc(), Location.warehouse_id).limit(1))
_FIRST_WAREHOUSE = select(Warehouse.id).order_by(Warehouse.code).limit(1)


def waiting_warehouse(session: Session, item_id: int, lot_id: int | None) -> int:
    """The warehouse where this item's (lot's) unplaced stock waits at docks and staging;
    when none waits, the one holding most of the item, else the first by code."""
    params = {"item_id": item_id, "lot_id": lot_id}
    found = run(session, _waiting_statement(lot_id is not None), params).scalar()
    if found is None:
        found = run(session, _MOST_HELD, params).scalar()
    if found is None:
        found = run(session, _FIRST_WAREHOUSE).scalar()
    if found is None:
        raise Conflict("no warehouse is set up yet")
    return int(found)


def suggest_putaway(
    session: Session, *, sku: str, qty: int, lot: str | None = None,
    from_location: str | None = None, warehouse: str | None = None, limit: int = 5,
) -> PutawayAdvice:
    """The best bins for `qty` units of `sku`: home bin, consolidation, nearest free bin, in
    the warehouse of `from_location`, else `warehouse`, else where the goods wait."""
    if qty <= 0:
        raise Invalid("qty: must be a whole number greater than zero", field="qty")
    item: ItemPlacing
    source: LocationPlacing | None = None
    if from_location:
        item, source = find_item_placing_at(session, sku, from_location)
    else:
        item = find_item_placing(session, sku)
    if source is not None:
        warehouse_id = source.warehouse_id
    elif warehouse:
        found = run(session, _WAREHOUSE_BY_CODE, {"code": warehouse.upper()}).first()
        if found is None:
            raise Invalid(f"warehouse: no warehouse {warehouse}", field="warehouse")
        check_warehouse_code_allowed(found.code)
        warehouse_id = found.id
    lot_code = lot if item.tracking == "lot" else None
    lot_id = find_lot_id(session, item.id, lot_code) if lot_code else None
    if lot_code and lot_id is None and source is not None:
        raise Conflict(f"item {item.sku} has no lot {lot_code}")
    if source is None and not warehouse:
        warehouse_id = waiting_warehouse(session, item.id, lot_id)

    # From the item's balances to their bins (two steps, so the database cannot choose to
    # walk every bin of the warehouse instead): cost follows the item, not the warehouse.
    holding = run(session, _HOLDING, {"item_id": item.id}).scalars().all()
    candidates = [_Bin(*row[:-1]) for row in run(session, _BINS_AMONG, {"ids": holding}).all()
                  if row.kind == "storage" and row[-1] == warehouse_id] if holding else []
    home: _Bin | None = None
    if item.home_location_id:
        # The home bin is among the bins holding the item when it holds some of it.
        home = next((b for b in candidates if b.id == item.home_location_id), None)
        if home is None and (found_home := run(session, _BIN_WITH_WAREHOUSE,
                                               {"id": item.home_location_id}).first()):
            home = _Bin(*found_home[:-1])
            if found_home[-1] == warehouse_id:
                candidates.append(home)
    near = source.walk_seq if source else 0
    zone = item.zone_code
    if zone is None and home is not None:
        zone = home.zone
    candidates += _empty_bins_near(session, warehouse_id, qty, near, zone,
                                   EMPTY_BIN_CANDIDATES)
    unique = {loc.id: loc for loc in candidates}
    states = _bin_states(session, list(unique.values()))
    request = PutawayRequest(
        sku=item.sku, qty=qty, lot=lot_code, home_bin=home.code if home else None,
        zone=zone, near_walk_seq=near,
    )
    return PutawayAdvice(item.sku, qty, lot_code, suggest_bins(request, states, limit=limit))

