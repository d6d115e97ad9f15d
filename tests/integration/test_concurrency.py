"""Races on the stock ledger: many handhelds scanning at the same moment, each on its own
thread, HTTP client and database connection, against SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.builders import Builder
from tests.support.concurrency import run_together, watching
from tests.support.figures import tally
from tests.support.torture import size
from wms.db import Database
from wms.ledger import verify_balances, verify_empty_flags
from wms.models import (
    Customer,
    IdempotencyRecord,
    Item,
    Location,
    Lot,
    Move,
    PickList,
    PickTask,
    SalesOrder,
    StockBalance,
)
from wms.services.allocation import create_pick_list
from wms.services.masterdata import upsert_partner
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order

PICKERS = 32
LEFT_AFTER_COUNT = 10
# Seeded trials: a few in CI, many under `make torture` (WMS_RACE_TRIALS sets the number).
TRIALS = range(1, 1 + size("race_trials", ci=5, torture=100))
MOVE_TRIALS = range(7, 7 + size("race_trials", ci=1, torture=100))

Outcome = tuple[int, dict[str, Any]]


def balance(db: Database, location: str, sku: str) -> tuple[int, int]:
    """(units, reserved) of an item in a location, over all its lots."""
    with db.read() as s:
        qty, reserved = s.execute(
            select(func.coalesce(func.sum(StockBalance.qty), 0),
                   func.coalesce(func.sum(StockBalance.reserved), 0))
            .join(Location, Location.id == StockBalance.location_id)
            .join(Item, Item.id == StockBalance.item_id)
            .where(Location.code == location, Item.sku == sku)
        ).one()
    return int(qty), int(reserved)


def lowest_balance(session: Session) -> tuple[int, int]:
    """The smallest units and the smallest unreserved units of any balance row."""
    qty, free = session.execute(
        select(func.min(StockBalance.qty), func.min(StockBalance.qty - StockBalance.reserved))
    ).one()
    return int(qty or 0), int(free or 0)


def poster(app: Any, token: str, path: str, body: Any, key: str) -> Callable[[], Outcome]:
    """A handheld of its own: a fresh test client that sends one scan when called."""

    def send() -> Outcome:
        client = app.test_client()
        response = client.post(f"/api/v1{path}", json=body, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": key})
        return response.status_code, response.get_json()

    return send


def error_codes(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(body["error"]["code"] for status, body in outcomes if status >= 400)


def one_unit_orders(db: Database, count: int, sku: str) -> list[str]:
    numbers = [f"SO-{i:03d}" for i in range(1, count + 1)]
    with db.write() as s:
        upsert_partner(s, Customer, "CUS-1", {"name": "客户一"}, None)
        for number in numbers:
            create_sales_order(s, number, "CUS-1", [OrderLineInput(sku, 1)], None)
    return numbers


@pytest.mark.parametrize("seed", TRIALS)
def test_when_32_pickers_confirm_at_once_only_the_10_units_left_after_a_count_are_picked(
    app: Any, api_as: Any, build: Builder, db: Database, database_url: str, seed: int
) -> None:
    bin_ = build.warehouse("WH1", bins=2)[0]
    build.item("CUP", name="茶杯")
    build.stock("CUP", bin_, PICKERS)
    numbers = one_unit_orders(db, PICKERS, "CUP")
    with db.write() as s:
        task_of = {n: create_pick_list(s, n, None).pick_list.tasks[0].id for n in numbers}
    assert balance(db, bin_, "CUP") == (PICKERS, PICKERS)

    boss = api_as("supervisor")
    count_id = boss.post("/counts", {"locations": [bin_]}).get_json()["id"]
    statuses = []
    for _ in range(2):  # 22 missing is over the threshold: counted again, then it stands
        entry = {"location": bin_, "sku": "CUP", "qty": LEFT_AFTER_COUNT}
        assert boss.post(f"/counts/{count_id}/entries", entry).status_code == 201
        statuses.append(boss.post(f"/counts/{count_id}/submit").get_json()["status"])
    assert statuses == ["recount", "submitted"]
    assert boss.post(f"/counts/{count_id}/approve").status_code == 200
    assert balance(db, bin_, "CUP") == (LEFT_AFTER_COUNT, LEFT_AFTER_COUNT)

    token = build.user("picker", "operator")
    scans = {n: poster(app, token, f"/pick-tasks/{task}/confirm",
                       {"location": bin_, "sku": "CUP", "qty": 1}, f"scan-{task}")
             for n, task in task_of.items()}
    with watching(database_url, lowest_balance) as lows:
        outcomes = dict(zip(scans, run_together(list(scans.values()), seed=seed),
                            strict=True))

    picked = sorted(n for n, (status, _) in outcomes.items() if status == 200)
    tally(f"32 pickers over 10 units [{db.dialect}]", trials=1, pickers=PICKERS,
          winners=len(picked), trials_not_10=int(len(picked) != LEFT_AFTER_COUNT))
    assert len(picked) == LEFT_AFTER_COUNT, Counter(s for s, _ in outcomes.values())
    assert error_codes(list(outcomes.values())) == {
        "insufficient_stock": PICKERS - LEFT_AFTER_COUNT}
    assert all(body["order_status"] == "picked" and body["remaining"] == 0
               for status, body in outcomes.values() if status == 200)
    assert min(q for q, _ in lows) >= 0 and min(f for _, f in lows) >= 0
    assert balance(db, bin_, "CUP") == (0, 0)
    # picked units wait at packing reserved for their orders
    assert balance(db, "PACK-1", "CUP") == (LEFT_AFTER_COUNT, LEFT_AFTER_COUNT)
    with db.read() as s:
        assert verify_balances(s) == []
        status_of = dict(s.execute(select(SalesOrder.number, SalesOrder.status)).all())
        assert {n for n, st in status_of.items() if st == "picked"} == set(picked)
        assert {n for n, st in status_of.items() if st == "allocated"} == set(numbers) - set(
            picked)
        pick_tasks = s.scalars(select(Move.pick_task_id).where(Move.kind == "pick")).all()
        assert sorted(pick_tasks) == sorted(task_of[n] for n in picked)
        keys = set(s.scalars(select(IdempotencyRecord.key)))
        assert keys == {f"scan-{task_of[n]}" for n in picked}
        assert s.scalar(select(func.sum(PickTask.short))) == 0

    # A winner's retry on flaky Wi-Fi gets its answer back and moves nothing again.
    status, body = scans[picked[0]]()
    assert (status, body) == outcomes[picked[0]]
    # picked units wait at packing reserved for their orders
    assert balance(db, "PACK-1", "CUP") == (LEFT_AFTER_COUNT, LEFT_AFTER_COUNT)


@pytest.mark.parametrize("seed", MOVE_TRIALS)
def test_32_moves_of_one_unit_out_of_a_bin_of_10_move_exactly_10(
    app: Any, build: Builder, db: Database, database_url: str, seed: int
) -> None:
    # Bins without a capacity: no lock on the destination serialises the moves for us.
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP")
    build.stock("CUP", source, 10)
    token = build.user("mover", "operator")
    moves = [poster(app, token, "/moves", {"sku": "CUP", "qty": 1, "from": source,
                                           "to": target}, f"move-{i}")
             for i in range(PICKERS)]

    with watching(database_url, lowest_balance) as lows:
        outcomes = run_together(moves, seed=seed)

    winners = sum(1 for status, _ in outcomes if status == 201)
    tally(f"32 moves out of 10 units [{db.dialect}]", trials=1, movers=PICKERS,
          winners=winners, trials_not_10=int(winners != 10))
    assert Counter(status for status, _ in outcomes) == {201: 10, 409: PICKERS - 10}
    assert error_codes(outcomes) == {"insufficient_stock": PICKERS - 10}
    assert min(q for q, _ in lows) >= 0 and min(f for _, f in lows) >= 0
    assert balance(db, source, "CUP") == (0, 0)
    assert balance(db, target, "CUP") == (10, 0)
    with db.read() as s:
        assert verify_balances(s) == []
        assert s.scalar(select(func.count()).where(Move.kind == "move")) == 10
        assert verify_empty_flags(s) == []


EMPTYING_MOVERS = 8


@pytest.mark.parametrize("seed", TRIALS)
def test_moves_taking_a_bins_last_items_at_once_leave_it_flagged_empty(
    app: Any, build: Builder, db: Database, seed: int
) -> None:
    """Eight items in one bin, a unit each, and eight handhelds each taking one of them out
    at the same moment: whichever commits last must see the others' balances gone and flag
    the bin empty (the search for empty bins reads the flag)."""
    bins = build.warehouse("WH1", bins=1 + EMPTYING_MOVERS, capacity=None)
    source, targets = bins[0], bins[1:]
    skus = [f"ITEM-{i}" for i in range(EMPTYING_MOVERS)]
    for sku in skus:
        build.item(sku)
        build.stock(sku, source, 1)
    token = build.user("mover", "operator")
    moves = [poster(app, token, "/moves", {"sku": sku, "qty": 1, "from": source, "to": to},
                    f"empty-{sku}") for sku, to in zip(skus, targets, strict=True)]

    outcomes = run_together(moves, seed=seed)

    assert [status for status, _ in outcomes] == [201] * EMPTYING_MOVERS
    with db.read() as s:
        assert verify_balances(s) == []
        assert verify_empty_flags(s) == []
        assert s.scalar(select(Location.empty).where(Location.code == source)) is True


def test_20_orders_allocated_at_once_against_10_units_reserve_exactly_10(
    app: Any, build: Builder, db: Database, database_url: str
) -> None:
    bin_ = build.warehouse("WH1", bins=2)[0]
    build.item("CUP")
    build.stock("CUP", bin_, 10)
    numbers = one_unit_orders(db, 20, "CUP")
    token = build.user("planner", "operator")
    allocations = [poster(app, token, f"/sales-orders/{n}/pick-list", None, f"alloc-{n}")
                   for n in numbers]

    with watching(database_url, lowest_balance) as lows:
        outcomes = dict(zip(numbers, run_together(allocations, seed=11), strict=True))

    allocated = {n for n, (status, _) in outcomes.items() if status == 201}
    assert len(allocated) == 10, Counter(status for status, _ in outcomes.values())
    assert error_codes(list(outcomes.values())) == {"insufficient_stock": 10}
    assert min(f for _, f in lows) >= 0, "more was reserved than was on hand"
    assert balance(db, bin_, "CUP") == (10, 10)
    with db.read() as s:
        tasks = s.execute(
            select(SalesOrder.number, func.count(PickTask.id), func.sum(PickTask.qty))
            .join(PickList, PickList.order_id == SalesOrder.id)
            .join(PickTask, PickTask.pick_list_id == PickList.id)
            .group_by(SalesOrder.number)
        ).all()
        assert {n: (int(c), int(q)) for n, c, q in tasks} == {n: (1, 1) for n in allocated}
        status_of = dict(s.execute(select(SalesOrder.number, SalesOrder.status)).all())
        assert status_of == {n: "allocated" if n in allocated else "open" for n in numbers}
        assert verify_balances(s) == []


def units_in(code: str) -> Callable[[Session], int]:
    def probe(session: Session) -> int:
        return int(session.scalar(
            select(func.coalesce(func.sum(StockBalance.qty), 0))
            .join(Location, Location.id == StockBalance.location_id)
            .where(Location.code == code)
        ) or 0)

    return probe


def test_moves_racing_into_a_bin_with_room_for_10_never_fill_it_beyond_10(
    app: Any, build: Builder, db: Database, database_url: str
) -> None:
    build.warehouse("WH1", bins=1)
    build.location("B-01-01-01", warehouse="WH1", zone="B", kind="storage", capacity=10,
                   walk_seq=20)
    build.item("CUP")
    build.item("BOX")
    build.stock("CUP", "DOCK-1", 60)
    build.stock("BOX", "A-01-01-01", 60)
    rng = random.Random(3)
    wanted = [rng.randint(1, 3) for _ in range(PICKERS)]
    token = build.user("mover", "operator")
    moves = [poster(app, token, "/moves", {"sku": "CUP" if i % 2 else "BOX", "qty": qty,
                                           "from": "DOCK-1" if i % 2 else "A-01-01-01",
                                           "to": "B-01-01-01"}, f"move-{i}")
             for i, qty in enumerate(wanted)]

    with watching(database_url, units_in("B-01-01-01")) as fill:
        outcomes = run_together(moves, seed=5)

    accepted = [qty for qty, (status, _) in zip(wanted, outcomes, strict=True)
                if status == 201]
    refused = [qty for qty, (status, _) in zip(wanted, outcomes, strict=True)
               if status != 201]
    assert max(fill) <= 10, f"the bin held {max(fill)} units"
    assert fill[-1] == sum(accepted) <= 10
    assert error_codes(outcomes) == {"location_full": len(refused)}
    # Room only shrinks, so every refused move must still not fit at the end.
    assert refused and all(qty > 10 - fill[-1] for qty in refused), (fill[-1], refused)
    with db.read() as s:
        assert verify_balances(s) == []


def test_receipts_of_one_new_lot_against_one_order_at_once_all_go_into_that_one_lot(
    app: Any, build: Builder, db: Database
) -> None:
    build.warehouse("WH1", bins=1)
    build.item("TEA", tracking="lot")
    build.supplier("SUP-1")
    receivers = 8
    with db.write() as s:
        create_purchase_order(s, "PO-1", "SUP-1", [OrderLineInput("TEA", receivers)], None)
    token = build.user("receiver", "operator")
    receipts = [poster(app, token, "/receipts", {
        "location": "DOCK-1", "purchase_order": "PO-1",
        "lines": [{"sku": "TEA", "qty": 1, "lot": "L-NEW"}]}, f"receipt-{i}")
        for i in range(receivers)]

    outcomes = run_together(receipts, seed=11)

    assert [status for status, _ in outcomes] == [201] * receivers, error_codes(outcomes)
    assert balance(db, "DOCK-1", "TEA") == (receivers, 0)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Lot)) == 1
        assert verify_balances(s) == []
