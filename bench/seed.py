"""Seeding a benchmark database: a migrated SQLite file with a year of ledger history and the
open work the simulated handhelds need.

The history is simulated in Python (receipts into the dock, putaways to bins, bin-to-bin
moves, sales orders picked to packing and shipped out, count adjustments, quarantine and
scrap) and written with executemany in large transactions; balances are computed from the
same simulation and bulk-inserted. Nothing goes through the services except users and API
tokens (wms.auth), so 1M moves take minutes. At the end `wms.ledger.verify_balances` must
agree, every open pick task's reservation must equal stock_balances.reserved, and
`PRAGMA foreign_key_check` must be clean, or seeding fails.

The open work is written to `<db>.plan.json`: per handheld a token, its own pick lists, its
own bin stock to move (items no one else touches), its own destination bins and its own
deliveries on the dock, so concurrent handhelds never take the same units and every scan
is expected to succeed.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sqlite3
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from locations import generate_layout
from wms.auth import add_user, create_token
from wms.db import Database
from wms.ledger import set_empty_flags, verify_balances, verify_empty_flags
from wms.schema import upgrade

CAPACITY = 1000  # units per storage bin
TARGET_FILL = 150  # average units per bin the simulated stock hovers around
ZONES = ("A", "B", "C", "D")
BAYS, LEVELS = 40, 5
HOME_AREA = 0.85  # share of bins that are some item's preferred bin; the rest is overflow
DEST_MARGIN = 300  # room a handheld leaves free in its destination bins (putaways race in)
FLUSH_EVERY = 200_000  # moves per bulk transaction
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores UTCDateTime on SQLite (UTC, naive)

CATEGORIES = (("茶叶", "tea"), ("茶具", "teaware"), ("食品", "food"), ("包装", "packaging"),
              ("饮料", "drinks"), ("日用品", "household"), ("文具", "stationery"))


@dataclass(frozen=True)
class OpenWork:
    """How much open work to leave for the load: per handheld, plus bins to look up."""

    handhelds: int
    tasks_per_handheld: int
    dock_per_handheld: int
    sources_per_handheld: int = 6
    dests_per_handheld: int = 6
    lookup_bins: int = 500


@dataclass(frozen=True)
class SeedSpec:
    items: int
    bins: int
    moves: int
    work: OpenWork
    rng_seed: int = 20261122

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SeedResult:
    db_path: Path
    plan_path: Path
    moves: int
    history_moves: int
    open_work_moves: int
    seconds: float
    db_bytes: int
    balances: int
    lots: int
    orders: int
    pick_tasks: int
    open_tasks: int
    empty_bins: int


def ean13(n: int) -> str:
    """An EAN-13 with prefix 69 (China) and a real check digit."""
    body = f"69{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def schema_fingerprint() -> str:
    """A hash of the migrations, so a reused database is reseeded when the schema changed."""
    import hashlib

    import wms.schema

    digest = hashlib.sha256()
    for path in sorted((wms.schema.MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def fresh_copy(pristine: Path, working: Path) -> None:
    """A working copy of a seeded database (any older copy and its log removed), written
    through to the disk before anything is measured on it. Left to the kernel, its hundreds
    of megabytes are written back some 30 s later, in the middle of a measurement, and a
    durable commit then waits behind them (300 ms here)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(working) + suffix).unlink(missing_ok=True)
    shutil.copyfile(pristine, working)
    written_through(working)


def written_through(path: Path) -> None:
    """The file's data on the disk now, not at the kernel's leisure."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def plan_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".plan.json")


class Simulator:
    """The warehouse's year, move by move, in memory; rows are buffered for bulk insert."""

    def __init__(self, spec: SeedSpec, conn: sqlite3.Connection, user_ids: list[int],
                 now: datetime) -> None:
        self.spec = spec
        self.conn = conn
        self.rng = random.Random(spec.rng_seed)
        self.user_ids = user_ids
        self.now = now
        self.move_id = 0
        self.lot_id = 0
        self.receipt_id = 0
        self.receipt_line_id = 0
        self.order_id = 0
        self.line_id = 0
        self.task_id = 0
        self.count_id = 0
        self.at = ""
        self.user = user_ids[0]
        self.buf: dict[str, list[tuple[Any, ...]]] = {
            "moves": [], "lots": [], "receipts": [], "receipt_lines": [], "pick_lists": [],
            "pick_tasks": [],
        }
        self.orders: dict[int, list[Any]] = {}  # id -> row as a list (status changes)
        self.lines: dict[int, list[Any]] = {}  # id -> row as a list (shipped changes)
        self.balances: dict[tuple[int, int, int], int] = {}
        self.reserved: dict[tuple[int, int, int], int] = {}
        self.item_rows: dict[int, dict[tuple[int, int], int]] = {}  # storage stock per item
        self.stocked: list[int] = []
        self.stocked_pos: dict[int, int] = {}
        self.storage_units = 0
        self.dock_queue: deque[tuple[int, int, int]] = deque()
        self.ship_queue: deque[tuple[int, str, dict[tuple[int, int], int]]] = deque()
        self.qc: dict[tuple[int, int], int] = {}
        self.lot_key: list[tuple[int, int]] = [(0, 0)]
        self.lot_code: list[str] = [""]
        self.lot_internal: list[bool] = [False]
        self.internal_lots: dict[tuple[int, str], int] = {}
        self._layout()
        self._catalog()

    # ----- master data -------------------------------------------------------------------

    def _layout(self) -> None:
        spec = self.spec
        self.dock, self.pack, self.qc_loc = 1, 2, 3
        codes = ["", "DOCK-1", "PACK-1", "QC-1"]
        kinds = ["", "dock", "packing", "quarantine"]
        zones_of = [0, 0, 0, 0]
        walk = [0, 0, spec.bins + 1, spec.bins + 2]
        zones = ZONES[: max(1, min(len(ZONES), spec.bins))]
        per_zone = math.ceil(spec.bins / len(zones))
        seq = 1
        for z, zone in enumerate(zones, start=1):
            count = min(per_zone, spec.bins - (seq - 1))
            aisles = math.ceil(count / (BAYS * LEVELS))
            if aisles > 99:
                raise SystemExit(f"--bins {spec.bins} is too many for {len(zones)} zones")
            for spot in generate_layout([zone], aisles, BAYS, LEVELS, start_seq=seq)[:count]:
                codes.append(spot.code)
                kinds.append("storage")
                zones_of.append(z)
                walk.append(spot.walk_seq)
            seq += count
        self.codes, self.kinds, self.zone_of, self.walk = codes, kinds, zones_of, walk
        self.zone_codes = ["", *zones]
        self.bins = list(range(4, len(codes)))
        self.is_bin = [k == "storage" for k in kinds]
        self.bin_units = [0] * len(codes)
        self.bins_by_zone: dict[int, list[int]] = {}
        for b in self.bins:
            self.bins_by_zone.setdefault(zones_of[b], []).append(b)
        # Home area first in each zone's walk, overflow at the end of each zone.
        self.home_area = [b for z in self.bins_by_zone.values()
                          for b in z[: max(1, int(len(z) * HOME_AREA))]]

    def _catalog(self) -> None:
        rng, n = self.rng, self.spec.items
        self.sku = [""] * (n + 1)
        self.barcode = [""] * (n + 1)
        self.tracked = [False] * (n + 1)
        self.expires = [False] * (n + 1)
        self.pref_bin = [0] * (n + 1)
        for i in range(1, n + 1):
            self.sku[i] = f"SKU-{i:06d}"
            self.barcode[i] = ean13(i)
            self.tracked[i] = rng.random() < 0.3
            self.expires[i] = self.tracked[i] and rng.random() < 0.4
            self.pref_bin[i] = rng.choice(self.home_area)

    def write_master_data(self) -> None:
        c, rng = self.conn, self.rng
        c.execute("INSERT INTO warehouses (id, code, name) VALUES (1, 'WH1', ?)",
                  ("Main warehouse 主仓",))
        c.executemany("INSERT INTO zones (id, warehouse_id, code, name) VALUES (?, 1, ?, ?)",
                      [(z, code, f"Zone {code}") for z, code in enumerate(self.zone_codes)
                       if z])
        c.executemany(
            "INSERT INTO locations (id, code, warehouse_id, zone_id, kind, capacity, walk_seq,"
            " blocked) VALUES (?, ?, 1, ?, ?, ?, ?, 0)",
            [(i, self.codes[i], self.zone_of[i] or None, self.kinds[i],
              CAPACITY if self.is_bin[i] else None, self.walk[i])
             for i in range(1, len(self.codes))],
        )
        items, barcodes = [], []
        for i in range(1, self.spec.items + 1):
            zh, en = CATEGORIES[i % len(CATEGORIES)]
            rank = i / self.spec.items
            home = self.pref_bin[i] if rng.random() < 0.3 else None
            items.append((
                i, self.sku[i], f"{zh}{i}号 {en} #{i}", f"{en.title()} #{i}", f"{zh}{i}号",
                "pcs", "lot" if self.tracked[i] else "none", int(self.expires[i]),
                round(rng.uniform(0.5, 300), 2), f"{zh} {en}",
                "A" if rank < 0.2 else "B" if rank < 0.5 else "C",
                rng.choice((None, 10, 20, 50)), None, None, None,
                rng.choice((None, 7, 14, 30)), rng.choice((1, 1, 6, 12, 24)), home,
                self.zone_codes[self.zone_of[self.pref_bin[i]]],
            ))
            barcodes.append((i, i, self.barcode[i]))
        c.executemany(
            "INSERT INTO items (id, sku, name, name_en, name_zh, uom, tracking, expiry, "
            "unit_cost, category, abc_class, safety_stock, reorder_point, min_qty, max_qty, "
            "lead_time_days, pack_size, home_location_id, zone_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        c.executemany("INSERT INTO item_barcodes (id, item_id, code) VALUES (?, ?, ?)",
                      barcodes)
        c.executemany(
            "INSERT INTO customers (id, code, name, tier) VALUES (?, ?, ?, ?)",
            [(i, f"CUS-{i:04d}", f"客户{i} Customer {i}", ("gold", "silver", None)[i % 3])
             for i in range(1, 501)])
        c.executemany(
            "INSERT INTO suppliers (id, code, name) VALUES (?, ?, ?)",
            [(i, f"SUP-{i:03d}", f"供应商{i} Supplier {i}") for i in range(1, 51)])

    # ----- the ledger ---------------------------------------------------------------------

    def popular_item(self) -> int:
        """Skewed: low item numbers move far more often (roughly an ABC curve)."""
        return 1 + int(self.spec.items * self.rng.random() ** 2.2)

    def emit(self, kind: str, item: int, lot: int, qty: int, frm: int | None, to: int | None,
             reference: str | None = None, reason: str | None = None,
             task: int | None = None) -> None:
        assert qty > 0
        self.move_id += 1
        self.buf["moves"].append((self.move_id, self.at, kind, item, lot, qty, frm, to,
                                  self.user, reference, reason, task))
        if frm is not None:
            self._take(frm, item, lot, qty)
        if to is not None:
            self._put(to, item, lot, qty)

    def _put(self, loc: int, item: int, lot: int, qty: int) -> None:
        key = (loc, item, lot)
        self.balances[key] = self.balances.get(key, 0) + qty
        if self.is_bin[loc]:
            rows = self.item_rows.get(item)
            if rows is None:
                rows = self.item_rows[item] = {}
                self.stocked_pos[item] = len(self.stocked)
                self.stocked.append(item)
            rows[(loc, lot)] = rows.get((loc, lot), 0) + qty
            self.bin_units[loc] += qty
            self.storage_units += qty

    def _take(self, loc: int, item: int, lot: int, qty: int) -> None:
        key = (loc, item, lot)
        left = self.balances[key] - qty
        if left < 0:
            raise AssertionError(f"simulated stock would go negative at {key}")
        self.balances[key] = left  # zero rows stay, as they do in the service
        if self.is_bin[loc]:
            rows = self.item_rows[item]
            rest = rows[(loc, lot)] - qty
            if rest:
                rows[(loc, lot)] = rest
            else:
                del rows[(loc, lot)]
                if not rows:
                    del self.item_rows[item]
                    pos = self.stocked_pos.pop(item)
                    last = self.stocked.pop()
                    if last != item:
                        self.stocked[pos] = last
                        self.stocked_pos[last] = pos
            self.bin_units[loc] -= qty
            self.storage_units -= qty

    def new_lot(self, item: int, at: datetime) -> int:
        day = at.date().isoformat()
        if not self.tracked[item]:
            existing = self.internal_lots.get((item, day))
            if existing:
                return existing
        self.lot_id += 1
        lot = self.lot_id
        expiry = None
        key_first = 0
        if self.expires[item]:
            expiry_day = at.date() + timedelta(days=self.rng.randint(120, 720))
            expiry = expiry_day.isoformat()
            key_first = expiry_day.toordinal()
        code = f"L{at:%y%m%d}-{lot}" if self.tracked[item] else f"@{day}"
        if not self.tracked[item]:
            self.internal_lots[(item, day)] = lot
        self.buf["lots"].append((lot, item, code, int(not self.tracked[item]),
                                 at.strftime(STAMP), expiry))
        self.lot_key.append((key_first, lot))
        self.lot_code.append(code)
        self.lot_internal.append(not self.tracked[item])
        return lot

    def receipt(self, item: int, qty: int, at: datetime, quarantine: bool = False) -> int:
        self.receipt_id += 1
        self.receipt_line_id += 1
        lot = self.new_lot(item, at)
        reason = "damaged" if quarantine else None
        self.buf["receipts"].append((self.receipt_id, None, self.dock, self.user, self.at))
        self.buf["receipt_lines"].append((self.receipt_line_id, self.receipt_id, None, item,
                                          lot, qty, "quarantine" if quarantine else "accept",
                                          reason))
        self.emit("receive", item, lot, qty, None, self.qc_loc if quarantine else self.dock,
                  reference=f"RCV-{self.receipt_id}", reason=reason)
        return lot

    def bin_with_room(self, item: int, qty: int, exclude: int = 0) -> int:
        pref = self.pref_bin[item]
        if pref != exclude and self.bin_units[pref] + qty <= CAPACITY:
            return pref
        zone_bins = self.bins_by_zone[self.zone_of[pref]]
        for _ in range(8):
            b = self.rng.choice(zone_bins)
            if b != exclude and self.bin_units[b] + qty <= CAPACITY:
                return b
        while True:
            b = self.rng.choice(self.bins)
            if b != exclude and self.bin_units[b] + qty <= CAPACITY:
                return b

    def putaway(self, item: int, lot: int, qty: int, source: int) -> None:
        parts = [qty]
        if qty >= 24 and self.rng.random() < 0.3:
            first = qty // 2
            parts = [first, qty - first]
        for part in parts:
            self.emit("putaway", item, lot, part, source, self.bin_with_room(item, part))

    def fifo_rows(self, item: int) -> list[tuple[int, int, int]]:
        """(bin, lot, free units) of the item, oldest lot first, then walking order."""
        rows = self.item_rows.get(item, {})
        out = []
        for (loc, lot), qty in rows.items():
            free = qty - self.reserved.get((loc, item, lot), 0)
            if free > 0:
                out.append((loc, lot, free))
        out.sort(key=lambda r: (self.lot_key[r[1]], self.walk[r[0]], self.codes[r[0]]))
        return out

    def random_stocked(self) -> int | None:
        if not self.stocked:
            return None
        for _ in range(4):
            item = self.popular_item()
            if item in self.item_rows:
                return item
        return self.rng.choice(self.stocked)

    def plan_order(self, lines: list[tuple[int, int]], at: str, status: str,
                   ) -> tuple[int, str, list[tuple[int, int, int, int, int, int]]]:
        """A sales order and its pick list; allocates FIFO, reserves, returns the tasks as
        (task id, line id, bin, item, lot, qty) in walking order."""
        self.order_id += 1
        number = f"SO-{self.order_id:07d}"
        customer = 1 + int(500 * self.rng.random() ** 1.5)
        self.orders[self.order_id] = [self.order_id, number, customer, 1, status, None, at,
                                      None]
        self.buf["pick_lists"].append((self.order_id, self.order_id, self.pack, at))
        planned = []
        for item, qty in lines:
            self.line_id += 1
            allocated = 0
            for loc, lot, free in self.fifo_rows(item):
                take = min(free, qty - allocated)
                planned.append((self.line_id, loc, item, lot, take))
                key = (loc, item, lot)
                self.reserved[key] = self.reserved.get(key, 0) + take
                allocated += take
                if allocated == qty:
                    break
            self.lines[self.line_id] = [self.line_id, self.order_id, item, allocated, 0]
        planned.sort(key=lambda p: (self.walk[p[1]], self.codes[p[1]]))
        tasks = []
        for seq, (line, loc, item, lot, qty) in enumerate(planned, start=1):
            self.task_id += 1
            self.buf["pick_tasks"].append((self.task_id, self.order_id, line, seq, loc, item,
                                           lot, qty, 0))
            tasks.append((self.task_id, line, loc, item, lot, qty))
        return self.order_id, number, tasks

    # ----- actions of the year ------------------------------------------------------------

    def act_receive(self, at: datetime) -> None:
        item = self.popular_item()
        lot = self.receipt(item, self.rng.randint(1, 10) * 12, at)
        self.dock_queue.append((item, lot, 0))

    def act_putaway(self) -> None:
        item, lot, _ = self.dock_queue.popleft()
        qty = self.balances[(self.dock, item, lot)]
        if qty > 0:
            self.putaway(item, lot, qty, self.dock)

    def act_pick(self) -> None:
        cap = max(2, int(40 * min(3.0, self.storage_units / self.target_units)))
        wanted: dict[int, int] = {}
        for _ in range(self.rng.choices((1, 2, 3, 4), weights=(50, 25, 15, 10))[0]):
            item = self.random_stocked()
            if item is None or item in wanted:
                continue
            free = sum(r[2] for r in self.fifo_rows(item))
            if free > 0:
                wanted[item] = self.rng.randint(1, min(free, cap))
        if not wanted:
            return
        order, number, tasks = self.plan_order(list(wanted.items()), self.at, "picked")
        picked: dict[tuple[int, int], int] = {}
        for task, _line, loc, item, lot, qty in tasks:
            key = (loc, item, lot)
            self.reserved[key] -= qty
            if not self.reserved[key]:
                del self.reserved[key]
            self.emit("pick", item, lot, qty, loc, self.pack, reference=number, task=task)
            picked[(item, lot)] = picked.get((item, lot), 0) + qty
        self.ship_queue.append((order, number, picked))

    def act_ship(self) -> None:
        order, number, picked = self.ship_queue.popleft()
        for (item, lot), qty in picked.items():
            self.emit("ship", item, lot, qty, self.pack, None, reference=number)
        row = self.orders[order]
        row[4], row[7] = "shipped", self.at
        self.shipped_orders.add(order)

    def act_move(self) -> None:
        item = self.random_stocked()
        if item is None:
            return
        (loc, lot), qty = self.rng.choice(list(self.item_rows[item].items()))
        free = qty - self.reserved.get((loc, item, lot), 0)
        if free <= 0:
            return
        n = free if self.rng.random() < 0.5 else self.rng.randint(1, free)
        self.emit("move", item, lot, n, loc, self.bin_with_room(item, n, exclude=loc))

    def act_adjust(self) -> None:
        item = self.random_stocked()
        if item is None:
            return
        (loc, lot), qty = self.rng.choice(list(self.item_rows[item].items()))
        self.count_id += 1
        if self.rng.random() < 0.5 and self.bin_units[loc] < CAPACITY - 3:
            self.emit("adjust", item, lot, self.rng.randint(1, 3), None, loc,
                      reference=f"CNT-{self.count_id}", reason="cycle_count")
        else:
            free = qty - self.reserved.get((loc, item, lot), 0)
            if free > 0:
                self.emit("adjust", item, lot, self.rng.randint(1, min(3, free)), loc, None,
                          reference=f"CNT-{self.count_id}", reason="cycle_count")

    def act_quarantine(self, at: datetime) -> None:
        item = self.popular_item()
        qty = self.rng.randint(1, 4) * 6
        lot = self.receipt(item, qty, at, quarantine=True)
        self.qc[(item, lot)] = self.qc.get((item, lot), 0) + qty

    def act_release_or_scrap(self) -> None:
        (item, lot), qty = next(iter(self.qc.items()))
        del self.qc[(item, lot)]
        if self.rng.random() < 0.5:
            self.emit("scrap", item, lot, qty, self.qc_loc, None, reference="SCRAP",
                      reason="damaged")
        else:
            self.emit("move", item, lot, qty, self.qc_loc, self.bin_with_room(item, qty))

    def history(self, target: int, start: datetime, end: datetime) -> None:
        """Simulate until `target` moves, spread evenly from `start` to `end`."""
        self.target_units = TARGET_FILL * len(self.bins)
        self.shipped_orders: set[int] = set()
        span = (end - start).total_seconds()
        rng = self.rng
        actions = ("receive", "putaway", "move", "pick", "ship", "adjust", "quarantine",
                   "qc_out")
        bar = tqdm(total=target, desc="ledger history", unit="move", unit_scale=True,
                   smoothing=0.05)
        shown = 0
        while self.move_id < target:
            when = start + timedelta(seconds=span * self.move_id / max(target, 1))
            self.at = when.strftime(STAMP)
            self.user = rng.choice(self.user_ids)
            weights = (
                15.0,
                20.0 if self.dock_queue else 0.0,
                8.0 if self.stocked else 0.0,
                10.0 if self.stocked else 0.0,
                12.0 if len(self.ship_queue) > 3 else 0.0,
                1.0 if self.stocked else 0.0,
                0.3,
                0.5 if self.qc else 0.0,
            )
            if len(self.dock_queue) > 40:
                action = "putaway"
            else:
                action = rng.choices(actions, weights=weights)[0]
            if action == "receive":
                self.act_receive(when)
            elif action == "putaway":
                self.act_putaway()
            elif action == "move":
                self.act_move()
            elif action == "pick":
                self.act_pick()
            elif action == "ship":
                self.act_ship()
            elif action == "adjust":
                self.act_adjust()
            elif action == "quarantine":
                self.act_quarantine(when)
            else:
                self.act_release_or_scrap()
            if len(self.buf["moves"]) >= FLUSH_EVERY:
                self.flush()
            if self.move_id - shown >= 2000:
                bar.update(self.move_id - shown)
                shown = self.move_id
        bar.update(self.move_id - shown)
        bar.close()

    # ----- open work for the load ---------------------------------------------------------

    def open_work(self, work: OpenWork, start: datetime, tokens: list[tuple[str, str]]
                  ) -> dict[str, Any]:
        """Today's deliveries on the dock, stock to move, and allocated orders with pick
        lists, partitioned by handheld."""
        rng = self.rng
        clock = [start]

        def tick() -> datetime:
            clock[0] += timedelta(seconds=0.5)
            self.at = clock[0].strftime(STAMP)
            return clock[0]

        def top_up(item: int, qty: int) -> int:
            when = tick()
            lot = self.receipt(item, qty, when)
            tick()
            loc = self.bin_with_room(item, qty)
            self.emit("putaway", item, lot, qty, self.dock, loc)
            return loc

        reserved_items: set[int] = set()  # items exclusive to one handheld (dock, moves)
        on_dock = {item for (loc, item, _lot), q in self.balances.items()
                   if loc == self.dock and q > 0}
        handhelds: list[dict[str, Any]] = []
        for h, (username, token) in enumerate(tokens[: work.handhelds]):
            uid = self.user_ids[h]
            self.user = uid
            hh: dict[str, Any] = {"user": username, "token": token, "dock": [],
                                  "move_sources": [], "move_dests": [], "pick_lists": []}
            # Today's deliveries waiting at the dock for putaway.
            while len(hh["dock"]) < work.dock_per_handheld:
                item = rng.randint(1, self.spec.items)
                if item in reserved_items or item in on_dock:
                    continue
                reserved_items.add(item)
                qty = rng.randint(1, 5) * 12
                lot = self.receipt(item, qty, tick())
                hh["dock"].append({"sku": self.sku[item], "barcode": self.barcode[item],
                                   "lot": None if self.lot_internal[lot] else self.lot_code[lot],
                                   "qty": qty})
            # Bin stock only this handheld moves around.
            while len(hh["move_sources"]) < work.sources_per_handheld:
                item = rng.choice(self.stocked) if self.stocked and rng.random() < 0.9 \
                    else rng.randint(1, self.spec.items)
                if item in reserved_items or item in on_dock:
                    continue
                per_bin: dict[int, int] = {}
                for (loc, lot), qty in self.item_rows.get(item, {}).items():
                    free = qty - self.reserved.get((loc, item, lot), 0)
                    per_bin[loc] = per_bin.get(loc, 0) + free
                if any(self.reserved.get((loc, item, lot)) for loc, lot in
                       self.item_rows.get(item, {})):
                    continue  # an open pick reserves some of it: leave it to the pickers
                loc = max(per_bin, key=lambda b: per_bin[b]) if per_bin else 0
                if not per_bin or per_bin[loc] < 20:
                    loc = top_up(item, rng.randint(4, 12) * 12)
                    per_bin = {loc: sum(q for (bl, _), q in self.item_rows[item].items()
                                        if bl == loc)}
                reserved_items.add(item)
                hh["move_sources"].append({"location": self.codes[loc], "sku": self.sku[item],
                                           "barcode": self.barcode[item],
                                           "free": per_bin[loc]})
            hh["_uid"] = uid
            handhelds.append(hh)

        # Allocated orders with pick lists; reservations as create_pick_list makes them.
        open_tasks = 0
        for hh in handhelds:
            self.user = hh.pop("_uid")
            tasks_made = 0
            while tasks_made < work.tasks_per_handheld:
                wanted: dict[int, int] = {}
                for _ in range(rng.choices((1, 2, 3, 4), weights=(40, 30, 20, 10))[0]):
                    found: int | None = None
                    for _attempt in range(20):
                        cand = self.random_stocked()
                        if cand is None or cand in reserved_items or cand in wanted:
                            continue
                        free = sum(r[2] for r in self.fifo_rows(cand))
                        if free > 0:
                            found = cand
                            break
                    if found is None:  # little stock left: today's early replenishment
                        while True:
                            found = rng.randint(1, self.spec.items)
                            if found not in reserved_items and found not in wanted:
                                break
                        top_up(found, rng.randint(2, 8) * 12)
                        free = sum(r[2] for r in self.fifo_rows(found))
                    wanted[found] = rng.randint(1, min(free, 12))
                when = tick()
                _order, number, tasks = self.plan_order(list(wanted.items()),
                                                        when.strftime(STAMP), "allocated")
                hh["pick_lists"].append({"order": number, "tasks": [
                    {"id": t, "location": self.codes[loc], "sku": self.sku[item],
                     "barcode": self.barcode[item],
                     "lot": None if self.lot_internal[lot] else self.lot_code[lot], "qty": q}
                    for t, _line, loc, item, lot, q in tasks]})
                tasks_made += len(tasks)
            open_tasks += tasks_made

        # Destination bins, one set per handheld, each with room to spare (chosen last, after
        # any replenishment above has filled bins).
        taken_bins: set[int] = set()
        candidates = [b for b in self.bins if self.bin_units[b] <= CAPACITY - DEST_MARGIN - 100]
        rng.shuffle(candidates)
        for hh in handhelds:
            while len(hh["move_dests"]) < work.dests_per_handheld and candidates:
                b = candidates.pop()
                if b in taken_bins:
                    continue
                taken_bins.add(b)
                hh["move_dests"].append({"location": self.codes[b],
                                         "room": CAPACITY - DEST_MARGIN - self.bin_units[b]})

        occupied = [b for b in self.bins if self.bin_units[b] > 0]
        lookups = rng.sample(occupied, min(len(occupied), work.lookup_bins))
        lookups += rng.sample(self.bins, min(len(self.bins), max(1, work.lookup_bins // 10)))
        return {"handhelds": handhelds, "lookup_bins": [self.codes[b] for b in lookups],
                "dock": self.codes[self.dock], "packing": self.codes[self.pack],
                "open_tasks": open_tasks}

    # ----- writing ------------------------------------------------------------------------

    SQL = {
        "lots": "INSERT INTO lots (id, item_id, code, internal, received_at, expiry) "
                "VALUES (?, ?, ?, ?, ?, ?)",
        "receipts": "INSERT INTO receipts (id, purchase_order_id, location_id, user_id, at) "
                    "VALUES (?, ?, ?, ?, ?)",
        "receipt_lines": "INSERT INTO receipt_lines (id, receipt_id, po_line_id, item_id, "
                         "lot_id, qty, disposition, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "pick_lists": "INSERT INTO pick_lists (id, order_id, packing_location_id, created_at)"
                      " VALUES (?, ?, ?, ?)",
        "pick_tasks": "INSERT INTO pick_tasks (id, pick_list_id, order_line_id, seq, "
                      "location_id, item_id, lot_id, qty, short) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "moves": "INSERT INTO moves (id, at, kind, item_id, lot_id, qty, from_location_id, "
                 "to_location_id, user_id, reference, reason, pick_task_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    }

    def flush(self) -> None:
        with self.conn:
            for table, sql in self.SQL.items():
                rows = self.buf[table]
                if rows:
                    self.conn.executemany(sql, rows)
                    rows.clear()

    def finish(self) -> None:
        self.flush()
        shipped = self.shipped_orders
        line_rows = []
        for line in self.lines.values():
            if line[1] in shipped:
                line[4] = line[3]
            line_rows.append(tuple(line))
        with self.conn:
            self.conn.executemany(
                "INSERT INTO sales_orders (id, number, customer_id, warehouse_id, status, "
                "ship_to, created_at, shipped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(o) for o in self.orders.values()])
            # A line's qty must be positive; a line nothing could be allocated to is dropped
            # with no task (it cannot happen: items are chosen with free stock).
            self.conn.executemany(
                "INSERT INTO sales_order_lines (id, order_id, item_id, qty, shipped) "
                "VALUES (?, ?, ?, ?, ?)", line_rows)
            self.conn.executemany(
                "INSERT INTO stock_balances (id, location_id, item_id, lot_id, qty, reserved) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(i, loc, item, lot, qty, self.reserved.get((loc, item, lot), 0))
                 for i, ((loc, item, lot), qty) in enumerate(self.balances.items(), start=1)])


def _make_users(url: str, handhelds: int) -> list[tuple[str, str]]:
    """One operator per handheld and a supervisor, each with an API token (wms.auth)."""
    db = Database(url)
    tokens = []
    try:
        with db.write() as session:
            for h in range(1, handhelds + 1):
                name = f"picker{h:03d}"
                add_user(session, name, "operator", pin=f"{1000 + h}",
                         display_name=f"拣货员 {h} Picker {h}", badge=f"BADGE-{h:05d}")
                tokens.append((name, create_token(session, name)))
            add_user(session, "bench-supervisor", "supervisor", pin="9999")
            tokens.append(("bench-supervisor", create_token(session, "bench-supervisor")))
    finally:
        db.dispose()
    return tokens


def _check(db_path: Path) -> tuple[int, int]:
    """The locations' empty flags set from the balances written; then verify_balances, the
    flags, reservations against open tasks, foreign keys; raises on any fault."""
    url = f"sqlite:///{db_path}"
    db = Database(url)
    try:
        with db.write() as session:
            set_empty_flags(session)
        with db.read() as session:
            differences = verify_balances(session)
            flags = verify_empty_flags(session)
        if differences:
            raise SystemExit(f"seeding failed: {len(differences)} balance(s) disagree with the "
                             f"ledger, first {differences[0]}")
        if flags:
            raise SystemExit(f"seeding failed: {len(flags)} location(s) flagged wrongly as "
                             f"empty or not, first {flags[0]}")
    finally:
        db.dispose()
    conn = sqlite3.connect(db_path)
    try:
        bad_reserved = conn.execute("""
            WITH open_tasks AS (
              SELECT t.location_id, t.item_id, t.lot_id,
                     SUM(t.qty - t.short - COALESCE((SELECT SUM(m.qty) FROM moves m
                         WHERE m.pick_task_id = t.id AND m.kind = 'pick'), 0)) AS units
              FROM pick_tasks t JOIN pick_lists l ON l.id = t.pick_list_id
              JOIN sales_orders o ON o.id = l.order_id
              WHERE o.status IN ('allocated', 'picking')
              GROUP BY t.location_id, t.item_id, t.lot_id)
            SELECT COUNT(*) FROM stock_balances b
            LEFT JOIN open_tasks o ON o.location_id = b.location_id AND o.item_id = b.item_id
                 AND o.lot_id = b.lot_id
            WHERE b.reserved != COALESCE(o.units, 0)""").fetchone()[0]
        if bad_reserved:
            raise SystemExit(f"seeding failed: {bad_reserved} balance(s) reserve other than "
                             "their open pick tasks")
        negative = conn.execute(
            "SELECT COUNT(*) FROM stock_balances WHERE qty < 0 OR reserved < 0 "
            "OR reserved > qty").fetchone()[0]
        if negative:
            raise SystemExit(f"seeding failed: {negative} negative balance(s)")
        fk = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
        if fk:
            raise SystemExit(f"seeding failed: foreign key violations, e.g. {fk}")
        balances = conn.execute("SELECT COUNT(*) FROM stock_balances").fetchone()[0]
        reserved = conn.execute("SELECT COALESCE(SUM(reserved), 0) FROM stock_balances"
                                ).fetchone()[0]
    finally:
        conn.close()
    return balances, reserved


def seed(spec: SeedSpec, db_path: Path, *, quiet: bool = False) -> SeedResult:
    """Create `db_path` from nothing and write its plan next to it."""
    started = time.perf_counter()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", ".plan.json"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    upgrade(url)
    tokens = _make_users(url, spec.work.handhelds)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.isolation_level = "DEFERRED"  # `with conn:` commits
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    user_ids = [row[0] for row in conn.execute(
        "SELECT id FROM users WHERE role = 'operator' ORDER BY id")]
    now = datetime.now(UTC).replace(microsecond=0)
    sim = Simulator(spec, conn, user_ids, now)
    with conn:
        sim.write_master_data()
    dock_moves = spec.work.handhelds * spec.work.dock_per_handheld
    history_target = max(spec.moves - dock_moves, 1000)
    sim.history(history_target, now - timedelta(days=365), now - timedelta(hours=3))
    history_moves = sim.move_id
    plan = sim.open_work(spec.work, now - timedelta(hours=3), tokens)
    sim.finish()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    written_through(db_path)  # written without syncs: on the disk before any measuring
    if not quiet:
        print(f"  checking: verify_balances over {sim.move_id:,} moves, reservations, "
              "foreign keys ...", flush=True)
    balances, reserved = _check(db_path)
    if not quiet:
        print(f"  ledger and balances agree ({balances:,} balance rows); reservations equal "
              f"the open pick tasks ({reserved:,} units); foreign keys clean", flush=True)
    plan_file = plan_path_for(db_path)
    plan.update({"spec": spec.as_dict(), "schema": schema_fingerprint(), "moves": sim.move_id,
                 "seeded_at": now.isoformat()})
    plan_file.write_text(json.dumps(plan, ensure_ascii=False))
    seconds = time.perf_counter() - started
    empty_bins = sum(1 for b in sim.bins if sim.bin_units[b] == 0)
    return SeedResult(
        db_path=db_path, plan_path=plan_file, moves=sim.move_id, history_moves=history_moves,
        open_work_moves=sim.move_id - history_moves, seconds=seconds,
        db_bytes=db_path.stat().st_size, balances=balances, lots=sim.lot_id,
        orders=sim.order_id, pick_tasks=sim.task_id, open_tasks=plan["open_tasks"],
        empty_bins=empty_bins,
    )


def describe(result: SeedResult) -> str:
    return (f"{result.moves:,} moves ({result.history_moves:,} history + "
            f"{result.open_work_moves:,} today's open work), {result.lots:,} lots, "
            f"{result.orders:,} sales orders, {result.pick_tasks:,} pick tasks "
            f"({result.open_tasks:,} open), {result.balances:,} balance rows, "
            f"{result.empty_bins:,} empty bins; {result.db_bytes / 2**20:,.0f} MiB; "
            f"seeded in {result.seconds:,.1f} s")

