"""The stock ledger: the one place where stock changes. Every change inserts a move and
updates the affected balances in the same transaction; a decrement is one guarded statement.
A move that brings units into the company or takes them out also keeps the item's
moving-average cost (wms.costing) in that transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import (
    BindParameter,
    Insert,
    ScalarSelect,
    Subquery,
    Table,
    Update,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from wms.acting import check_warehouse_allowed
from wms.costing import averages, cost_move
from wms.db import run
from wms.errors import InsufficientStock, LocationBlocked, LocationFull
from wms.models import Location, Move, StockBalance
from wms.models.base import utcnow

# The balances table, for the guarded Core statements that are the only writes to it.
BALANCES = cast(Table, StockBalance.__table__)
MOVES = cast(Table, Move.__table__)
LOCATIONS = cast(Table, Location.__table__)
_INSERT_MOVE = insert(MOVES)


class Place(Protocol):
    """A location as the ledger needs it: a Location record, or a PlaceRow read as columns
    by a hot path that loads no records."""

    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def capacity(self) -> int | None: ...

    @property
    def blocked(self) -> bool: ...

    @property
    def warehouse_code(self) -> str: ...


@dataclass(frozen=True)
class PlaceRow:
    """A location's columns the ledger reads, with its warehouse's code."""

    id: int
    code: str
    kind: str
    capacity: int | None
    blocked: bool
    warehouse_code: str


class Draw(Enum):
    """How a decrement treats units reserved for pick tasks."""

    AVAILABLE = "available"  # only unreserved units may leave (moves, scrap, transfers)
    RESERVED = "reserved"  # a pick consumes its own reservation
    ADJUST = "adjust"  # a count correction; reservations shrink to what is left


@cache
def _decrement_statement(draw: Draw) -> Update:
    """The guarded decrement for one way of drawing, built once: its parameters are bound at
    execution, so SQLAlchemy's compiled cache serves it without rebuilding the expression."""
    b = BALANCES.c
    qty: BindParameter[int] = bindparam("b_qty")
    where = [b.location_id == bindparam("b_location_id"), b.item_id == bindparam("b_item_id"),
             b.lot_id == bindparam("b_lot_id")]
    values: dict[str, object] = {"qty": b.qty - qty}
    if draw is Draw.AVAILABLE:
        where.append(b.qty - b.reserved >= qty)
    elif draw is Draw.RESERVED:
        where.append(b.qty >= qty)
        values["reserved"] = case((b.reserved >= qty, b.reserved - qty), else_=literal(0))
    else:
        where.append(b.qty >= qty)
        values["reserved"] = case((b.reserved > b.qty - qty, b.qty - qty), else_=b.reserved)
    return update(BALANCES).where(*where).values(**values).returning(b.qty)


def _decrement(session: Session, location: Place, item_id: int, lot_id: int, qty: int,
               draw: Draw, emptied: set[int] | None = None) -> bool:
    """The guarded decrement; False when the units are not there. A storage bin whose
    balance falls to nothing is checked for emptiness now, or, with `emptied`, added to it
    for the caller to check later (a document's thousands of lines, in one statement)."""
    left = run(session, _decrement_statement(draw), {
        "b_location_id": location.id, "b_item_id": item_id, "b_lot_id": lot_id,
        "b_qty": qty}).first()
    if left is None:
        return False
    if left[0] == 0 and location.kind == "storage":
        if emptied is None:
            _note_if_empty(session, [location.id])
        else:
            emptied.add(location.id)
    return True


# A storage bin's `empty` flag (the search for empty bins reads it; other kinds of location
# are not kept, so that a dock's or a packing table's row is no hot spot). A balance that
# falls to nothing may have been the bin's last: the bin is empty when no balance there
# holds a unit. A balance that was at nothing and now holds units makes its bin not empty.
_LOCK_LOCATIONS = (select(LOCATIONS.c.id)
                   .where(LOCATIONS.c.id.in_(bindparam("location_ids", expanding=True)))
                   .order_by(LOCATIONS.c.id).with_for_update())
_FLAGS_PER_STATEMENT = 500  # location ids in one IN list: every engine takes that many


def _holds_units() -> Any:
    """Whether a balance of the location holds a unit (for statements over LOCATIONS)."""
    return exists().where(BALANCES.c.location_id == LOCATIONS.c.id, BALANCES.c.qty > 0)


_NOTE_EMPTY = (
    update(LOCATIONS)
    .where(LOCATIONS.c.id.in_(bindparam("location_ids", expanding=True)),
           LOCATIONS.c.empty == false(), ~_holds_units())
    .values(empty=true()))
_NOTE_NOT_EMPTY = (update(LOCATIONS)
                   .where(LOCATIONS.c.id.in_(bindparam("location_ids", expanding=True)),
                          LOCATIONS.c.empty == true())
                   .values(empty=false()))


def _id_chunks(location_ids: list[int]) -> list[list[int]]:
    return [location_ids[start:start + _FLAGS_PER_STATEMENT]
            for start in range(0, len(location_ids), _FLAGS_PER_STATEMENT)]


def _note_if_empty(session: Session, location_ids: list[int]) -> None:
    """Flag each of these locations empty if no balance there holds a unit any more. On
    PostgreSQL their rows are locked first (in id order), so that two transactions emptying
    a bin's last two balances at once cannot each still see the other's units: the second
    one's check waits for the first to commit, and then sees it. (SQLite runs one writer at
    a time.)"""
    lock = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    for chunk in _id_chunks(location_ids):
        params = {"location_ids": chunk}
        if lock:
            run(session, _LOCK_LOCATIONS, params)
        run(session, _NOTE_EMPTY, params)


def _note_not_empty(session: Session, location_ids: list[int]) -> None:
    for chunk in _id_chunks(location_ids):
        run(session, _NOTE_NOT_EMPTY, {"location_ids": chunk})


@cache
def _increment_statement(dialect: str, reserve: bool, returning: bool = False) -> Insert:
    """The upsert of a destination balance, built once per dialect (building
    `ON CONFLICT ... excluded` anew costs more than running it); `returning`: it answers the
    balance's units after it. (Each is built from nothing: one derived from a statement
    already run could carry that statement's remembered columns.)"""
    # The dialect's own insert, imported here: a gateway on SQLite never loads PostgreSQL's.
    table = BALANCES
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table)
    else:
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(table)
    stmt = stmt.values(
        location_id=bindparam("b_location_id"), item_id=bindparam("b_item_id"),
        lot_id=bindparam("b_lot_id"), qty=bindparam("b_qty"), reserved=bindparam("b_reserved"),
    )
    added: dict[str, object] = {"qty": table.c.qty + stmt.excluded.qty}
    if reserve:
        added["reserved"] = table.c.reserved + stmt.excluded.reserved
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.location_id, table.c.item_id, table.c.lot_id], set_=added,
    )
    return cast(Insert, stmt.returning(table.c.qty) if returning else stmt)


def _increment(session: Session, location: Place, item_id: int, lot_id: int, qty: int,
               reserve: bool = False) -> None:
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    params = {"b_location_id": location.id, "b_item_id": item_id, "b_lot_id": lot_id,
              "b_qty": qty, "b_reserved": qty if reserve else 0}
    if location.kind != "storage":
        run(session, _increment_statement(dialect, reserve), params)
        return
    now = run(session, _increment_statement(dialect, reserve, returning=True), params).scalar()
    if now == qty:  # the balance held nothing before: the bin may have been empty
        _note_not_empty(session, [location.id])


def reserve(session: Session, balance_id: int, qty: int) -> bool:
    """Reserve `qty` unreserved units of a balance for a pick task; False when they are not
    there any more. One guarded statement, like a decrement."""
    b = BALANCES.c
    result = session.execute(
        update(BALANCES)
        .where(b.id == balance_id, b.qty - b.reserved >= qty)
        .values(reserved=b.reserved + qty)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def release(session: Session, location_id: int, item_id: int, lot_id: int, qty: int) -> None:
    """Give back up to `qty` reserved units of a balance (a short pick, a cancelled order)."""
    b = BALANCES.c
    session.execute(
        update(BALANCES)
        .where(b.location_id == location_id, b.item_id == item_id, b.lot_id == lot_id)
        .values(reserved=case((b.reserved >= qty, b.reserved - qty), else_=literal(0)))
    )


def units_in_location_column(location_id: int) -> ScalarSelect[int]:
    """A scalar subquery: total units in a location, to read alongside other rows."""
    return (
        select(func.coalesce(func.sum(StockBalance.qty), 0))
        .where(StockBalance.location_id == location_id)
        .scalar_subquery()
    )


def units_in_location(session: Session, location_id: int) -> int:
    """Total units in a location, whatever the item."""
    total = session.scalar(
        select(func.coalesce(func.sum(StockBalance.qty), 0)).where(
            StockBalance.location_id == location_id
        )
    )
    return int(total or 0)


def check_room(session: Session, location: Place, qty: int,
               used: int | None = None) -> None:
    """Refuse a blocked location, or one without room for `qty` more units. `used`, when the
    caller knows it, is the location's units read after the location row was locked."""
    if location.blocked:
        raise LocationBlocked(f"location {location.code} is blocked", location=location.code)
    if location.capacity is None:
        return
    if used is None:
        if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            # Serialise concurrent put-ins to the same bin so both cannot pass the check.
            session.execute(
                select(Location.id).where(Location.id == location.id).with_for_update())
        used = units_in_location(session, location.id)
    if used + qty > location.capacity:
        raise LocationFull(
            f"location {location.code} has room for {max(location.capacity - used, 0)}, "
            f"not {qty}",
            location=location.code,
            free=max(location.capacity - used, 0),
        )


@dataclass(frozen=True)
class MoveRequest:
    kind: str
    item_id: int
    lot_id: int
    qty: int
    from_location: Place | None
    to_location: Place | None
    user_id: int | None
    reference: str | None = None
    reason: str | None = None  # a code of wms.reasons
    note: str | None = None
    pick_task_id: int | None = None
    draw: Draw = Draw.AVAILABLE
    check_destination: bool = True
    destination_units: int | None = None
    # The units stay reserved where they arrive (picked units at packing, held for their
    # order until it ships): no move or scrap can take them.
    reserve_at_destination: bool = False
    # The price per unit of units entering the company (a purchase order line's price, the
    # cost at which returned units left); None: they enter at the moving average.
    unit_price: Decimal | None = None

    @property
    def crosses_the_boundary(self) -> bool:
        """Whether units enter or leave the company's stock (and so carry a cost)."""
        return self.from_location is None or self.to_location is None


def _take_out(session: Session, request: MoveRequest, emptied: set[int] | None = None
              ) -> None:
    """The checks of a move and the guarded decrement of its source (`emptied`: as
    _decrement's)."""
    if request.qty <= 0:
        raise ValueError("a move's quantity must be positive")
    # The backstop of the warehouses a person may work in, whatever looked the bins up; an
    # in-transit location is between warehouses (a transfer sent to another warehouse).
    check_warehouse_allowed(*(location for location in (request.from_location,
                                                         request.to_location)
                              if location is not None and location.kind != "in_transit"))
    if request.to_location is not None and request.check_destination:
        check_room(session, request.to_location, request.qty, request.destination_units)
    if request.from_location is not None and not _decrement(
        session, request.from_location, request.item_id, request.lot_id, request.qty,
        request.draw, emptied,
    ):
        raise InsufficientStock(
            f"not enough stock in {request.from_location.code} for {request.qty}",
            location=request.from_location.code,
        )


def _unit_cost(session: Session, request: MoveRequest, pending: int = 0) -> Decimal:
    """The cost per unit of a move's units that enter or leave the company (wms.costing).
    Moves within it are never costed, and so cost no statement."""
    return cost_move(session, request.item_id, request.qty,
                     entering=request.from_location is None, price=request.unit_price,
                     pending=pending)


def _ledger_row(request: MoveRequest, unit_cost: Decimal | None) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "kind": request.kind,
        "item_id": request.item_id,
        "lot_id": request.lot_id,
        "qty": request.qty,
        "from_location_id": request.from_location.id if request.from_location else None,
        "to_location_id": request.to_location.id if request.to_location else None,
        "user_id": request.user_id,
        "reference": request.reference,
        "reason": request.reason,
        "note": request.note,
        "pick_task_id": request.pick_task_id,
        "unit_cost": unit_cost,
    }


def post_move(session: Session, request: MoveRequest) -> Move:
    """Apply one move: guarded decrement of the source, increment of the destination, and the
    ledger row, all in the caller's transaction; units entering or leaving the company carry
    their moving-average cost. Raises before anything is written for it."""
    # The cost first: it locks the item row before any balance of the item (wms.costing).
    unit_cost = _unit_cost(session, request) if request.crosses_the_boundary else None
    _take_out(session, request)
    if request.to_location is not None:
        _increment(
            session, request.to_location, request.item_id, request.lot_id, request.qty,
            request.reserve_at_destination,
        )
    row = _ledger_row(request, unit_cost)
    # A Core insert: the ledger row is written now, without the unit of work's bookkeeping;
    # the Move handed back carries the row's values and is not tracked by the session.
    result = run(session, _INSERT_MOVE, row)
    assert result.inserted_primary_key is not None
    return _move_record(result.inserted_primary_key[0], row)


_NEW_MOVE = Move.__mapper__.class_manager.new_instance


def _move_record(move_id: int, row: dict[str, Any]) -> Move:
    """The Move of a ledger row just inserted, not tracked by any session: its values set
    as a loaded record's are, without the attribute events that Move(**row) fires for each
    of its fourteen columns."""
    move = _NEW_MOVE()
    move.__dict__.update(row, id=move_id)
    return move


_LAST_MOVE_ID = select(func.max(MOVES.c.id))


def _insert_moves(session: Session, dialect: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many ledger rows at once; their ids, in the rows' order."""
    if dialect != "sqlite":
        return list(session.execute(
            _INSERT_MOVE.returning(MOVES.c.id, sort_by_parameter_order=True), rows).scalars())
    # SQLite's RETURNING cannot tie many rows' ids to their order (SQLAlchemy would then
    # insert them one at a time). But SQLite numbers a new row one past the largest id so
    # far, and a writer holds the database's only write lock until it commits: the rows
    # take consecutive ids, in their order, up to the largest one now.
    run(session, _INSERT_MOVE, rows)
    last: int = run(session, _LAST_MOVE_ID).scalar_one()
    return list(range(last - len(rows) + 1, last + 1))


class MoveBatch:
    """The moves of one document (a transfer of thousands of lines), in the caller's
    transaction: each source is decremented at once by its guarded statement, as post_move
    does; the destinations' increments and the ledger rows are written together by finish(),
    before the transaction commits. Only for destinations nothing reads before finish()."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._moves: list[Move] = []
        self._rows: list[dict[str, Any]] = []
        self._increments: dict[tuple[int, int, int, bool], int] = {}
        self._pending: dict[int, int] = {}  # units of each item in the increments
        self._storage: set[int] = set()  # destinations that are storage bins
        self._emptied: set[int] = set()  # storage bins a balance of which fell to nothing
        # Items' averages read for this batch: the cost of their moves without a price.
        self._averages: dict[int, Decimal] = {}

    def read_averages(self, item_ids: Iterable[int]) -> None:
        """Read these items' averages now, a statement per 500 items (wms.costing.averages),
        instead of one per move: their moves in this batch that carry no price of their own
        (a count's gains and losses) are then costed without a statement."""
        self._averages.update(averages(self.session, item_ids))

    def post(self, request: MoveRequest) -> Move:
        """Check and take out the units now; the Move gets its id from finish()."""
        unit_cost = None
        if request.crosses_the_boundary:
            if request.unit_price is None and request.item_id in self._averages:
                unit_cost = self._averages[request.item_id]
            else:
                unit_cost = _unit_cost(self.session, request,
                                       self._pending.get(request.item_id, 0))
                # A price of its own moves the average: the item's next move reads it anew.
                self._averages.pop(request.item_id, None)
        _take_out(self.session, request, self._emptied)
        if request.to_location is not None:
            key = (request.to_location.id, request.item_id, request.lot_id,
                   request.reserve_at_destination)
            self._increments[key] = self._increments.get(key, 0) + request.qty
            self._pending[request.item_id] = self._pending.get(request.item_id, 0) + request.qty
            if request.to_location.kind == "storage":
                self._storage.add(request.to_location.id)
        row = _ledger_row(request, unit_cost)
        move = _NEW_MOVE()  # as _move_record: its values set without attribute events
        move.__dict__.update(row)
        self._rows.append(row)
        self._moves.append(move)
        return move

    def finish(self) -> list[Move]:
        """Write the increments (one per destination balance) and the ledger rows."""
        dialect = self.session.bind.dialect.name  # type: ignore[union-attr]
        for reserve in (False, True):
            params = [{"b_location_id": loc, "b_item_id": item, "b_lot_id": lot, "b_qty": qty,
                       "b_reserved": qty if reserve else 0}
                      for (loc, item, lot, flag), qty in self._increments.items()
                      if flag is reserve]
            if params:
                run(self.session, _increment_statement(dialect, reserve), params)
        _note_not_empty(self.session, sorted(self._storage))
        _note_if_empty(self.session, sorted(self._emptied))  # after the increments: they count
        if self._rows:
            ids = _insert_moves(self.session, dialect, self._rows)
            for move, move_id in zip(self._moves, ids, strict=True):
                move.__dict__["id"] = move_id
        moves, self._moves, self._rows, self._increments = self._moves, [], [], {}
        self._pending = {}
        self._storage, self._emptied = set(), set()
        return moves


@dataclass(frozen=True)
class BalanceDifference:
    location_id: int
    item_id: int
    lot_id: int
    ledger_qty: int
    balance_qty: int


def _sides(with_balances: bool) -> Subquery:
    """One row per side of every move (and, when asked, per stored balance): location, item,
    lot, units by the ledger and units stored, to be summed per (location, item, lot)."""
    zero = literal(0)
    parts = [
        select(Move.to_location_id.label("loc"), Move.item_id.label("item"),
               Move.lot_id.label("lot"), Move.qty.label("ledger"), zero.label("stored"))
        .where(Move.to_location_id.is_not(None)),
        select(Move.from_location_id, Move.item_id, Move.lot_id, -Move.qty, zero)
        .where(Move.from_location_id.is_not(None)),
    ]
    if with_balances:
        parts.append(select(StockBalance.location_id, StockBalance.item_id,
                            StockBalance.lot_id, zero, StockBalance.qty))
    return union_all(*parts).subquery("sides")


def ledger_balances(session: Session) -> dict[tuple[int, int, int], int]:
    """Balances rebuilt from nothing but the ledger: (location, item, lot) -> units."""
    sides = _sides(with_balances=False)
    stmt = (select(sides.c.loc, sides.c.item, sides.c.lot, func.sum(sides.c.ledger))
            .group_by(sides.c.loc, sides.c.item, sides.c.lot))
    return {(loc, item, lot): int(qty) for loc, item, lot, qty in session.execute(stmt)}


def verify_balances(session: Session) -> list[BalanceDifference]:
    """Every (location, item, lot) where the stored balance and the ledger disagree.

    One statement compares the ledger's sums with the stored balances, so the comparison
    reads one snapshot of the database even under READ COMMITTED while moves are being
    posted (two statements could see a move's balance but not its ledger row)."""
    sides = _sides(with_balances=True)
    ledger_qty = func.coalesce(func.sum(sides.c.ledger), 0)
    balance_qty = func.coalesce(func.sum(sides.c.stored), 0)
    stmt = (select(sides.c.loc, sides.c.item, sides.c.lot, ledger_qty, balance_qty)
            .group_by(sides.c.loc, sides.c.item, sides.c.lot)
            .having(ledger_qty != balance_qty)
            .order_by(sides.c.loc, sides.c.item, sides.c.lot))
    return [BalanceDifference(loc, item, lot, int(ledger), int(stored))
            for loc, item, lot, ledger, stored in session.execute(stmt)]


@dataclass(frozen=True)
class EmptyFlagDifference:
    location_id: int
    code: str
    flagged_empty: bool  # what the location says; its balances say the opposite


def verify_empty_flags(session: Session) -> list[EmptyFlagDifference]:
    """Every storage bin whose `empty` flag disagrees with its balances, in one statement
    (one snapshot, as verify_balances)."""
    stmt = (select(LOCATIONS.c.id, LOCATIONS.c.code, LOCATIONS.c.empty)
            .where(LOCATIONS.c.kind == "storage", LOCATIONS.c.empty == _holds_units())
            .order_by(LOCATIONS.c.id))
    return [EmptyFlagDifference(loc, code, bool(flag))
            for loc, code, flag in session.execute(stmt)]


def set_empty_flags(session: Session, location_ids: list[int] | None = None) -> None:
    """Set the `empty` flag of these locations (of every one when None) from their balances:
    for a location that becomes a storage bin, and for balances written around the ledger
    (the bench's seeded history)."""
    stmt = update(LOCATIONS).values(empty=~_holds_units())
    if location_ids is None:
        session.execute(stmt)
        return
    for chunk in _id_chunks(location_ids):
        session.execute(stmt.where(LOCATIONS.c.id.in_(chunk)))
