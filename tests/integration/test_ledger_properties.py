"""Whatever a day on the floor throws at the ledger — receipts, moves, pick lists, picks,
short picks, packing, shipping, blind counts, transfers and scrap, in any order, each one
succeeding or refused — the books stay straight: no balance below zero, nothing reserved
that is not there, every balance equal to the ledger, and every unit accounted for.

A plain-Python model (tests/support/stock_model.py) keeps its own books of what succeeded,
predicts which operations must be refused and why, and is compared with the database after
every step. A refused operation must leave every table exactly as it was."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Select, String, Table, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from tests.support.stock_model import (
    BIN_CAPACITY,
    BINS,
    ITEMS,
    LOCATIONS,
    LOT_ITEM,
    SPECIAL,
    WAREHOUSES,
    CountModel,
    OrderModel,
    StockModel,
    TaskModel,
    TransferModel,
    capacity_of,
    lot_key,
    warehouse_of,
)
from wms.db import Database
from wms.errors import Conflict, InsufficientStock, Invalid, LocationFull, WmsError
from wms.ledger import verify_balances
from wms.models import (
    Base,
    Count,
    Customer,
    Item,
    Location,
    Lot,
    Move,
    PickTask,
    SalesOrder,
    StockBalance,
    Transfer,
    utcnow,
)
from wms.models import base as models_base
from wms.services.allocation import create_pick_list
from wms.services.counting import (
    Thresholds,
    approve_count,
    enter_count,
    start_count,
    submit_count,
    variances_of,
)
from wms.services.masterdata import upsert_item, upsert_location, upsert_partner
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_sales_order
from wms.services.picking import confirm_pick, report_short
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.scrap import scrap_stock
from wms.services.shipping import pack_order, ship_order
from wms.services.transfers import TransferLineInput, create_transfer, receive_transfer

SKUS = st.sampled_from(ITEMS)
LOTS = st.sampled_from([None, "L1", "L2"])
PLACES = st.sampled_from(LOCATIONS)
WHS = st.sampled_from(sorted(WAREHOUSES))
PICK = st.integers(0, 1000)  # which order, task, count or transfer (modulo how many)
AIM = st.one_of(st.none(), PICK, PICK, PICK)  # mostly: take from stock the model holds

T = TypeVar("T")

# No "explain" phase: tracing every line of SQLAlchemy makes it take minutes.
PLAY = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
# CI ("ci", the default) plays the same 25 days every run, well inside the test timeout, and
# reports a failing day as played: shrinking one can take longer than the timeout, and a
# shrink cut short ends in a confusing FlakyStrategyDefinition instead of the failure.
# "ci-shrink" plays the same days and shrinks a failure to its fewest steps (run it with
# --timeout=0); `make property` ("long") plays new days with random seeds and shrinks.
PROFILES = {
    "ci": settings(max_examples=25, stateful_step_count=40, derandomize=True, phases=PLAY),
    "ci-shrink": settings(max_examples=25, stateful_step_count=40, derandomize=True,
                          phases=[*PLAY, Phase.shrink]),
    "long": settings(max_examples=1000, stateful_step_count=60, derandomize=False,
                     phases=[*PLAY, Phase.shrink]),
}
SETTINGS = settings(
    PROFILES[os.environ.get("WMS_PROPERTY_PROFILE", "ci")], deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)

def fresh_site(db: Database) -> None:
    """Empty every table, then lay out two warehouses and three items (TEA has lots)."""
    with db.write() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())
        for code, (warehouse, kind, seq) in SPECIAL.items():
            upsert_location(s, code, {"warehouse": warehouse, "kind": kind, "walk_seq": seq},
                            None)
        for code, (warehouse, seq) in BINS.items():
            upsert_location(s, code, {"warehouse": warehouse, "zone": code[0],
                                      "kind": "storage", "capacity": BIN_CAPACITY,
                                      "walk_seq": seq}, None)
        for sku in ITEMS:
            upsert_item(s, sku, {"name": f"品 {sku}",
                                 "tracking": "lot" if sku == LOT_ITEM else "none"}, None)
        upsert_partner(s, Customer, "CUS-1", {"name": "客户一"}, None)


def _rows_as_text(table: Table) -> Select[Any]:
    text_of = [func.coalesce(cast(column, String), literal("~", String))
               for column in table.columns]
    row = text_of[0]
    for part in text_of[1:]:
        row = row + literal("|", String) + part
    return select(literal(table.name, String).label("t"), row.label("r"))


_EVERY_ROW: dict[str, str] = {}


def table_contents(db: Database) -> list[tuple[str, str]]:
    """Every row of every table as text, in one round trip (compiled once per dialect)."""
    if db.dialect not in _EVERY_ROW:
        everything = union_all(*(_rows_as_text(t) for t in Base.metadata.sorted_tables))
        _EVERY_ROW[db.dialect] = str(everything.compile(
            dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.read() as s:
        return sorted((t, r) for t, r in s.connection().exec_driver_sql(_EVERY_ROW[db.dialect]))


def drawn(session: Session, moves: list[Move]) -> list[tuple[str | None, int]]:
    """(lot, units) drawn by the moves in order, lots as the model names them (the model
    does not tell apart the receipt-day lots of an item without lots)."""
    result: list[tuple[str | None, int]] = []
    for move in moves:
        item, lot = session.get(Item, move.item_id), session.get(Lot, move.lot_id)
        assert item is not None and lot is not None
        name = lot_key(item.sku, lot.code)
        if result and result[-1][0] == name:
            result[-1] = (name, result[-1][1] + move.qty)
        else:
            result.append((name, move.qty))
    return result


def choose(records: list[T], which: int, fits: Callable[[T], bool]) -> T:
    """Mostly one of the records that fit (which picks), now and then any record at all, so
    the refusals get exercised too."""
    fitting = [r for r in records if fits(r)]
    pool = fitting if fitting and which % 5 else records
    return pool[which % len(pool)]


class FloorClock:
    """The time every record is stamped with during one played day: each reading a
    millisecond after the one before, on a fixed day. So the oldest lot is the one received
    first however fast the machine, and no day ends halfway (items without lots get one
    internal lot per receipt day, which the model does not tell apart)."""

    START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

    def __init__(self) -> None:
        self.at = self.START

    def restart(self) -> None:
        self.at = self.START

    def now(self, tz: tzinfo | None = None) -> datetime:
        self.at += timedelta(milliseconds=1)
        return self.at.astimezone(tz) if tz else self.at.replace(tzinfo=None)


class LedgerMachine(RuleBasedStateMachine):
    """Floor operations through the services, one transaction each, against a model."""

    db: Database
    clock: FloorClock

    def __init__(self) -> None:
        super().__init__()
        self.clock.restart()
        fresh_site(self.db)
        self.model = StockModel()
        self.orders_made = 0

    def attempt(self, expected: type[WmsError] | None,
                work: Callable[[Session], Any]) -> tuple[bool, Any]:
        """Run `work` in one write transaction; it must succeed or fail as the model says,
        and a failure must leave the database as it was."""
        before = table_contents(self.db)
        try:
            with self.db.write() as session:
                result = work(session)
        except WmsError as error:
            refused = f"refused with {type(error).__name__} ({error.message})"
            assert expected is not None, f"{refused}; the model expected success"
            assert type(error) is expected, f"{refused}; the model expected {expected.__name__}"
            assert table_contents(self.db) == before, f"{refused} but changed the database"
            return False, None
        assert expected is None, f"succeeded; the model expected {expected.__name__}"
        return True, result

    # -- goods in -----------------------------------------------------------------------

    @initialize(stock=st.lists(st.tuples(SKUS, st.sampled_from(sorted(BINS)),
                                         st.integers(1, 8), LOTS), min_size=1, max_size=5))
    def shelves_with_stock(self, stock: list[tuple[str, str, int, str | None]]) -> None:
        for sku, bin_, qty, lot in stock:
            dock = f"DOCK-{WAREHOUSES[warehouse_of(bin_)]}"
            self.receive_goods(warehouse_of(bin_), sku, qty, lot or "L1", "accept")
            self.move(sku, qty, dock, bin_, lot or "L1", None)

    @rule(warehouse=WHS, sku=SKUS, qty=st.integers(1, 8), lot=LOTS,
          disposition=st.sampled_from(["accept", "accept", "quarantine", "reject"]))
    def receive_goods(self, warehouse: str, sku: str, qty: int, lot: str | None,
                      disposition: str) -> None:
        n = WAREHOUSES[warehouse]
        line = ReceiptLineInput(sku, qty, lot, None, disposition,
                                None if disposition == "accept" else "damaged")
        expected = Invalid if sku == LOT_ITEM and not lot else None
        ok, _ = self.attempt(expected, lambda s: receive(
            s, location=f"DOCK-{n}", lines=[line], user_id=None))
        if ok:
            self.model.note_lot(sku, lot)
            if disposition != "reject":
                to = f"DOCK-{n}" if disposition == "accept" else f"QC-{n}"
                self.model.qty[(to, sku, lot_key(sku, lot))] += qty
                self.model.received += qty

    # -- moving stock around and out ----------------------------------------------------

    def _aim(self, aim: int | None, sku: str, location: str, lot: str | None
             ) -> tuple[str, str, str | None]:
        """Mostly take from somewhere that holds stock (aim is an index into what the model
        holds); otherwise from the drawn location. A drawn lot of None stays None (oldest
        first); any other drawn lot becomes the held lot."""
        held = sorted((k for k, q in self.model.qty.items()
                       if q > 0 and not k[0].startswith("TRANSIT-")), key=str)
        if aim is None or not held:
            return sku, location, lot
        location, sku, held_lot = held[aim % len(held)]
        return sku, location, held_lot if lot else None

    @rule(sku=SKUS, qty=st.integers(1, 6), source=PLACES, to=PLACES, lot=LOTS, aim=AIM)
    def move(self, sku: str, qty: int, source: str, to: str, lot: str | None,
             aim: int | None) -> None:
        m = self.model
        sku, source, lot = self._aim(aim, sku, source, lot)
        plan, expected = m.plan_take(source, sku, qty, lot)
        if source == to:
            expected = Invalid
        elif expected is None:
            expected = m.post_error(source, sku, plan, to)
        ok, taken = self.attempt(expected, lambda s: drawn(s, move_stock(
            s, sku=sku, qty=qty, from_code=source, to_code=to, lot=lot, user_id=None)))
        if ok:
            assert taken == plan, "not the oldest lots first"
            m.take(source, sku, plan, to)

    @rule(sku=SKUS, qty=st.integers(1, 4), location=PLACES, lot=LOTS, aim=AIM)
    def scrap(self, sku: str, qty: int, location: str, lot: str | None,
              aim: int | None) -> None:
        m = self.model
        sku, location, lot = self._aim(aim, sku, location, lot)
        plan, expected = m.plan_take(location, sku, qty, lot)
        expected = expected or m.post_error(location, sku, plan, None)
        ok, taken = self.attempt(expected, lambda s: drawn(s, scrap_stock(
            s, sku=sku, qty=qty, location=location, reason="broken", user_id=None, lot=lot)))
        if ok:
            assert taken == plan
            m.take(location, sku, plan, None)
            m.scrapped += qty

    @rule(sku=SKUS, qty=st.integers(1, 5), location=PLACES, lot=LOTS, aim=AIM,
          stray=st.booleans())
    def send_transfer(self, sku: str, qty: int, location: str, lot: str | None,
                      aim: int | None, stray: bool) -> None:
        m = self.model
        sku, location, lot = self._aim(aim, sku, location, lot)
        source = warehouse_of(location)
        destination = "WH2" if source == "WH1" else "WH1"
        if stray:  # the sender names the wrong warehouse
            source, destination = destination, source
        transit = f"TRANSIT-{destination}"
        plan, expected = m.plan_take(location, sku, qty, lot)
        if warehouse_of(location) != source:
            expected = Invalid
        elif expected is None:
            expected = m.post_error(location, sku, plan, transit, check_room=False)

        def work(s: Session) -> tuple[int, list[tuple[str | None, int]]]:
            transfer, moves = create_transfer(
                s, from_warehouse=source, to_warehouse=destination, user_id=None,
                lines=[TransferLineInput(sku, qty, location, lot)])
            return transfer.id, drawn(s, moves)

        ok, result = self.attempt(expected, work)
        if ok:
            transfer_id, taken = result
            assert taken == plan
            m.take(location, sku, plan, transit)
            m.transfers[transfer_id] = TransferModel(
                transfer_id, destination, [(sku, lot, n) for lot, n in plan])

    @precondition(lambda self: self.model.transfers)
    @rule(which=PICK, location=PLACES)
    def receive_transfer(self, which: int, location: str) -> None:
        m = self.model
        transfer = list(m.transfers.values())[which % len(m.transfers)]
        expected = None
        if transfer.status != "in_transit":
            expected = Conflict
        elif warehouse_of(location) != transfer.to_warehouse:
            expected = Invalid
        else:
            capacity, added = capacity_of(location), 0
            for sku, lot, n in transfer.lines:
                if capacity is not None and m.units_in(location) + added + n > capacity:
                    expected = LocationFull
                    break
                if m.free((transfer.transit, sku, lot)) < n:
                    expected = InsufficientStock
                    break
                added += n
        ok, _ = self.attempt(expected, lambda s: receive_transfer(
            s, transfer.id, location, None))
        if ok:
            for sku, lot, n in transfer.lines:
                m.qty[(transfer.transit, sku, lot)] -= n
                m.qty[(location, sku, lot)] += n
            transfer.status = "received"

    # -- orders: allocate, pick, short, pack, ship -------------------------------------

    @rule(warehouse=WHS, lines=st.dictionaries(SKUS, st.integers(1, 5), min_size=1,
                                                max_size=2), aim=AIM)
    def take_an_order_and_allocate_it(self, warehouse: str, lines: dict[str, int],
                                      aim: int | None) -> None:
        stocked = sorted((k for k, q in self.model.qty.items() if q > 0 and k[0] in BINS),
                         key=str)
        if aim is not None and stocked:  # mostly order what a bin of the warehouse holds
            location, sku, _ = stocked[aim % len(stocked)]
            first, *others = lines.items()
            warehouse = warehouse_of(location)
            lines = {sku: first[1], **{k: q for k, q in others if k != sku}}
        self.orders_made += 1
        number = f"SO-{self.orders_made}"
        self.attempt(None, lambda s: create_sales_order(
            s, number, "CUS-1", [OrderLineInput(sku, q) for sku, q in lines.items()], None,
            warehouse_code=warehouse))
        order = self.model.orders[number] = OrderModel(number, warehouse, dict(lines))
        self._allocate(order)

    def _order(self, which: int, *statuses: str) -> OrderModel:
        return choose(list(self.model.orders.values()), which,
                      lambda o: o.status in statuses)

    def _task(self, which: int) -> TaskModel:
        return choose(list(self.model.tasks.values()), which, lambda t: t.remaining > 0)

    @precondition(lambda self: self.model.orders)
    @rule(which=PICK)
    def allocate(self, which: int) -> None:
        self._allocate(self._order(which, "open", "allocated", "picking", "picked"))

    def _allocate(self, order: OrderModel) -> None:
        m = self.model
        plan, expected = m.allocation_plan(order)

        def work(s: Session) -> list[tuple[int, str, str, str | None, int]]:
            pick_list = create_pick_list(s, order.number, None).pick_list
            return [(t.id, t.location.code, t.item.sku, lot_key(t.item.sku, t.lot.code),
                     t.qty) for t in pick_list.tasks]

        ok, tasks = self.attempt(expected, work)
        if ok:
            assert sorted(t[1:] for t in tasks) == sorted(plan), "not what FIFO allocates"
            # In the model's own order, so which task a later draw names never depends on
            # the order the database lists them in.
            for task_id, location, sku, lot, qty in sorted(
                    tasks, key=lambda t: (t[1], t[2], t[3] or "", t[4])):
                task = TaskModel(task_id, order.number, sku, location, lot, qty)
                m.tasks[task_id] = task
                order.tasks.append(task)
                m.reserved[(location, sku, lot)] += qty
            order.status = {"open": "allocated", "picked": "picking"}.get(order.status,
                                                                          order.status)

    @precondition(lambda self: self.model.tasks)
    @rule(which=PICK, qty=st.sampled_from(["all", "all", 1, 2, 3]),
          scan=st.sampled_from(["right", "right", "right", "other bin", "other item"]))
    def confirm_a_pick(self, which: int, qty: int | str, scan: str) -> None:
        m, task = self.model, self._task(which)
        qty = max(task.remaining, 1) if qty == "all" else qty
        location = task.location
        if scan == "other bin":
            location = next(code for code in sorted(BINS) if code != task.location)
        sku = task.sku if scan != "other item" else next(i for i in ITEMS if i != task.sku)
        expected = m.pick_error(task, location, sku, qty)
        ok, _ = self.attempt(expected, lambda s: confirm_pick(
            s, task_id=task.id, location=location, sku=sku, qty=qty, user_id=None,
            lot=task.lot))
        if ok:
            m.pick(task, qty)

    @precondition(lambda self: self.model.tasks)
    @rule(which=PICK)
    def report_a_short_pick(self, which: int) -> None:
        m, task = self.model, self._task(which)
        order = m.orders[task.order]
        expected = None if order.status in ("allocated", "picking") and task.remaining > 0 \
            else Conflict
        ok, _ = self.attempt(expected, lambda s: report_short(s, task_id=task.id,
                                                              user_id=None))
        if ok:
            m.short(task)

    @precondition(lambda self: self.model.orders)
    @rule(which=PICK)
    def pack(self, which: int) -> None:
        order = self._order(which, "picked")
        expected = None if order.status in ("picked", "packed") else Conflict
        ok, _ = self.attempt(expected, lambda s: pack_order(s, order.number, None))
        if ok:
            order.status = "packed"

    @precondition(lambda self: self.model.orders)
    @rule(which=PICK)
    def ship(self, which: int) -> None:
        m, order = self.model, self._order(which, "picked", "packed")
        units, expected = m.shipment(order)
        ok, _ = self.attempt(expected, lambda s: ship_order(s, order.number, None))
        if ok:
            for key, n in units.items():
                m.qty[key] -= n
                m.reserved[key] = max(m.reserved[key] - n, 0)
            m.shipped += sum(units.values())
            order.status = "shipped"

    # -- blind counts ---------------------------------------------------------------------

    @rule(locations=st.lists(PLACES, min_size=1, max_size=2, unique=True))
    def start_a_count(self, locations: list[str]) -> None:
        ok, count_id = self.attempt(None, lambda s: start_count(s, locations, None).id)
        self.model.counts[count_id] = CountModel(count_id, list(locations))

    def _count(self, which: int, *statuses: str) -> CountModel:
        return choose(list(self.model.counts.values()), which, lambda c: c.status in statuses)

    @precondition(lambda self: self.model.counts)
    @rule(which=PICK, where=st.integers(0, 19), sku=SKUS, lot=LOTS, qty=st.integers(0, 14))
    def count_a_bin(self, which: int, where: int, sku: str, lot: str | None,
                    qty: int) -> None:
        m, count = self.model, self._count(which, "open", "recount")
        location = (count.locations[where % len(count.locations)] if where < 16
                    else LOCATIONS[where % len(LOCATIONS)])
        key, expected = m.count_entry(count, location, sku, lot)
        ok, _ = self.attempt(expected, lambda s: enter_count(
            s, count_id=count.id, location=location, sku=sku, qty=qty, user_id=None, lot=lot))
        if ok:
            assert key is not None
            m.note_lot(sku, key[2])
            m.note_entry(count, key, qty)

    @precondition(lambda self: self.model.counts)
    @rule(which=PICK)
    def submit_a_count(self, which: int) -> None:
        count = self._count(which, "open", "recount")
        expected = None if count.status in ("open", "recount") else Conflict

        def work(s: Session) -> list[tuple[str, str, str | None, int, int, bool]]:
            _, variances = submit_count(s, count.id, Thresholds(), None)
            return [(v.location, v.sku, v.lot, v.expected, v.counted, v.recount)
                    for v in variances]

        ok, variances = self.attempt(expected, work)
        if ok:
            assert variances == self.model.submit(count)

    @precondition(lambda self: self.model.counts)
    @rule(which=PICK)
    def approve_a_count(self, which: int) -> None:
        count = self._count(which, "submitted")
        expected = None if count.status == "submitted" else Conflict  # a recount comes first
        ok, _ = self.attempt(expected, lambda s: approve_count(s, count.id, None))
        if ok:
            self.model.approve(count)

    # -- after every step -------------------------------------------------------------------

    @invariant()
    def the_books_balance(self) -> None:
        m = self.model
        with self.db.read() as s:
            rows = s.execute(
                select(Location.code, Item.sku, Lot.code, StockBalance.qty,
                       StockBalance.reserved)
                .join(Location, Location.id == StockBalance.location_id)
                .join(Item, Item.id == StockBalance.item_id)
                .join(Lot, Lot.id == StockBalance.lot_id)
            ).all()
            differences = verify_balances(s)
            order_status = dict(s.execute(select(SalesOrder.number, SalesOrder.status)).all())
            tasks = {i: (q, short) for i, q, short in s.execute(
                select(PickTask.id, PickTask.qty, PickTask.short))}
            counts = {i: (status, r) for i, status, r in s.execute(
                select(Count.id, Count.status, Count.round))}
            transfers = dict(s.execute(select(Transfer.id, Transfer.status)).all())

        negative = [r for r in rows if not 0 <= r.reserved <= r.qty]
        assert not negative, f"balances below zero or over-reserved: {negative}"
        assert differences == []
        on_hand = sum(r.qty for r in rows)
        assert on_hand == m.received - m.shipped - m.scrapped + m.gained - m.lost, (
            f"{on_hand} on hand; received {m.received}, shipped {m.shipped}, scrapped "
            f"{m.scrapped}, counted in {m.gained}, counted out {m.lost}")
        balances: Counter[tuple[str, str, str | None]] = Counter()
        reserved: Counter[tuple[str, str, str | None]] = Counter()
        for code, sku, lot, qty, held in rows:
            balances[(code, sku, lot_key(sku, lot))] += qty
            reserved[(code, sku, lot_key(sku, lot))] += held
        found = {k: (balances[k], reserved[k]) for k in balances if balances[k] or reserved[k]}
        assert found == m.balances()
        assert order_status == {n: o.status for n, o in m.orders.items()}
        assert tasks == {t.id: (t.qty, t.short) for t in m.tasks.values()}
        assert counts == {c.id: (c.status, c.round) for c in m.counts.values()}
        assert transfers == {t.id: t.status for t in m.transfers.values()}


def floor_day(db: Database, monkeypatch: pytest.MonkeyPatch) -> type[LedgerMachine]:
    """The machine on this database, with the records' clock replaced by a FloorClock."""
    clock = FloorClock()
    monkeypatch.setattr(models_base, "datetime", clock)  # what utcnow() reads
    return type("FloorDay", (LedgerMachine,), {"db": db, "clock": clock})


def test_any_day_on_the_floor_keeps_every_unit_accounted_for(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_state_machine_as_test(floor_day(db, monkeypatch), settings=SETTINGS)


def test_the_floor_clock_stamps_every_record_on_one_day_in_order(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    floor_day(db, monkeypatch)
    first, second = utcnow(), utcnow()
    assert FloorClock.START < first < second < FloorClock.START + timedelta(seconds=1)


@pytest.fixture
def a_floor_day(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerMachine]:
    """The property test's machine, to walk one day by hand."""
    day = floor_day(db, monkeypatch)()
    yield day
    day.teardown()


def test_units_picked_into_a_packing_bin_after_it_was_counted_are_not_written_off(
    db: Database, a_floor_day: LedgerMachine,
) -> None:
    day = a_floor_day
    day.shelves_with_stock([("TEA", "C-01-01-01", 7, "L1")])
    day.start_a_count(["PACK-2"])
    day.count_a_bin(which=0, where=0, sku="BOX", lot=None, qty=0)  # PACK-2 holds nothing
    day.take_an_order_and_allocate_it("WH2", {"TEA": 3}, aim=None)
    day.confirm_a_pick(which=0, qty="all", scan="right")  # 3 × TEA L1 arrive in PACK-2
    day.submit_a_count(which=0)  # the service's variances are the model's
    day.approve_a_count(which=0)
    day.the_books_balance()
    with db.read() as s:
        count = s.scalars(select(Count)).one()
        found = [(v.location, v.sku, v.lot, v.expected, v.counted)
                 for v in variances_of(s, count, Thresholds())]
    assert found == [("PACK-2", "BOX", None, 0, 0)]
    assert day.model.qty[("PACK-2", "TEA", "L1")] == 3


def test_a_bin_counted_empty_is_a_variance_even_for_a_lot_in_a_packing_bin(
    db: Database, a_floor_day: LedgerMachine,
) -> None:
    day = a_floor_day
    day.shelves_with_stock([("TEA", "C-01-01-01", 7, "L1")])
    day.take_an_order_and_allocate_it("WH2", {"TEA": 3}, aim=None)
    day.confirm_a_pick(which=0, qty="all", scan="right")  # 3 × TEA L1 wait in PACK-2
    day.start_a_count(["PACK-2"])
    day.count_a_bin(which=0, where=0, sku="TEA", lot="L1", qty=0)  # the counter finds none
    day.submit_a_count(which=0)
    day.count_a_bin(which=0, where=0, sku="TEA", lot="L1", qty=0)  # and none on the recount
    day.submit_a_count(which=0)
    day.approve_a_count(which=0)
    day.the_books_balance()
    with db.read() as s:
        count = s.scalars(select(Count)).one()
        found = [(v.location, v.sku, v.lot, v.expected, v.counted)
                 for v in variances_of(s, count, Thresholds())]
    assert found == [("PACK-2", "TEA", "L1", 3, 0)]
    assert day.model.qty[("PACK-2", "TEA", "L1")] == 0
    assert day.model.lost == 3
