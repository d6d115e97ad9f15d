"""Moving-average cost (移动加权平均): every receipt re-averages the item's cost, every unit
that leaves goes at the current average, and a customer's return comes back at the cost at
which it left; the stock's value always equals the units' costs."""

from __future__ import annotations

import shutil
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees
from tests.support.concurrency import run_together
from wms.db import Database
from wms.models import Item, Location, Move, StockBalance
from wms.services.allocation import create_pick_list
from wms.services.counting import Thresholds, approve_count, enter_count, start_count, submit_count
from wms.services.masterdata import upsert_item, upsert_location, upsert_partner
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.returns import CustomerReturnLine, receive_customer_return
from wms.services.scrap import scrap_stock
from wms.services.shipping import ship_order

CENT = Decimal("0.01")
BIN = "A-01-01-01"


class Books:
    """Buys, sells, scraps and takes back one item through the services, each step in its
    own transaction, as the office and the floor would."""

    def __init__(self, db: Database, sku: str = "TEA") -> None:
        self.db, self.sku, self.orders = db, sku, 0

    def buy(self, qty: int, price: str) -> None:
        self.orders += 1
        number = f"PO-{self.sku}-{self.orders}"
        with self.db.write() as s:
            create_purchase_order(s, number, "SUP-1",
                                  [OrderLineInput(self.sku, qty, Decimal(price))], None)
        with self.db.write() as s:
            receive(s, location="DOCK-1", purchase_order=number, user_id=None,
                    lines=[ReceiptLineInput(self.sku, qty)])
        self.shelve()

    def shelve(self) -> None:
        """Put away whatever waits at the dock."""
        with self.db.write() as s:
            waiting = s.scalar(select(func.sum(StockBalance.qty))
                               .join(Item, Item.id == StockBalance.item_id)
                               .join(Location, Location.id == StockBalance.location_id)
                               .where(Item.sku == self.sku, Location.code == "DOCK-1"))
            if waiting:
                move_stock(s, sku=self.sku, qty=int(waiting), from_code="DOCK-1",
                           to_code=BIN, lot=None, user_id=None)

    def sell(self, qty: int) -> str:
        self.orders += 1
        number = f"SO-{self.sku}-{self.orders}"
        with self.db.write() as s:
            create_sales_order(s, number, "CUS-1", [OrderLineInput(self.sku, qty)], None)
        with self.db.write() as s:
            for task in create_pick_list(s, number, None).pick_list.tasks:
                confirm_pick(s, task_id=task.id, location=task.location.code, sku=self.sku,
                             qty=task.qty, user_id=None)
        with self.db.write() as s:
            ship_order(s, number, None)
        return number

    def scrap(self, qty: int) -> None:
        with self.db.write() as s:
            scrap_stock(s, sku=self.sku, qty=qty, location=BIN, reason="damaged",
                        user_id=None)

    def take_back(self, order: str, qty: int, disposition: str = "restock") -> None:
        with self.db.write() as s:
            receive_customer_return(
                s, customer="CUS-1", sales_order=order, location="DOCK-1", user_id=None,
                lines=[CustomerReturnLine(self.sku, qty, disposition, "unwanted")])
        self.shelve()

    def average(self) -> Decimal | None:
        with self.db.read() as s:
            return s.scalar(select(Item.avg_cost).where(Item.sku == self.sku))

    def on_hand(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.coalesce(func.sum(StockBalance.qty), 0))
                                .join(Item, Item.id == StockBalance.item_id)
                                .where(Item.sku == self.sku)) or 0)

    def cost_of(self, kind: str, reference: str | None = None) -> Decimal:
        """Sum of unit cost x units of the item's moves of this kind."""
        with self.db.read() as s:
            stmt = (select(Move.qty, Move.unit_cost).join(Item, Item.id == Move.item_id)
                    .where(Item.sku == self.sku, Move.kind == kind))
            if reference is not None:
                stmt = stmt.where(Move.reference == reference)
            return sum((q * c for q, c in s.execute(stmt)), Decimal(0))

    def book_value(self) -> Decimal:
        """The units' costs: what came in less what left, each at its move's unit cost."""
        with self.db.read() as s:
            rows = s.execute(
                select(Move.qty, Move.unit_cost, Move.from_location_id, Move.to_location_id)
                .join(Item, Item.id == Move.item_id).where(Item.sku == self.sku))
            total = Decimal(0)
            for qty, unit_cost, source, target in rows:
                if source is None:
                    total += qty * unit_cost
                elif target is None:
                    total -= qty * unit_cost
            return total


def a_shop(db: Database, sku: str = "TEA") -> Books:
    with db.write() as s:
        for code, kind in (("DOCK-1", "dock"), ("PACK-1", "packing"), ("QC-1", "quarantine"),
                           (BIN, "storage")):
            upsert_location(s, code, {"warehouse": "WH1", "kind": kind}, None)
        upsert_partner_once(s)
        upsert_item(s, sku, {"name": "龙井茶", "unit_cost": Decimal("1.00")}, None)
    return Books(db, sku)


def upsert_partner_once(s: Any) -> None:
    from wms.models import Customer, Supplier

    upsert_partner(s, Supplier, "SUP-1", {"name": "供应商一"}, None)
    upsert_partner(s, Customer, "CUS-1", {"name": "客户一"}, None)


def test_receiving_10_at_2_and_10_at_4_makes_the_average_3(db: Database) -> None:
    books = a_shop(db)
    books.buy(10, "2.00")
    assert books.average() == Decimal("2.0000")
    books.buy(10, "4.00")
    assert books.average() == Decimal("3.0000")
    assert books.cost_of("receive") == Decimal("60.00")


def test_shipping_5_costs_15_and_a_customer_return_of_1_comes_back_at_3(db: Database) -> None:
    books = a_shop(db)
    books.buy(10, "2.00")
    books.buy(10, "4.00")
    order = books.sell(5)
    assert books.cost_of("ship", order) == Decimal("15.00")
    books.buy(5, "8.00")  # the average moves on: (15 x 3 + 5 x 8) / 20 = 4.25
    assert books.average() == Decimal("4.2500")
    books.take_back(order, 1)
    assert books.cost_of("customer_return") == Decimal("3.00")
    # 85.00 + 3.00 over 21 units
    assert books.average() == Decimal("4.1905")
    assert books.on_hand() == 21
    assert_ledger_agrees(db)


def test_a_receipt_without_a_price_enters_at_the_average_and_leaves_it_unchanged(
        db: Database) -> None:
    books = a_shop(db)
    books.buy(10, "2.50")
    with db.write() as s:
        moves = receive(s, location="DOCK-1", user_id=None,
                        lines=[ReceiptLineInput("TEA", 4)]).moves
    assert moves[0].unit_cost == Decimal("2.5000")
    assert books.average() == Decimal("2.5000")


def test_an_item_never_received_leaves_at_its_standard_cost(db: Database) -> None:
    books = a_shop(db)
    with db.write() as s:
        receive(s, location="DOCK-1", user_id=None, lines=[ReceiptLineInput("TEA", 3)])
    books.shelve()
    books.scrap(1)
    assert books.cost_of("scrap") == Decimal("1.00")
    assert books.average() == Decimal("1.0000")


def test_a_counts_gains_and_losses_go_at_each_items_average_read_once_for_the_count(
        db: Database) -> None:
    """An approval of many lines reads the items' costs in one statement, not one per line,
    and each adjustment still goes at its item's average (the standard cost for an item
    never received, which becomes its average)."""
    shop = {sku: a_shop(db, sku) for sku in ("TEA", "RICE", "OIL")}
    shop["TEA"].buy(10, "2.00")
    shop["RICE"].buy(10, "3.00")
    shop["RICE"].buy(10, "5.00")  # 4.00
    with db.write() as s:
        upsert_item(s, "SALT", {"name": "盐", "unit_cost": Decimal("0.70")}, None)
    found = {"TEA": 7, "RICE": 23, "OIL": 0, "SALT": 2}  # 3 short, 3 over, nothing, 2 found
    with db.write() as s:
        count_id = start_count(s, [BIN], None).id
        for sku, qty in found.items():
            enter_count(s, count_id=count_id, location=BIN, sku=sku, qty=qty, user_id=None)
        submit_count(s, count_id, Thresholds(pct=100.0, units=1000), None)

    cost_reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The costs alone (not an item's whole record, which a lot's first receipt loads).
        if statement.lstrip().startswith("SELECT") and "avg_cost" in statement \
                and "items.sku" not in statement:
            cost_reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.write() as s:
            approve_count(s, count_id, None)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(cost_reads) == 1, cost_reads
    assert shop["TEA"].cost_of("adjust") == Decimal("6.00")  # 3 lost at 2.00
    assert shop["RICE"].cost_of("adjust") == Decimal("12.00")  # 3 found at 4.00
    assert shop["RICE"].average() == Decimal("4.0000")
    assert Books(db, "SALT").cost_of("adjust") == Decimal("1.40")
    assert Books(db, "SALT").average() == Decimal("0.7000")
    assert shop["OIL"].average() is None  # nothing of it moved
    assert_ledger_agrees(db)


def test_scrapped_returns_come_in_at_their_cost_and_leave_at_the_new_average(
        db: Database) -> None:
    books = a_shop(db)
    books.buy(10, "2.00")
    order = books.sell(4)
    books.buy(6, "6.00")  # (6 x 2 + 6 x 6) / 12 = 4.00
    books.take_back(order, 2, "scrap")  # in at 2.00: (12 x 4 + 2 x 2) / 14 = 3.7143
    assert books.cost_of("customer_return") == Decimal("4.00")
    assert books.cost_of("scrap") == Decimal("2") * Decimal("3.7143")
    assert books.on_hand() == 12
    assert abs(books.on_hand() * books.average() - books.book_value()) <= CENT  # type: ignore[operator]


# ---------------------------------------------------------------- any sequence


STEPS = st.lists(st.one_of(
    st.tuples(st.just("buy"), st.integers(1, 40),
              st.decimals(Decimal("0.01"), Decimal("99.99"), places=2)),
    st.tuples(st.just("sell"), st.integers(1, 30), st.none()),
    st.tuples(st.just("scrap"), st.integers(1, 10), st.none()),
    st.tuples(st.just("return"), st.integers(1, 10), st.none()),
), min_size=1, max_size=12)


@pytest.fixture
def fresh_sqlite(sqlite_template: Path, tmp_path: Path) -> Any:
    """A new empty database per call (per hypothesis example)."""

    def make() -> Database:
        path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
        shutil.copy(sqlite_template, path)
        return Database(f"sqlite:///{path}")

    return make


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
def test_the_stock_value_always_equals_the_units_costs(fresh_sqlite: Any,
                                                       steps: list[Any]) -> None:
    db = fresh_sqlite()
    try:
        books = a_shop(db)
        shipped: list[tuple[str, int]] = []  # orders with units that may still come back
        rounding = Decimal(0)  # what rounding the average to 4 places may leave behind
        for action, qty, price in steps:
            on_hand = books.on_hand()
            if action == "buy":
                books.buy(qty, str(price))
                rounding += (on_hand + qty) * Decimal("0.00005")
            elif action == "sell" and on_hand >= qty:
                shipped.append((books.sell(qty), qty))
            elif action == "scrap" and on_hand >= qty:
                books.scrap(qty)
            elif action == "return" and shipped:
                order, left = shipped.pop()
                back = min(qty, left)
                books.take_back(order, back)
                rounding += (on_hand + back) * Decimal("0.00005")
                if left > back:
                    shipped.append((order, left - back))
            average = books.average()
            value = books.on_hand() * (average or Decimal(0))
            assert average is None or (average.is_finite() and average >= 0)
            assert value >= 0
            assert abs(value - books.book_value()) <= rounding + Decimal("1e-8"), steps
    finally:
        db.dispose()


def test_the_stock_value_equals_the_units_costs_on_both_engines(
        db: Database, build: Builder) -> None:
    books = a_shop(db)
    books.buy(7, "3.33")
    first = books.sell(3)
    books.buy(11, "1.07")
    books.scrap(2)
    books.take_back(first, 2, "quarantine")
    books.sell(5)
    books.buy(1, "99.99")
    value = books.on_hand() * books.average()  # type: ignore[operator]
    assert abs(value - books.book_value()) <= CENT
    assert_ledger_agrees(db)


def test_receipts_at_once_at_different_prices_lose_no_update_of_the_average(
        app: Any, build: Builder, db: Database) -> None:
    """Eight receipts of 10 units at 1.00 to 8.00 at the same moment: whatever their order,
    the average ends at 4.50 (each receipt re-averages what the one before it left)."""
    build.warehouse("WH1", bins=1)
    build.item("TEA")
    build.supplier("SUP-1")
    with db.write() as s:
        for price in range(1, 9):
            create_purchase_order(s, f"PO-{price}", "SUP-1",
                                  [OrderLineInput("TEA", 10, Decimal(price))], None)
    token = build.user("receiver", "operator")

    def receipt(price: int) -> Any:
        def send() -> Any:
            response = app.test_client().post("/api/v1/receipts", json={
                "location": "DOCK-1", "purchase_order": f"PO-{price}",
                "lines": [{"sku": "TEA", "qty": 10}]}, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": f"r-{price}"})
            return response.status_code, response.get_json()
        return send

    outcomes = run_together([receipt(p) for p in range(1, 9)], seed=5)
    assert [status for status, _ in outcomes] == [201] * 8, outcomes
    books = Books(db)
    assert books.on_hand() == 80
    assert abs(books.average() - Decimal("4.5")) <= Decimal("0.0005")  # type: ignore[operator]
    assert books.book_value() == Decimal("360")


def test_an_item_answers_its_average_cost_and_stock_value(api: Any, db: Database) -> None:
    books = a_shop(db)
    # before the first receipt the standard cost stands in
    assert api.get("/items/TEA").get_json()["avg_cost"] == "1.00"
    books.buy(10, "2.00")
    books.buy(10, "4.00")
    item = api.get("/items/TEA").get_json()
    assert (item["on_hand"], item["avg_cost"], item["stock_value"]) == (20, "3.00", "60.00")
