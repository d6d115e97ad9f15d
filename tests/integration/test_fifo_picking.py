"""Picking through API v1: oldest lot first (FIFO), earliest expiry first (FEFO), shortages,
reservations, scan checks, short picks and the order status from open to shipped."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code
from wms.db import Database
from wms.models import utcnow


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["lot"]): r["qty"] for r in rows}


def reserved_of(api: Any, **query: Any) -> dict[tuple[str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["lot"]): r["reserved"] for r in rows}


def tasks_of(pick_list: dict[str, Any]) -> list[tuple[int, str, str, str | None, int]]:
    return [(t["seq"], t["location"], t["sku"], t["lot"], t["qty"]) for t in pick_list["tasks"]]


def order_of(api: Any, number: str) -> dict[str, Any]:
    r = api.get(f"/sales-orders/{number}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def pick_list_for(api: Any, number: str) -> dict[str, Any]:
    r = api.post(f"/sales-orders/{number}/pick-list")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def confirm(api: Any, task: dict[str, Any], **overrides: Any) -> Any:
    body = {"location": task["location"], "sku": task["sku"], "qty": task["qty"],
            "lot": task["lot"]}
    body.update(overrides)
    return api.post(f"/pick-tasks/{task['id']}/confirm", body)




def ledger_kinds(api: Any) -> list[str]:
    return [m["kind"] for m in api.get("/ledger", limit=200).get_json()]




def receive_untracked_days_ago(monkeypatch: pytest.MonkeyPatch, build: Builder, sku: str,
                               location: str, qty: int, days_ago: int) -> None:
    """Receive an untracked item as if it came in `days_ago` days ago, then put it away."""
    when = utcnow() - timedelta(days=days_ago)
    with monkeypatch.context() as m:
        m.setattr("wms.services.receiving.utcnow", lambda: when)
        build.stock(sku, location, qty)


@pytest.fixture
def tea_in_three_lots(build: Builder) -> list[str]:
    """TEA in three lots: the oldest in the last bin, the middle one in the first bin."""
    bins = build.warehouse("WH1", bins=4)
    build.item("TEA", name="龙井茶", tracking="lot", barcodes=["6901234567892"])
    build.stock("TEA", bins[2], 10, lot="L-OLD", days_old=30)
    build.stock("TEA", bins[0], 10, lot="L-MID", days_old=20)
    build.stock("TEA", bins[1], 10, lot="L-NEW", days_old=10)
    return bins


def test_picking_takes_the_oldest_lot_first_then_the_next_in_walking_order(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.sales_order("SO-1", [("TEA", 15)])

    pick_list = pick_list_for(api, "SO-1")

    # FIFO decides what is taken (all of L-OLD, 5 of L-MID); the walk decides the order.
    assert tasks_of(pick_list) == [
        (1, bins[0], "TEA", "L-MID", 5),
        (2, bins[2], "TEA", "L-OLD", 10),
    ]
    assert pick_list["shortages"] == []
    assert reserved_of(api, sku="TEA") == {
        (bins[0], "L-MID"): 5, (bins[1], "L-NEW"): 0, (bins[2], "L-OLD"): 10}
    assert order_of(api, "SO-1")["status"] == "allocated"
    assert_ledger_agrees(db)


def test_an_expiry_item_is_picked_from_the_lot_that_expires_first_even_if_newer(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=3)
    build.item("MILK", name="牛奶", tracking="lot", expiry=True)
    today = date.today()
    build.stock("MILK", bins[0], 8, lot="M-OLD", days_old=40,
                expiry=today + timedelta(days=200))
    build.stock("MILK", bins[1], 8, lot="M-NEW", days_old=5,
                expiry=today + timedelta(days=20))
    build.stock("MILK", bins[2], 8, lot="M-MID", days_old=20,
                expiry=today + timedelta(days=60))
    build.sales_order("SO-1", [("MILK", 12)])

    pick_list = pick_list_for(api, "SO-1")

    assert tasks_of(pick_list) == [
        (1, bins[1], "MILK", "M-NEW", 8),
        (2, bins[2], "MILK", "M-MID", 4),
    ]
    assert_ledger_agrees(db)


def test_an_untracked_item_is_picked_by_receipt_day_oldest_first(
    api: Any, build: Builder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    bins = build.warehouse("WH1", bins=3)
    build.item("CUP", name="茶杯")
    receive_untracked_days_ago(monkeypatch, build, "CUP", bins[0], 6, days_ago=2)
    receive_untracked_days_ago(monkeypatch, build, "CUP", bins[1], 6, days_ago=9)
    receive_untracked_days_ago(monkeypatch, build, "CUP", bins[2], 6, days_ago=5)
    build.sales_order("SO-1", [("CUP", 8)])

    pick_list = pick_list_for(api, "SO-1")

    # Received 9 days ago (bins[1]) first, then 5 days ago (bins[2]); bins[0] is untouched.
    assert tasks_of(pick_list) == [
        (1, bins[1], "CUP", None, 6),
        (2, bins[2], "CUP", None, 2),
    ]
    assert reserved_of(api, sku="CUP") == {(bins[0], None): 0, (bins[1], None): 6,
                                           (bins[2], None): 2}
    assert_ledger_agrees(db)


def test_a_pick_list_lists_what_could_not_be_allocated_as_shortages(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[3], 4)
    build.sales_order("SO-1", [("TEA", 35), ("CUP", 3)])

    pick_list = pick_list_for(api, "SO-1")

    assert tasks_of(pick_list) == [
        (1, bins[0], "TEA", "L-MID", 10),
        (2, bins[1], "TEA", "L-NEW", 10),
        (3, bins[2], "TEA", "L-OLD", 10),
        (4, bins[3], "CUP", None, 3),
    ]
    assert pick_list["shortages"] == [{"sku": "TEA", "qty": 5}]
    assert order_of(api, "SO-1")["status"] == "allocated"
    assert_ledger_agrees(db)


def test_an_order_with_nothing_in_stock_is_refused_as_insufficient_stock(
    api: Any, build: Builder, db: Database
) -> None:
    build.warehouse("WH1", bins=2)
    build.item("TEA", name="龙井茶", tracking="lot")
    build.sales_order("SO-1", [("TEA", 3)])

    r = api.post("/sales-orders/SO-1/pick-list")

    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"
    assert order_of(api, "SO-1")["status"] == "open"
    assert api.get("/sales-orders/SO-1/pick-lists").get_json() == []
    assert_ledger_agrees(db)


def test_allocation_reserves_stock_so_a_second_order_cannot_take_the_same_units(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.sales_order("SO-1", [("TEA", 15)])
    build.sales_order("SO-2", [("TEA", 20)])

    first = pick_list_for(api, "SO-1")
    second = pick_list_for(api, "SO-2")

    assert tasks_of(first) == [(1, bins[0], "TEA", "L-MID", 5), (2, bins[2], "TEA", "L-OLD", 10)]
    # Only the 15 units the first order left are offered to the second.
    assert tasks_of(second) == [(1, bins[0], "TEA", "L-MID", 5), (2, bins[1], "TEA", "L-NEW", 10)]
    assert second["shortages"] == [{"sku": "TEA", "qty": 5}]
    assert reserved_of(api, sku="TEA") == {
        (bins[0], "L-MID"): 10, (bins[1], "L-NEW"): 10, (bins[2], "L-OLD"): 10}

    build.sales_order("SO-3", [("TEA", 1)])
    r = api.post("/sales-orders/SO-3/pick-list")
    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"

    # Reserved units cannot be moved away either.
    r = api.post("/moves", {"sku": "TEA", "qty": 1, "from": bins[2], "to": bins[3]})
    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"
    assert stock_of(api, sku="TEA") == {
        (bins[0], "L-MID"): 10, (bins[1], "L-NEW"): 10, (bins[2], "L-OLD"): 10}
    assert_ledger_agrees(db)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"location": "A-01-02-01"}, "wrong_location"),
        ({"location": "PACK-1"}, "wrong_location"),
        ({"sku": "CUP"}, "wrong_item"),
        ({"sku": "6900000000000"}, "wrong_item"),
        ({"lot": "L-NEW"}, "wrong_lot"),
        ({"lot": "L-NOPE"}, "wrong_lot"),
    ],
)
def test_a_wrong_bin_item_or_lot_scan_is_refused_and_changes_nothing(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str],
    overrides: dict[str, str], code: str,
) -> None:
    bins = tea_in_three_lots
    build.item("CUP", name="茶杯", barcodes=["6900000000000"])
    build.stock("CUP", bins[3], 5)
    build.sales_order("SO-1", [("TEA", 4)])
    task = pick_list_for(api, "SO-1")["tasks"][0]
    assert (task["location"], task["lot"], task["qty"]) == (bins[2], "L-OLD", 4)
    stock_before = api.get("/stock").get_json()
    ledger_before = api.get("/ledger", limit=200).get_json()

    r = confirm(api, task, **overrides)

    assert r.status_code == 409, r.get_json()
    assert error_code(r) == code
    assert api.get("/stock").get_json() == stock_before
    assert api.get("/ledger", limit=200).get_json() == ledger_before
    assert order_of(api, "SO-1")["status"] == "allocated"
    pick_lists = api.get("/sales-orders/SO-1/pick-lists").get_json()
    assert [t["picked"] for t in pick_lists[0]["tasks"]] == [0]

    # The right scan still works afterwards.
    assert confirm(api, task).status_code == 200
    assert stock_of(api, location="PACK-1") == {("PACK-1", "L-OLD"): 4}
    assert_ledger_agrees(db)


def test_picking_by_barcode_instead_of_sku_works(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.sales_order("SO-1", [("TEA", 3)])
    task = pick_list_for(api, "SO-1")["tasks"][0]

    r = confirm(api, task, sku="6901234567892", location=bins[2].lower())

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["order_status"] == "picked"
    assert stock_of(api, sku="TEA", location=bins[2]) == {(bins[2], "L-OLD"): 7}
    assert stock_of(api, location="PACK-1") == {("PACK-1", "L-OLD"): 3}
    pick = api.get("/ledger", limit=1).get_json()[0]
    assert (pick["kind"], pick["sku"], pick["lot"], pick["qty"], pick["from"], pick["to"]) == (
        "pick", "TEA", "L-OLD", 3, bins[2], "PACK-1")
    assert_ledger_agrees(db)


def test_a_short_pick_releases_the_reservation_and_the_order_ships_what_was_picked(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.sales_order("SO-1", [("TEA", 15)])
    tasks = pick_list_for(api, "SO-1")["tasks"]
    mid, old = tasks  # bins[0] L-MID 5, bins[2] L-OLD 10

    assert confirm(api, mid).status_code == 200
    r = confirm(api, old, qty=6)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["remaining"] == 4
    assert order_of(api, "SO-1")["status"] == "picking"

    r = api.post(f"/pick-tasks/{old['id']}/short")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["short"] == 4
    assert r.get_json()["order_status"] == "picked"
    # The 4 units the picker could not find are no longer held for this order.
    assert reserved_of(api, sku="TEA", location=bins[2]) == {(bins[2], "L-OLD"): 0}
    assert stock_of(api, sku="TEA", location=bins[2]) == {(bins[2], "L-OLD"): 4}
    r = api.post("/moves", {"sku": "TEA", "qty": 4, "from": bins[2], "to": bins[3]})
    assert r.status_code == 201, r.get_json()

    r = api.post("/sales-orders/SO-1/ship")
    assert r.status_code == 200, r.get_json()
    shipped = r.get_json()
    assert shipped["status"] == "shipped"
    assert [(ln["sku"], ln["qty"], ln["picked"], ln["shipped"], ln["backordered"])
            for ln in shipped["lines"]] == [("TEA", 15, 11, 11, 4)]
    assert stock_of(api, location="PACK-1") == {}
    assert stock_of(api, sku="TEA") == {
        (bins[0], "L-MID"): 5, (bins[1], "L-NEW"): 10, (bins[3], "L-OLD"): 4}
    assert api.get("/items/TEA").get_json()["on_hand"] == 19
    assert_ledger_agrees(db)


def test_an_order_goes_from_open_to_shipped_and_the_packed_stock_leaves_on_ship(
    api: Any, build: Builder, db: Database, tea_in_three_lots: list[str]
) -> None:
    bins = tea_in_three_lots
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[3], 9)
    build.sales_order("SO-1", [("TEA", 12), ("CUP", 2)])
    assert order_of(api, "SO-1")["status"] == "open"

    pick_list = pick_list_for(api, "SO-1")
    assert order_of(api, "SO-1")["status"] == "allocated"
    assert tasks_of(pick_list) == [
        (1, bins[0], "TEA", "L-MID", 2),
        (2, bins[2], "TEA", "L-OLD", 10),
        (3, bins[3], "CUP", None, 2),
    ]

    statuses = []
    for task in pick_list["tasks"]:
        r = confirm(api, task)
        assert r.status_code == 200, r.get_json()
        statuses.append(order_of(api, "SO-1")["status"])
    assert statuses == ["picking", "picking", "picked"]
    assert stock_of(api, location="PACK-1") == {
        ("PACK-1", "L-MID"): 2, ("PACK-1", "L-OLD"): 10, ("PACK-1", None): 2}
    assert [(ln["sku"], ln["picked"], ln["shipped"]) for ln in order_of(api, "SO-1")["lines"]] \
        == [("TEA", 12, 0), ("CUP", 2, 0)]

    r = api.post("/sales-orders/SO-1/pack")
    assert r.status_code == 200, r.get_json()
    assert order_of(api, "SO-1")["status"] == "packed"

    r = api.post("/sales-orders/SO-1/ship")
    assert r.status_code == 200, r.get_json()
    order = order_of(api, "SO-1")
    assert order["status"] == "shipped"
    assert [(ln["sku"], ln["shipped"], ln["backordered"]) for ln in order["lines"]] == [
        ("TEA", 12, 0), ("CUP", 2, 0)]
    assert stock_of(api, location="PACK-1") == {}
    assert stock_of(api, sku="TEA") == {
        (bins[0], "L-MID"): 8, (bins[1], "L-NEW"): 10}
    assert stock_of(api, sku="CUP") == {(bins[3], None): 7}
    ships = [m for m in api.get("/ledger", limit=200).get_json() if m["kind"] == "ship"]
    assert sorted((m["sku"], m["lot"], m["qty"], m["from"], m["to"], m["reference"])
                  for m in ships) == [
        ("CUP", None, 2, "PACK-1", None, "SO-1"),
        ("TEA", "L-MID", 2, "PACK-1", None, "SO-1"),
        ("TEA", "L-OLD", 10, "PACK-1", None, "SO-1"),
    ]
    assert ledger_kinds(api).count("pick") == 3

    # A shipped order is finished.
    r = api.post("/sales-orders/SO-1/ship")
    assert r.status_code == 409
    assert error_code(r) == "conflict"
    assert_ledger_agrees(db)


def test_older_stock_at_the_dock_in_quarantine_or_in_a_blocked_bin_is_not_allocated(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=3)
    build.item("TEA", name="龙井茶", tracking="lot")
    build.stock("TEA", "DOCK-1", 5, lot="L-DOCK", days_old=50)
    build.stock("TEA", "QC-1", 5, lot="L-QC", days_old=40)
    build.stock("TEA", bins[0], 5, lot="L-BLOCKED", days_old=30)
    build.stock("TEA", bins[2], 5, lot="L-GOOD", days_old=1)
    build.location(bins[0], blocked=True)
    build.sales_order("SO-1", [("TEA", 7)])

    pick_list = pick_list_for(api, "SO-1")

    assert tasks_of(pick_list) == [(1, bins[2], "TEA", "L-GOOD", 5)]
    assert pick_list["shortages"] == [{"sku": "TEA", "qty": 2}]
    assert_ledger_agrees(db)
