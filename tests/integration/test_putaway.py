"""Putaway through API v1: which bins are suggested and in what order, and the capacity and
blocking rules a move into a bin must respect."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code
from wms.db import Database
from wms.services.masterdata import upsert_location


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["sku"], r["lot"]): r["qty"] for r in rows}


def suggest(api: Any, sku: str, qty: int, **extra: Any) -> list[tuple[str, str]]:
    """The suggested bins, best first, as (location, reason)."""
    r = api.post("/putaway-suggestions", {"sku": sku, "qty": qty, **extra})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    if body["location"] is None:
        assert body["alternatives"] == []
        return []
    return [(body["location"], body["reason"])] + [
        (alt["location"], alt["reason"]) for alt in body["alternatives"]
    ]






def storage_bin(build: Builder, code: str, zone: str, walk_seq: int,
                capacity: int | None = 100) -> str:
    build.location(code, warehouse="WH1", zone=zone, kind="storage", capacity=capacity,
                   walk_seq=walk_seq)
    return code


def test_putaway_never_suggests_a_full_blocked_quarantine_dock_or_packing_location(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=6, capacity=10)
    # Special locations with room, in the same zone and at the front of the walk.
    build.location("QC-A", warehouse="WH1", zone="A", kind="quarantine", capacity=None,
                   walk_seq=0)
    build.location("PACK-A", warehouse="WH1", zone="A", kind="packing", capacity=None,
                   walk_seq=0)
    build.location("STAGE-A", warehouse="WH1", zone="A", kind="staging", capacity=None,
                   walk_seq=0)
    build.item("TEA", name="龙井茶", tracking="lot", zone_code="A")
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[0], 10)               # full
    build.location(bins[1], blocked=True)          # blocked (and empty)
    build.stock("TEA", bins[2], 8, lot="L1")       # same item and lot, room for 2 only
    build.stock("TEA", bins[3], 3, lot="L1")       # same item and lot, room for 7
    build.stock("TEA", bins[4], 2, lot="L1")
    build.location(bins[4], blocked=True)          # same item and lot, but blocked

    suggested = suggest(api, "TEA", 5, lot="L1", **{"from": "DOCK-1"})

    assert suggested == [(bins[3], "consolidate"), (bins[5], "nearest_free")]
    r = api.post("/putaway-suggestions", {"sku": "TEA", "qty": 5, "lot": "L1"})
    assert r.get_json()["alternatives"] == [
        {"location": bins[5], "reason": "nearest_free", "free": 10}]
    # Nothing has room for 11: no suggestion rather than a bad one.
    assert suggest(api, "TEA", 11, lot="L1") == []
    assert_ledger_agrees(db)


def test_putaway_prefers_the_items_home_bin_over_consolidating_and_empty_bins(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=6)
    build.item("TEA", name="龙井茶", tracking="lot")
    build.stock("TEA", bins[1], 5, lot="L1")
    build.item("TEA", home_location=bins[4])

    suggested = suggest(api, "TEA", 5, lot="L1", **{"from": "DOCK-1"})

    assert suggested[:3] == [(bins[4], "home"), (bins[1], "consolidate"),
                             (bins[0], "nearest_free")]
    assert [code for code, _ in suggested].count(bins[4]) == 1
    assert_ledger_agrees(db)


def test_a_full_or_blocked_home_bin_is_passed_over(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=4, capacity=10)
    build.item("TEA", name="龙井茶", tracking="lot", home_location=bins[3])
    build.item("CUP", name="茶杯", home_location=bins[2])
    build.stock("TEA", bins[3], 8, lot="L1")   # home bin with room for 2
    build.location(bins[2], blocked=True)

    assert suggest(api, "TEA", 5, lot="L1") == [(bins[0], "nearest_free"),
                                                 (bins[1], "nearest_free")]
    assert suggest(api, "TEA", 2, lot="L1")[0] == (bins[3], "home")
    assert suggest(api, "CUP", 1) == [(bins[0], "nearest_free"), (bins[1], "nearest_free")]
    assert_ledger_agrees(db)


def test_putaway_consolidates_only_with_the_same_item_and_lot(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=6)
    build.item("TEA", name="龙井茶", tracking="lot")
    build.item("CUP", name="茶杯")
    build.stock("TEA", bins[1], 4, lot="L2")            # other lot
    build.stock("TEA", bins[2], 4, lot="L1")            # mixed with another item
    build.stock("CUP", bins[2], 1)
    build.stock("TEA", bins[4], 4, lot="L1")            # the one to join
    build.stock("CUP", bins[3], 4)                      # untracked: any receipt day joins

    assert suggest(api, "TEA", 3, lot="L1") == [
        (bins[4], "consolidate"), (bins[0], "nearest_free"), (bins[5], "nearest_free")]
    assert suggest(api, "CUP", 3) == [
        (bins[3], "consolidate"), (bins[0], "nearest_free"), (bins[5], "nearest_free")]
    assert_ledger_agrees(db)


def test_putaway_offers_the_nearest_empty_bins_of_the_items_zone_in_walking_order_first(
    api: Any, build: Builder, db: Database
) -> None:
    build.location("DOCK-1", warehouse="WH1", kind="dock", walk_seq=0)
    a1 = storage_bin(build, "A-01-01-01", "A", 1)
    a2 = storage_bin(build, "A-01-02-01", "A", 2)
    b3 = storage_bin(build, "B-01-03-01", "B", 23)
    b1 = storage_bin(build, "B-01-01-01", "B", 21)
    b2 = storage_bin(build, "B-01-02-01", "B", 22)
    build.location(b1, blocked=True)
    build.item("SOAP", name="肥皂", zone_code="B")
    build.item("BRUSH", name="刷子")
    build.location("A-01-03-01", warehouse="WH1", zone="A", kind="storage", walk_seq=3)
    build.item("BRUSH", home_location="A-01-03-01")
    build.item("CUP", name="茶杯")
    build.stock("CUP", "A-01-03-01", 1)  # the home bin holds another item

    assert suggest(api, "SOAP", 2, **{"from": "DOCK-1"}) == [
        (b2, "nearest_free"), (b3, "nearest_free"), (a1, "nearest_free"),
        (a2, "nearest_free")]
    # Without a zone of its own, the item's zone is its home bin's zone.
    assert suggest(api, "BRUSH", 2, **{"from": "DOCK-1"}) == [
        (a1, "nearest_free"), (a2, "nearest_free"), (b2, "nearest_free"),
        (b3, "nearest_free")]
    assert_ledger_agrees(db)


def test_a_move_into_a_full_bin_is_refused_and_changes_nothing(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=2, capacity=10)
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[0], 10)
    build.stock("CUP", "DOCK-1", 3, dock="DOCK-1")

    r = api.post("/moves", {"sku": "CUP", "qty": 1, "from": "DOCK-1", "to": bins[0]})

    assert r.status_code == 409
    assert error_code(r) == "location_full"
    assert stock_of(api, sku="CUP") == {("DOCK-1", "CUP", None): 3, (bins[0], "CUP", None): 10}
    assert [m["kind"] for m in api.get("/ledger").get_json()].count("putaway") == 1
    assert_ledger_agrees(db)


def test_a_move_into_a_blocked_bin_is_refused_and_changes_nothing(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP", name="茶杯")
    build.stock("CUP", bins[0], 4)
    build.location(bins[1], blocked=True)

    r = api.post("/moves", {"sku": "CUP", "qty": 2, "from": bins[0], "to": bins[1]})

    assert r.status_code == 409
    assert error_code(r) == "location_blocked"
    assert stock_of(api, sku="CUP") == {(bins[0], "CUP", None): 4}
    assert [m["kind"] for m in api.get("/ledger").get_json()] == ["putaway", "receive"]
    assert_ledger_agrees(db)


def test_bin_capacity_counts_the_units_of_every_item_in_the_bin(
    api: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=2, capacity=10)
    build.item("CUP", name="茶杯")
    build.item("TEA", name="龙井茶", tracking="lot")
    build.stock("CUP", bins[0], 6)
    build.stock("TEA", bins[1], 9, lot="L1")

    r = api.post("/moves", {"sku": "TEA", "qty": 5, "from": bins[1], "to": bins[0]})
    assert r.status_code == 409
    assert error_code(r) == "location_full"
    assert r.get_json()["error"]["message"]

    r = api.post("/moves", {"sku": "TEA", "qty": 4, "from": bins[1], "to": bins[0]})
    assert r.status_code == 201, r.get_json()
    assert stock_of(api, location=bins[0]) == {(bins[0], "CUP", None): 6,
                                               (bins[0], "TEA", "L1"): 4}
    r = api.post("/moves", {"sku": "TEA", "qty": 1, "from": bins[1], "to": bins[0]})
    assert r.status_code == 409
    assert error_code(r) == "location_full"
    assert stock_of(api, location=bins[1]) == {(bins[1], "TEA", "L1"): 5}
    # The bin with 6 cups and 4 tea is full for putaway too.
    assert bins[0] not in [code for code, _ in suggest(api, "CUP", 1)]
    assert_ledger_agrees(db)


def test_putaway_stays_in_the_warehouse_of_the_source_and_reuses_emptied_bins(
    api: Any, build: Builder, db: Database
) -> None:
    wh1 = build.warehouse("WH1", bins=2)
    wh2 = build.warehouse("WH2", bins=2, zone="C")
    build.item("CUP", name="茶杯")
    build.stock("CUP", wh2[0], 5, dock="DOCK-2")
    build.stock("CUP", wh1[0], 5)
    assert api.post("/moves", {"sku": "CUP", "qty": 5, "from": wh1[0],
                               "to": "DOCK-1"}).status_code == 201

    # wh1[0] is empty again; WH2's bins (even the one holding cups) are not offered.
    assert suggest(api, "CUP", 3, **{"from": "DOCK-1"}) == [
        (wh1[0], "nearest_free"), (wh1[1], "nearest_free")]
    assert suggest(api, "CUP", 3, **{"from": "DOCK-2"}) == [
        (wh2[0], "consolidate"), (wh2[1], "nearest_free")]
    assert_ledger_agrees(db)


def test_a_putaway_suggestion_names_what_it_cannot_find_the_item_before_the_bin(
    api: Any, build: Builder
) -> None:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP", barcodes=["6901234567892"])
    build.item("TEA", tracking="lot")
    build.stock("CUP", bins[0], 5)
    build.stock("TEA", "DOCK-1", 5, lot="L1")

    for source in ("DOCK-1", "A-99-99-99", "not a bin"):
        r = api.post("/putaway-suggestions", {"sku": "NOPE", "qty": 1, "from": source})
        assert (r.status_code, error_code(r)) == (404, "unknown_item"), r.get_json()
    r = api.post("/putaway-suggestions", {"sku": "CUP", "qty": 1, "from": "a-99-99-99"})
    assert (r.status_code, error_code(r)) == (404, "unknown_location"), r.get_json()
    assert "A-99-99-99" in r.get_json()["error"]["message"]
    r = api.post("/putaway-suggestions", {"sku": "TEA", "qty": 1, "lot": "L9",
                                          "from": "DOCK-1"})
    assert (r.status_code, error_code(r)) == (409, "conflict"), r.get_json()
    # Scanned by its barcode, from a bin typed in lower case, the item gets the same advice.
    by_sku = suggest(api, "CUP", 3, **{"from": "DOCK-1"})
    assert by_sku[0] == (bins[0], "consolidate")
    assert suggest(api, " 6901234567892 ", 3, **{"from": "dock-1"}) == by_sku


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_what_a_putaway_suggestion_costs_follows_the_item_not_the_size_of_the_warehouse(
    api: Any, app: Any, build: Builder, db: Database
) -> None:
    """Counted in steps of SQLite's virtual machine, which are the same on any machine: a
    suggestion for an item held in twelve bins costs about as much in a warehouse of 500
    bins as in one of 20 (it looks up the bins holding the item; it does not walk the
    warehouse's storage bins, which SQLite, keeping no statistics, would do by index)."""
    bins = build.warehouse("WH1", bins=20)
    build.item("CUP")
    for code in bins[3:15]:
        build.stock("CUP", code, 5)
    engine = app.extensions["wms.db"].engine
    engine.dispose()
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    def watch(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.set_progress_handler(count, 10)

    event.listen(engine, "connect", watch)  # a pool event: the statements go out as ever

    def cost() -> int:
        steps[0] = 0
        assert suggest(api, "CUP", 5, **{"from": "DOCK-1"})[0] == (bins[3], "consolidate")
        return steps[0]

    small = cost()
    with db.write() as session:
        for n in range(480):
            upsert_location(session, f"B-{n // 40 + 1:02d}-{n % 40 + 1:02d}-01",
                            {"warehouse": "WH1", "zone": "B", "kind": "storage",
                             "capacity": 100, "walk_seq": 100 + n}, None)
    large = cost()
    assert large <= small * 1.5, f"{small} steps among 20 bins, {large} among 500"
