"""A model of a small two-warehouse site, kept in plain Python next to the real database by
the ledger property test: what should be where, what is reserved, and what each floor
operation should do or refuse. It never reads the ledger."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from wms.errors import (
    Conflict,
    InsufficientStock,
    Invalid,
    LocationFull,
    WmsError,
    WrongItemScanned,
    WrongLocationScanned,
    WrongLotScanned,
)

Key = tuple[str, str, str | None]  # location code, SKU, lot (None: an item without lots)
Plan = list[tuple[str | None, int]]  # (lot, units) taken from one location

LOT_ITEM = "TEA"
ITEMS = ("TEA", "CUP", "BOX")
BIN_CAPACITY = 12
WAREHOUSES = {"WH1": "1", "WH2": "2"}
BINS = {  # code: (warehouse, walk_seq)
    "A-01-01-01": ("WH1", 1), "A-01-02-01": ("WH1", 2), "A-01-03-01": ("WH1", 3),
    "C-01-01-01": ("WH2", 1), "C-01-02-01": ("WH2", 2),
}
SPECIAL = {f"{prefix}-{n}": (wh, kind, seq)
           for wh, n in WAREHOUSES.items()
           for prefix, kind, seq in (("DOCK", "dock", 0), ("PACK", "packing", 900),
                                     ("QC", "quarantine", 950))}
LOCATIONS = sorted([*BINS, *SPECIAL])
PICKABLE = ("allocated", "picking")
ALLOCATABLE = ("open", "allocated", "picking", "picked")


def warehouse_of(code: str) -> str:
    if code.startswith("TRANSIT-"):
        return code.removeprefix("TRANSIT-")
    return BINS[code][0] if code in BINS else SPECIAL[code][0]


def capacity_of(code: str) -> int | None:
    return BIN_CAPACITY if code in BINS else None


def lot_key(sku: str, lot: str | None) -> str | None:
    return lot if sku == LOT_ITEM else None


@dataclass
class TaskModel:
    id: int
    order: str
    sku: str
    location: str
    lot: str | None
    qty: int
    picked: int = 0
    short: int = 0

    @property
    def remaining(self) -> int:
        return self.qty - self.short - self.picked


@dataclass
class OrderModel:
    number: str
    warehouse: str
    lines: dict[str, int]
    status: str = "open"
    tasks: list[TaskModel] = field(default_factory=list)

    @property
    def packing(self) -> str:
        return f"PACK-{WAREHOUSES[self.warehouse]}"

    def allocated(self, sku: str) -> int:
        return sum(t.qty - t.short for t in self.tasks if t.sku == sku)

    def open_units(self) -> int:
        return sum(t.remaining for t in self.tasks)


@dataclass
class Entry:
    round: int
    key: Key
    qty: int
    expected: int


@dataclass
class CountModel:
    id: int
    locations: list[str]
    status: str = "open"
    round: int = 1
    entries: list[Entry] = field(default_factory=list)
    # What the system held in each location when its first entry was made: the moment the
    # bin was counted, against which uncounted stock is judged.
    held_when_counted: dict[str, Counter[Key]] = field(default_factory=dict)

    def latest(self) -> dict[Key, tuple[int, int]]:
        """Per key, (counted, expected) of the latest round that counted it."""
        last = {}
        for e in self.entries:
            last[e.key] = max(last.get(e.key, 0), e.round)
        totals: dict[Key, tuple[int, int]] = {}
        for e in self.entries:
            if e.round == last[e.key]:
                counted, expected = totals.get(e.key, (0, e.expected))
                totals[e.key] = (counted + e.qty, expected)
        return totals


def needs_recount(expected: int, counted: int) -> bool:
    return abs(counted - expected) > max(expected * 5.0 / 100, 2)


@dataclass
class TransferModel:
    id: int
    to_warehouse: str
    lines: list[tuple[str, str | None, int]]
    status: str = "in_transit"

    @property
    def transit(self) -> str:
        return f"TRANSIT-{self.to_warehouse}"


@dataclass
class StockModel:
    qty: Counter[Key] = field(default_factory=Counter)
    reserved: Counter[Key] = field(default_factory=Counter)
    lots: list[str] = field(default_factory=list)  # lots of the lot item, oldest first
    orders: dict[str, OrderModel] = field(default_factory=dict)
    tasks: dict[int, TaskModel] = field(default_factory=dict)
    counts: dict[int, CountModel] = field(default_factory=dict)
    transfers: dict[int, TransferModel] = field(default_factory=dict)
    received: int = 0
    shipped: int = 0
    scrapped: int = 0
    gained: int = 0
    lost: int = 0

    # -- reading the model ------------------------------------------------------------

    def free(self, key: Key) -> int:
        return self.qty[key] - self.reserved[key]

    def units_in(self, location: str) -> int:
        return sum(q for (loc, _, _), q in self.qty.items() if loc == location)

    def on_hand(self) -> int:
        return sum(self.qty.values())

    def expected_on_hand(self) -> int:
        return self.received - self.shipped - self.scrapped + self.gained - self.lost

    def balances(self) -> dict[Key, tuple[int, int]]:
        keys = {k for k, q in self.qty.items() if q} | {k for k, r in self.reserved.items() if r}
        return {k: (self.qty[k], self.reserved[k]) for k in keys}

    def lot_rank(self, lot: str | None) -> int:
        return self.lots.index(lot) if lot in self.lots else -1

    def keys_at(self, location: str, sku: str) -> list[Key]:
        """Keys of `sku` in `location` with unreserved units, oldest lot first."""
        keys = [k for k in self.qty if k[0] == location and k[1] == sku and self.free(k) > 0]
        return sorted(keys, key=lambda k: self.lot_rank(k[2]))

    # -- taking stock out of a location (moves, scrap, transfers) ---------------------

    def plan_take(self, location: str, sku: str, qty: int, lot: str | None
                  ) -> tuple[Plan, type[WmsError] | None]:
        """What take_from_location should draw, or the error it should raise first."""
        if sku == LOT_ITEM and lot:
            if lot not in self.lots:
                return [], WrongLotScanned
            return [(lot, qty)], None
        plan: Plan = []
        remaining = qty
        for key in self.keys_at(location, sku):
            take = min(remaining, self.free(key))
            plan.append((key[2], take))
            remaining -= take
            if remaining == 0:
                return plan, None
        return plan, InsufficientStock

    def post_error(self, location: str, sku: str, plan: Plan, to: str | None,
                   check_room: bool = True) -> type[WmsError] | None:
        """The error post_move should raise for the first part of the plan that fails."""
        added = 0
        for lot, n in plan:
            capacity = capacity_of(to) if to and check_room else None
            if capacity is not None and self.units_in(to) + added + n > capacity:
                return LocationFull
            if self.free((location, sku, lot_key(sku, lot))) < n:
                return InsufficientStock
            added += n
        return None

    def take(self, location: str, sku: str, plan: Plan, to: str | None) -> None:
        for lot, n in plan:
            self.qty[(location, sku, lot)] -= n
            if to is not None:
                self.qty[(to, sku, lot)] += n

    def note_lot(self, sku: str, lot: str | None) -> None:
        if sku == LOT_ITEM and lot and lot not in self.lots:
            self.lots.append(lot)

    # -- allocation ---------------------------------------------------------------------

    def allocation_plan(self, order: OrderModel) -> tuple[list[tuple[str, str, str | None, int]],
                                                          type[WmsError] | None]:
        """The (location, sku, lot, units) create_pick_list should reserve, or its error."""
        if order.status not in ALLOCATABLE:
            return [], Conflict
        plan = []
        needed_any = False
        for sku, wanted in order.lines.items():
            remaining = wanted - order.allocated(sku)
            if remaining <= 0:
                continue
            needed_any = True
            candidates = sorted(
                (k for k in self.qty
                 if k[1] == sku and k[0] in BINS and BINS[k[0]][0] == order.warehouse
                 and self.free(k) > 0),
                key=lambda k: (self.lot_rank(k[2]), BINS[k[0]][1], k[0]),
            )
            for key in candidates:
                take = min(remaining, self.free(key))
                plan.append((key[0], sku, key[2], take))
                remaining -= take
                if remaining == 0:
                    break
        if not needed_any:
            return [], Conflict
        if not plan:
            return [], InsufficientStock
        return plan, None

    # -- picking --------------------------------------------------------------------------

    def pick_error(self, task: TaskModel, location: str, sku: str, qty: int
                   ) -> type[WmsError] | None:
        order = self.orders[task.order]
        if order.status not in PICKABLE or task.remaining <= 0:
            return Conflict
        if location != task.location:
            return WrongLocationScanned
        if sku != task.sku:
            return WrongItemScanned
        if qty > task.remaining:
            return Invalid
        if self.qty[(task.location, task.sku, task.lot)] < qty:
            return InsufficientStock
        return None

    def pick(self, task: TaskModel, qty: int) -> None:
        key = (task.location, task.sku, task.lot)
        self.qty[key] -= qty
        self.reserved[key] = max(self.reserved[key] - qty, 0)
        order = self.orders[task.order]
        self.qty[(order.packing, task.sku, task.lot)] += qty
        self.reserved[(order.packing, task.sku, task.lot)] += qty  # held for its order
        task.picked += qty
        order.status = "picked" if task.remaining == 0 and order.open_units() == 0 else "picking"

    def short(self, task: TaskModel) -> None:
        key = (task.location, task.sku, task.lot)
        self.reserved[key] = max(self.reserved[key] - task.remaining, 0)
        task.short += task.remaining
        order = self.orders[task.order]
        order.status = "picked" if order.open_units() == 0 else "picking"

    # -- shipping -------------------------------------------------------------------------

    def shipment(self, order: OrderModel) -> tuple[Counter[Key], type[WmsError] | None]:
        if order.status not in ("picked", "packed"):
            return Counter(), Conflict
        units: Counter[Key] = Counter()
        for t in order.tasks:
            if t.picked:
                units[(order.packing, t.sku, t.lot)] += t.picked
        if not units:
            return units, Conflict
        if any(self.qty[key] < n for key, n in units.items()):
            return units, InsufficientStock
        return units, None

    # -- counting -------------------------------------------------------------------------

    def system_qty(self, location: str, sku: str, lot: str | None) -> int:
        if sku == LOT_ITEM:
            return self.qty[(location, sku, lot)]
        return sum(q for (loc, s, _), q in self.qty.items() if loc == location and s == sku)

    def count_entry(self, count: CountModel, location: str, sku: str, lot: str | None
                    ) -> tuple[Key | None, type[WmsError] | None]:
        if count.status not in ("open", "recount"):
            return None, Conflict
        if location not in count.locations:
            return None, WrongLocationScanned
        if sku != LOT_ITEM:
            return (location, sku, None), None
        if lot:
            return (location, sku, lot), None
        held = [k[2] for k, q in self.qty.items() if k[0] == location and k[1] == sku and q > 0]
        if len(held) != 1:
            return None, Invalid
        return (location, sku, held[0]), None

    def submit(self, count: CountModel) -> list[tuple[str, str, str | None, int, int, bool]]:
        """Close the round as submit_count does; returns the variances it should report."""
        first = count.round == 1
        if first:
            counted = {e.key for e in count.entries}
            uncounted: Counter[Key] = Counter()
            for loc in count.locations:
                # A bin counted while it held nothing held nothing: what arrived after its
                # count is not judged by it. Only a bin nobody counted is judged as it is now.
                if loc in count.held_when_counted:
                    held = count.held_when_counted[loc]
                else:
                    held = Counter({k: q for k, q in self.qty.items() if k[0] == loc})
                for (_, sku, lot), q in held.items():
                    key = (loc, sku, lot if sku == LOT_ITEM else None)
                    if q > 0 and key not in counted:
                        uncounted[key] += q
            for key, q in uncounted.items():
                count.entries.append(Entry(1, key, 0, q))
        variances = [(loc, sku, lot, expected, counted_qty,
                      first and needs_recount(expected, counted_qty))
                     for (loc, sku, lot), (counted_qty, expected) in count.latest().items()]
        if first and any(v[5] for v in variances):
            count.status, count.round = "recount", 2
        else:
            count.status = "submitted"
        return sorted(variances, key=lambda v: (v[0], v[1], v[2] or ""))

    def note_entry(self, count: CountModel, key: Key, qty: int) -> None:
        loc = key[0]
        if loc not in count.held_when_counted:
            count.held_when_counted[loc] = Counter(
                {k: q for k, q in self.qty.items() if k[0] == loc})
        count.entries.append(Entry(count.round, key, qty, self.system_qty(*key)))

    def approve(self, count: CountModel) -> None:
        for key, (counted, expected) in count.latest().items():
            delta = counted - expected
            loc, sku, lot = key
            if delta > 0:
                self.qty[key] += delta
                self.gained += delta
            elif delta < 0:
                loss = min(-delta, self.system_qty(loc, sku, lot))
                if loss:
                    self.qty[key] -= loss
                    self.reserved[key] = min(self.reserved[key], self.qty[key])
                    self.lost += loss
        count.status = "approved"
