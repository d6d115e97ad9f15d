"""Cycle counts (盘点) through API v1: blind entries, variances and recounts, uncounted stock,
supervisor approval posting adjustments, and stock that moves while a bin is being counted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import (
    assert_answered_moves_are_the_ledgers,
    assert_ledger_agrees,
    error_code,
)
from wms.db import Database
from wms.errors import UnknownLocation, WrongLocationScanned
from wms.services.counting import bin_of_count, get_count


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["sku"], r["lot"]): r["qty"] for r in rows}






def start(api: Any, *locations: str) -> int:
    r = api.post("/counts", {"locations": list(locations)})
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def enter(api: Any, count_id: int, location: str, sku: str, qty: int,
          lot: str | None = None) -> Any:
    body: dict[str, Any] = {"location": location, "sku": sku, "qty": qty}
    if lot is not None:
        body["lot"] = lot
    r = api.post(f"/counts/{count_id}/entries", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def submit(api: Any, count_id: int) -> dict[str, Any]:
    r = api.post(f"/counts/{count_id}/submit")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def approve(api: Any, count_id: int) -> dict[str, Any]:
    r = api.post(f"/counts/{count_id}/approve")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def variances(body: dict[str, Any]) -> list[tuple[str, str, str | None, int, int, bool]]:
    return [(v["location"], v["sku"], v["lot"], v["expected"], v["counted"], v["recount"])
            for v in body["variances"]]


def adjustments(api: Any, count_id: int) -> list[tuple[str, str | None, int, str | None,
                                                       str | None]]:
    """The count's adjust moves: (sku, lot, qty, from, to), oldest first."""
    rows = [m for m in api.get("/ledger", limit=500).get_json()
            if m["kind"] == "adjust" and m["reference"] == f"COUNT-{count_id}"]
    return [(m["sku"], m["lot"], m["qty"], m["from"], m["to"]) for m in reversed(rows)]


def pick_out(api: Any, build: Builder, number: str, sku: str, qty: int) -> None:
    """Sell `qty` of `sku` and pick it from wherever the pick list says."""
    build.sales_order(number, [(sku, qty)])
    r = api.post(f"/sales-orders/{number}/pick-list")
    assert r.status_code == 201, r.get_json()
    for task in r.get_json()["tasks"]:
        done = api.post(f"/pick-tasks/{task['id']}/confirm", {
            "location": task["location"], "sku": task["sku"], "qty": task["qty"],
            "lot": task["lot"]})
        assert done.status_code == 200, done.get_json()


@pytest.fixture
def floor(build: Builder) -> list[str]:
    bins = build.warehouse("WH1", bins=4, capacity=None)
    build.item("CUP", name="茶杯")
    build.item("PEN", name="笔")
    build.item("TEA", name="龙井茶", tracking="lot")
    return bins


def test_a_blind_count_that_matches_the_system_has_no_variance_and_posts_nothing(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 10)
    build.stock("TEA", bins[0], 5, lot="L1", days_old=3)
    counter, supervisor = api_as("operator"), api_as("supervisor")

    r = counter.post("/counts", {"locations": [bins[0]]})
    assert r.status_code == 201
    count_id = r.get_json()["id"]
    assert "variances" not in r.get_json()
    entry = enter(counter, count_id, bins[0], "CUP", 10)
    assert "expected" not in entry  # blind: the counter never sees the system quantity
    enter(counter, count_id, bins[0], "TEA", 5, lot="L1")

    submitted = submit(counter, count_id)
    assert submitted["status"] == "submitted"
    assert variances(submitted) == [(bins[0], "CUP", None, 10, 10, False),
                                    (bins[0], "TEA", "L1", 5, 5, False)]
    approved = approve(supervisor, count_id)
    assert approved["status"] == "approved"
    assert approved["moves"] == []
    assert stock_of(counter) == {(bins[0], "CUP", None): 10, (bins[0], "TEA", "L1"): 5}
    assert adjustments(counter, count_id) == []
    assert_ledger_agrees(db)


def test_a_small_variance_needs_no_recount_and_approval_posts_an_adjustment(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 20)
    build.stock("PEN", bins[1], 40)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0], bins[1])
    enter(counter, count_id, bins[0], "CUP", 19)
    enter(counter, count_id, bins[1], "PEN", 42)

    submitted = submit(counter, count_id)

    assert submitted["status"] == "submitted"
    assert variances(submitted) == [(bins[0], "CUP", None, 20, 19, False),
                                    (bins[1], "PEN", None, 40, 42, False)]
    assert stock_of(counter) == {(bins[0], "CUP", None): 20, (bins[1], "PEN", None): 40}
    approved = approve(supervisor, count_id)
    assert [(m["kind"], m["sku"], m["qty"], m["from"], m["to"], m["reason"])
            for m in approved["moves"]] == [
        ("adjust", "CUP", 1, bins[0], None, "cycle_count"),
        ("adjust", "PEN", 2, None, bins[1], "cycle_count")]
    assert_answered_moves_are_the_ledgers(supervisor, approved["moves"])
    assert stock_of(counter) == {(bins[0], "CUP", None): 19, (bins[1], "PEN", None): 42}
    assert_ledger_agrees(db)


def test_a_variance_over_the_threshold_is_sent_back_and_the_second_count_decides(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.item("SOAP", name="肥皂")
    build.stock("CUP", bins[0], 100)
    build.stock("SOAP", bins[1], 100)
    build.stock("PEN", bins[2], 10)
    build.stock("TEA", bins[3], 10, lot="L1", days_old=2)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, *bins)
    enter(counter, count_id, bins[0], "CUP", 95)    # 5 off: 5 % of 100, not over
    enter(counter, count_id, bins[1], "SOAP", 94)   # 6 off: over 5 %
    enter(counter, count_id, bins[2], "PEN", 8)     # 2 off: the 2-unit floor, not over
    enter(counter, count_id, bins[3], "TEA", 13)    # 3 off: over the 2-unit floor

    first = submit(counter, count_id)

    assert first["status"] == "recount"
    assert variances(first) == [
        (bins[0], "CUP", None, 100, 95, False),
        (bins[1], "SOAP", None, 100, 94, True),
        (bins[2], "PEN", None, 10, 8, False),
        (bins[3], "TEA", "L1", 10, 13, True),
    ]
    assert stock_of(counter, location=bins[1]) == {(bins[1], "SOAP", None): 100}

    enter(counter, count_id, bins[1], "SOAP", 99)
    enter(counter, count_id, bins[3], "TEA", 10, lot="L1")
    second = submit(counter, count_id)

    assert second["status"] == "submitted"
    assert variances(second) == [
        (bins[0], "CUP", None, 100, 95, False),
        (bins[1], "SOAP", None, 100, 99, False),
        (bins[2], "PEN", None, 10, 8, False),
        (bins[3], "TEA", "L1", 10, 10, False),
    ]
    approve(supervisor, count_id)
    assert stock_of(counter) == {(bins[0], "CUP", None): 95, (bins[1], "SOAP", None): 99,
                                 (bins[2], "PEN", None): 8, (bins[3], "TEA", "L1"): 10}
    assert sorted(adjustments(counter, count_id)) == [
        ("CUP", None, 5, bins[0], None), ("PEN", None, 2, bins[2], None),
        ("SOAP", None, 1, bins[1], None)]
    assert_ledger_agrees(db)


def test_items_nobody_counted_in_a_counted_bin_count_as_zero(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 10)
    build.stock("PEN", bins[0], 2)
    build.stock("TEA", bins[0], 1, lot="L1", days_old=5)
    build.stock("TEA", bins[0], 6, lot="L2", days_old=1)
    build.stock("PEN", bins[1], 7)   # not in the count
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "CUP", 10)
    enter(counter, count_id, bins[0], "TEA", 6, lot="L2")

    submitted = submit(counter, count_id)

    assert submitted["status"] == "submitted"
    assert variances(submitted) == [
        (bins[0], "CUP", None, 10, 10, False),
        (bins[0], "PEN", None, 2, 0, False),
        (bins[0], "TEA", "L1", 1, 0, False),
        (bins[0], "TEA", "L2", 6, 6, False),
    ]
    approve(supervisor, count_id)
    assert stock_of(counter) == {(bins[0], "CUP", None): 10, (bins[0], "TEA", "L2"): 6,
                                 (bins[1], "PEN", None): 7}
    assert sorted(adjustments(counter, count_id)) == [
        ("PEN", None, 2, bins[0], None), ("TEA", "L1", 1, bins[0], None)]
    assert_ledger_agrees(db)


def test_an_entry_for_a_bin_that_is_not_in_the_count_is_refused(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 10)
    build.stock("CUP", bins[1], 10)
    counter = api_as("operator")
    count_id = start(counter, bins[0])

    r = counter.post(f"/counts/{count_id}/entries",
                     {"location": bins[1], "sku": "CUP", "qty": 3})

    assert r.status_code == 409
    assert error_code(r) == "wrong_location"
    enter(counter, count_id, bins[0], "CUP", 10)
    submitted = submit(counter, count_id)
    assert variances(submitted) == [(bins[0], "CUP", None, 10, 10, False)]
    assert stock_of(counter, sku="CUP") == {(bins[0], "CUP", None): 10,
                                            (bins[1], "CUP", None): 10}
    assert_ledger_agrees(db)


def test_a_bin_outside_the_count_is_refused_naming_the_bins_of_the_count(
    api_as: Any, db: Database, floor: list[str]
) -> None:
    count_id = start(api_as("operator"), floor[0], floor[1])
    with db.read() as s:
        count = get_count(s, count_id)
        assert bin_of_count(s, count, floor[1].lower()).code == floor[1]
        with pytest.raises(WrongLocationScanned) as refused:
            bin_of_count(s, count, floor[2])
        with pytest.raises(UnknownLocation):
            bin_of_count(s, count, "Z-09-09-09")
    assert refused.value.details == {"scanned": floor[2],
                                     "expected": f"{floor[0]}, {floor[1]}"}


def test_an_operator_may_not_approve_a_count(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 10)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "CUP", 9)
    submit(counter, count_id)

    r = counter.post(f"/counts/{count_id}/approve")

    assert r.status_code == 403
    assert error_code(r) == "forbidden"
    assert stock_of(counter) == {(bins[0], "CUP", None): 10}
    assert supervisor.get(f"/counts/{count_id}").get_json()["status"] == "submitted"
    assert approve(supervisor, count_id)["status"] == "approved"
    assert stock_of(counter) == {(bins[0], "CUP", None): 9}
    assert [m["kind"] for m in counter.get("/ledger", location=bins[0]).get_json()][0] \
        == "adjust"
    assert_ledger_agrees(db)


def test_stock_picked_out_of_and_moved_into_a_bin_after_its_count_is_no_variance(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 20)
    build.stock("CUP", "DOCK-1", 4)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "CUP", 18)   # 2 really are missing

    # After the entry, before the submission: 5 picked out, 4 put in.
    pick_out(counter, build, "SO-1", "CUP", 5)
    r = counter.post("/moves", {"sku": "CUP", "qty": 4, "from": "DOCK-1", "to": bins[0]})
    assert r.status_code == 201, r.get_json()
    assert stock_of(counter, location=bins[0]) == {(bins[0], "CUP", None): 19}

    submitted = submit(counter, count_id)
    assert variances(submitted) == [(bins[0], "CUP", None, 20, 18, False)]
    # After the submission, before approval: 3 more picked out.
    pick_out(counter, build, "SO-2", "CUP", 3)
    approve(supervisor, count_id)

    # counted 18, then -5 +4 -3 since the entry.
    assert stock_of(counter, location=bins[0]) == {(bins[0], "CUP", None): 14}
    assert adjustments(counter, count_id) == [("CUP", None, 2, bins[0], None)]
    assert_ledger_agrees(db)


def test_stock_that_moves_between_a_first_count_and_its_recount_is_no_variance(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("TEA", bins[0], 100, lot="L1", days_old=9)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "TEA", 90, lot="L1")
    assert submit(counter, count_id)["status"] == "recount"

    pick_out(counter, build, "SO-1", "TEA", 10)
    enter(counter, count_id, bins[0], "TEA", 88, lot="L1")   # the second count decides
    pick_out(counter, build, "SO-2", "TEA", 8)
    second = submit(counter, count_id)
    assert second["status"] == "submitted"
    approve(supervisor, count_id)

    # Recounted 88, then 8 more picked out.
    assert stock_of(counter, location=bins[0]) == {(bins[0], "TEA", "L1"): 80}
    assert adjustments(counter, count_id) == [("TEA", "L1", 2, bins[0], None)]
    assert_ledger_agrees(db)


def test_another_item_put_into_a_bin_after_its_count_is_not_written_off(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 20)
    build.stock("PEN", "DOCK-1", 1)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "CUP", 20)

    # A pen is put away into the bin after the counter has counted it.
    r = counter.post("/moves", {"sku": "PEN", "qty": 1, "from": "DOCK-1", "to": bins[0]})
    assert r.status_code == 201, r.get_json()
    submitted = submit(counter, count_id)
    # The pen was not there when the bin was counted: no variance for it.
    assert [v for v in variances(submitted) if v[3] != v[4]] == []
    approve(supervisor, count_id)

    assert adjustments(counter, count_id) == []
    assert stock_of(counter, location=bins[0]) == {(bins[0], "CUP", None): 20,
                                                   (bins[0], "PEN", None): 1}
    assert_ledger_agrees(db)


def test_a_new_lot_put_into_a_bin_after_its_count_is_not_written_off(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("TEA", bins[0], 10, lot="L1", days_old=4)
    build.stock("TEA", "DOCK-1", 2, lot="L2", days_old=1)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "TEA", 10, lot="L1")

    r = counter.post("/moves", {"sku": "TEA", "qty": 2, "lot": "L2", "from": "DOCK-1",
                                "to": bins[0]})
    assert r.status_code == 201, r.get_json()
    submit(counter, count_id)
    approve(supervisor, count_id)

    assert adjustments(counter, count_id) == []
    assert stock_of(counter, location=bins[0]) == {(bins[0], "TEA", "L1"): 10,
                                                   (bins[0], "TEA", "L2"): 2}
    assert_ledger_agrees(db)


def test_an_uncounted_item_moved_out_of_a_bin_after_its_count_shows_what_was_there(
    api_as: Any, build: Builder, db: Database, floor: list[str]
) -> None:
    bins = floor
    build.stock("CUP", bins[0], 20)
    build.stock("PEN", bins[0], 2)
    counter, supervisor = api_as("operator"), api_as("supervisor")
    count_id = start(counter, bins[0])
    enter(counter, count_id, bins[0], "CUP", 20)   # nobody counts the pens

    # After the bin was counted, a pen is moved out of it.
    r = counter.post("/moves", {"sku": "PEN", "qty": 1, "from": bins[0], "to": bins[1]})
    assert r.status_code == 201, r.get_json()
    submitted = submit(counter, count_id)

    # The pens were 2 when the bin was counted, and none was found.
    assert variances(submitted) == [(bins[0], "CUP", None, 20, 20, False),
                                    (bins[0], "PEN", None, 2, 0, False)]
    approve(supervisor, count_id)
    # The one left in the bin is written off; the one moved out stays where it went.
    assert adjustments(counter, count_id) == [("PEN", None, 1, bins[0], None)]
    assert stock_of(counter) == {(bins[0], "CUP", None): 20, (bins[1], "PEN", None): 1}
    assert_ledger_agrees(db)
