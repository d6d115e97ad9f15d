"""Blind cycle counts (盘点): counters record what they find without seeing the system
quantity; large variances are counted again; a supervisor's approval posts adjustments.

Each entry remembers the system quantity at the moment it was made, so stock that moves in
or out of a bin while it is being counted does not show up as a variance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from wms.db import document_page_cache, run
from wms.errors import Conflict, Invalid, UnknownCount, WrongLocationScanned
from wms.ledger import Draw, MoveBatch, MoveRequest, PlaceRow
from wms.models import (
    Count,
    CountEntry,
    CountLocation,
    Item,
    Location,
    Lot,
    Move,
    StockBalance,
    utcnow,
)
from wms.reasons import CYCLE_COUNT
from wms.services.audit import record
from wms.services.fifo import lots_to_take
from wms.services.lookup import (
    ItemRow,
    find_item,
    find_location,
    find_lot,
    items_by_id,
    keep,
    keep_lot_codes,
    location_code,
    lot_codes_by_id,
    lot_for_receipt,
    places_by_id,
)

Key = tuple[int, int, int | None]  # location, item, lot (None: item counted as a whole)


@dataclass(frozen=True)
class Variance:
    location: str
    sku: str
    lot: str | None
    expected: int
    counted: int
    recount: bool

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class Thresholds:
    pct: float = 5.0
    units: int = 2

    def needs_recount(self, expected: int, counted: int) -> bool:
        """A variance larger than both the percentage of expected and the unit floor."""
        return abs(counted - expected) > max(expected * self.pct / 100, self.units)


def start_count(session: Session, location_codes: Sequence[str], user_id: int | None) -> Count:
    """Open a blind count of these bins."""
    if not location_codes:
        raise Invalid("locations: name at least one bin", field="locations")
    locations: list[Location] = []
    for code in location_codes:
        location = find_location(session, code)
        if location.id not in {loc.id for loc in locations}:
            locations.append(location)
    count = Count(created_by=user_id)
    session.add(count)
    session.flush()
    for location in locations:
        session.add(CountLocation(count_id=count.id, location_id=location.id))
    session.flush()
    record(session, user_id, "count.start", f"COUNT-{count.id}",
           locations=[loc.code for loc in locations])
    return count


def get_count(session: Session, count_id: int) -> Count:
    """The count with this id, its bins read with it."""
    count = session.get(Count, count_id, options=[joinedload(Count.locations)])
    if count is None:
        raise UnknownCount(f"no count {count_id}", count=count_id)
    return count


def _system_qty_and_mark(session: Session, location_id: int, item_id: int,
                         lot_id: int | None) -> tuple[int, int]:
    """The units the books hold of the entry's item (and lot) in the bin, and the ledger's
    position they were read at, in one read."""
    units = select(func.coalesce(func.sum(StockBalance.qty), 0)).where(
        StockBalance.location_id == location_id, StockBalance.item_id == item_id
    )
    if lot_id is not None:
        units = units.where(StockBalance.lot_id == lot_id)
    mark = select(func.coalesce(func.max(Move.id), 0))
    row = session.execute(select(units.scalar_subquery(), mark.scalar_subquery())).one()
    return int(row[0] or 0), int(row[1] or 0)


def bin_of_count(session: Session, count: Count, code: str) -> Location:
    """The bin of the count with this code; another bin is refused as not part of it."""
    normalized = location_code(code)
    for counted in count.locations:
        if counted.location.code == normalized:
            return counted.location
    bin_ = find_location(session, normalized)
    raise WrongLocationScanned(f"bin {bin_.code} is not part of count {count.id}",
                               scanned=bin_.code,
                               expected=", ".join(cl.location.code for cl in count.locations))


def _entry_lot(session: Session, item: Item, location: Location, lot: str | None) -> int | None:
    if item.tracking != "lot":
        return None
    if lot:
        found = find_lot(session, item, lot.strip())
        if found is None:  # a lot the system has never seen: counted in as found stock
            if item.expiry:
                raise Invalid(f"lot: {lot} is unknown; a new lot of an expiry item is "
                              "received, not counted in", field="lot")
            found = lot_for_receipt(session, item, lot.strip(), None, utcnow())
        return found.id
    lots = session.scalars(
        select(StockBalance.lot_id).where(
            StockBalance.location_id == location.id, StockBalance.item_id == item.id,
            StockBalance.qty > 0,
        )
    ).all()
    if len(lots) == 1:
        return lots[0]
    raise Invalid(f"lot: {item.sku} is lot-tracked; scan or type the lot", field="lot")


def enter_count(
    session: Session, *, count_id: int, location: str, sku: str, qty: int,
    user_id: int | None, lot: str | None = None,
) -> CountEntry:
    """Record a counted quantity (0 allowed) for one item in one of the count's bins."""
    count = get_count(session, count_id)
    if count.status not in ("open", "recount"):
        raise Conflict(f"count {count_id} is {count.status}; entries are closed")
    if qty < 0:
        raise Invalid("qty: zero or more", field="qty")
    bin_ = bin_of_count(session, count, location)
    item = find_item(session, sku)
    lot_id = _entry_lot(session, item, bin_, lot)
    expected, mark = _system_qty_and_mark(session, bin_.id, item.id, lot_id)
    entry = CountEntry(
        count_id=count.id, round=count.round, location_id=bin_.id, item_id=item.id,
        lot_id=lot_id, qty=qty, expected=expected, ledger_mark=mark, user_id=user_id,
    )
    session.add(entry)
    session.flush()
    keep(session, count, bin_, item)
    return entry


class _Entry(NamedTuple):
    """A count entry's columns that closing a round reads."""

    id: int
    location_id: int
    item_id: int
    lot_id: int | None
    round: int
    qty: int
    expected: int
    ledger_mark: int


_ENTRIES = (select(CountEntry.id, CountEntry.location_id, CountEntry.item_id,
                   CountEntry.lot_id, CountEntry.round, CountEntry.qty, CountEntry.expected,
                   CountEntry.ledger_mark)
            .where(CountEntry.count_id == bindparam("count_id")))


def _latest(entries: Sequence[_Entry]) -> dict[Key, tuple[int, int]]:
    """Per key, (counted, expected) from the latest round that counted it."""
    latest_round: dict[Key, int] = {}
    for e in entries:
        key = (e.location_id, e.item_id, e.lot_id)
        latest_round[key] = max(latest_round.get(key, 0), e.round)
    totals: dict[Key, tuple[int, int]] = {}
    for e in sorted(entries, key=lambda e: e.id):
        key = (e.location_id, e.item_id, e.lot_id)
        if e.round != latest_round[key]:
            continue
        counted, expected = totals.get(key, (0, e.expected))
        totals[key] = (counted + e.qty, expected)
    return totals


def _entries(session: Session, count: Count) -> list[_Entry]:
    """The count's entries as columns (a count of thousands of lines loads no records)."""
    return [_Entry(*row) for row in run(session, _ENTRIES, {"count_id": count.id})]


# What moved into or out of a bin after a ledger position, as columns.
_MOVED_SINCE = (select(Move.item_id, Move.lot_id, Move.from_location_id, Move.qty)
                .where(Move.id > bindparam("mark"),
                       (Move.to_location_id == bindparam("location_in"))
                       | (Move.from_location_id == bindparam("location_out"))))


def _moved_since(session: Session, location_id: int, mark: int) -> dict[tuple[int, int], int]:
    """Net units per (item, lot) that entered the location after ledger position `mark`."""
    net: dict[tuple[int, int], int] = {}
    rows = run(session, _MOVED_SINCE,
               {"mark": mark, "location_in": location_id, "location_out": location_id})
    for item_id, lot_id, source, qty in rows:
        sign = -1 if source == location_id else 1
        net[(item_id, lot_id)] = net.get((item_id, lot_id), 0) + sign * qty
    return net


def _add_uncounted_as_zero(session: Session, count: Count, user_id: int | None) -> None:
    """Stock the system holds in a counted bin that nobody counted was not found: record it
    as counted 0. What the system held is taken as of when the bin was counted, so stock
    put into the bin after its count is not written off."""
    entries = _entries(session, count)
    counted = {(e.location_id, e.item_id, e.lot_id) for e in entries}
    counted_items = {(loc, item) for loc, item, lot in counted if lot is None}
    marks: dict[int, int] = {}
    for e in entries:
        marks[e.location_id] = min(marks.get(e.location_id, e.ledger_mark), e.ledger_mark)
    location_ids = [cl.location_id for cl in count.locations]
    since = {loc: _moved_since(session, loc, mark) for loc, mark in marks.items()}
    rows = session.execute(
        select(StockBalance.location_id, StockBalance.item_id, StockBalance.lot_id,
               StockBalance.qty, Item.tracking)
        .join(Item, Item.id == StockBalance.item_id)
        .where(StockBalance.location_id.in_(location_ids))
    )
    mark_now = int(session.scalar(select(func.max(Move.id))) or 0)
    expected: dict[Key, int] = {}
    for loc, item, lot, qty, tracking in rows:
        then = qty - since.get(loc, {}).get((item, lot), 0)
        if then <= 0:
            continue
        if tracking == "lot":
            if (loc, item, lot) not in counted:
                expected[(loc, item, lot)] = then
        elif (loc, item) not in counted_items:
            expected[(loc, item, None)] = expected.get((loc, item, None), 0) + then
    for (bin_id, item_id, lot_id), units in expected.items():
        session.add(CountEntry(count_id=count.id, round=count.round, location_id=bin_id,
                               item_id=item_id, lot_id=lot_id, qty=0, expected=units,
                               ledger_mark=marks.get(bin_id, mark_now), user_id=user_id))
    session.flush()


def _describe(session: Session, totals: dict[Key, tuple[int, int]], thresholds: Thresholds,
              flag: bool) -> list[Variance]:
    """The variances of these keys, named by codes read as columns in a few queries (a count
    of thousands of lines loads no records)."""
    places = places_by_id(session, (key[0] for key in totals))
    items = items_by_id(session, (key[1] for key in totals))
    lots = lot_codes_by_id(session, (key[2] for key in totals if key[2] is not None))
    variances = [
        Variance(location=places[loc_id].code, sku=items[item_id].sku,
                 lot=None if lot_id is None else lots[lot_id], expected=expected,
                 counted=counted, recount=flag and thresholds.needs_recount(expected, counted))
        for (loc_id, item_id, lot_id), (counted, expected) in totals.items()
    ]
    return sorted(variances, key=lambda v: (v.location, v.sku, v.lot or ""))


def submit_count(session: Session, count_id: int, thresholds: Thresholds,
                 user_id: int | None) -> tuple[Count, list[Variance]]:
    """Close a round of counting. Lines over the threshold in the first round are sent back
    for a recount; after that the count waits for approval."""
    count = get_count(session, count_id)
    if count.status not in ("open", "recount"):
        raise Conflict(f"count {count_id} is {count.status}; it was submitted already")
    if count.round == 1:
        _add_uncounted_as_zero(session, count, user_id)
    first_round = count.round == 1
    variances = _describe(session, _latest(_entries(session, count)), thresholds, first_round)
    if first_round and any(v.recount for v in variances):
        count.status, count.round = "recount", 2
    else:
        count.status = "submitted"
    record(session, user_id, "count.submit", f"COUNT-{count.id}", status=count.status)
    session.flush()
    return count, variances


def variances_of(session: Session, count: Count, thresholds: Thresholds) -> list[Variance]:
    """The count's current variances (for supervisors; counters never see these)."""
    return _describe(session, _latest(_entries(session, count)), thresholds,
                     count.status == "recount")


# The newest lot of an item in a bin: where a counted gain of an item counted as a whole goes.
_NEWEST_LOT = (select(Lot.id).join(StockBalance, StockBalance.lot_id == Lot.id)
               .where(StockBalance.location_id == bindparam("n_location"),
                      StockBalance.item_id == bindparam("n_item"))
               .order_by(Lot.received_at.desc(), Lot.id.desc()).limit(1))


def _adjust(session: Session, key: Key, delta: int, reference: str, user_id: int | None,
            batch: MoveBatch, location: PlaceRow, item: ItemRow) -> list[Move]:
    loc_id, item_id, lot_id = key
    moves: list[Move] = []

    def post(lot: int, qty: int, gain: bool) -> None:
        moves.append(batch.post(MoveRequest(
            kind="adjust", item_id=item_id, lot_id=lot, qty=qty,
            from_location=None if gain else location, to_location=location if gain else None,
            user_id=user_id, reference=reference, reason=CYCLE_COUNT,
            draw=Draw.ADJUST, check_destination=False,
        )))

    if delta > 0:
        if lot_id is None:
            newest = run(session, _NEWEST_LOT, {"n_location": loc_id, "n_item": item_id}
                         ).scalar()
            lot_id = newest or lot_for_receipt(session, session.get_one(Item, item_id), None,
                                               None, utcnow()).id
        post(lot_id, delta, gain=True)
        return moves
    remaining = -delta
    lots = run(session, lots_to_take(bool(item.expiry), lot_id is not None),
               {"f_location": loc_id, "f_item": item_id, "f_lot": lot_id})
    for lot, qty in lots:
        take = min(qty, remaining)  # stock that left since the count cannot be taken twice
        post(lot, take, gain=False)
        remaining -= take
        if remaining == 0:
            break
    return moves


def approve_count(session: Session, count_id: int, user_id: int | None
                  ) -> tuple[Count, list[Move]]:
    """Post each variance as an adjustment move; the count is then closed."""
    count = get_count(session, count_id)
    if count.status == "recount":
        raise Conflict(f"count {count_id} waits for its recount; submit the recount first")
    if count.status != "submitted":
        raise Conflict(f"count {count_id} is {count.status}; submit it before approval")
    reference = f"COUNT-{count.id}"
    moves: list[Move] = []
    changed = [(key, counted - expected)
               for key, (counted, expected) in _latest(_entries(session, count)).items()
               if counted != expected]
    places = places_by_id(session, (key[0] for key, _ in changed))
    items = items_by_id(session, (key[1] for key, _ in changed))
    # Each line's balance is a key of its own (bin, item, lot): no line reads another's
    # increment, so the gains and the ledger rows are written together at the end.
    batch = MoveBatch(session)
    batch.read_averages(items)
    with document_page_cache(session):
        for key, delta in changed:
            moves += _adjust(session, key, delta, reference, user_id, batch, places[key[0]],
                             items[key[1]])
        batch.finish()
    keep_lot_codes(session, (move.lot_id for move in moves))
    count.status = "approved"
    count.approved_by = user_id
    count.approved_at = utcnow()
    record(session, user_id, "count.approve", reference, adjustments=len(moves))
    session.flush()
    return count, moves
