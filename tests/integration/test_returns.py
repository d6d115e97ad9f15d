"""Returns (退货) through API v1: a customer's goods come back at a dock and are restocked,
quarantined or scrapped; goods go back to their supplier; quarantined stock is released by
a supervisor."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code, snapshot
from wms.cli import main
from wms.db import Database
from wms.services.allocation import create_pick_list
from wms.services.picking import confirm_pick
from wms.services.shipping import ship_order


def stock_of(api: Any, sku: str) -> dict[tuple[str, str | None], int]:
    return {(r["location"], r["lot"]): r["qty"] for r in api.get("/stock", sku=sku).get_json()}


def kinds(body: dict[str, Any]) -> list[tuple[str, int, str | None, str | None]]:
    return [(m["kind"], m["qty"], m["from"], m["to"]) for m in body["moves"]]


@pytest.fixture
def shipped(build: Builder, db: Database) -> list[str]:
    """Order SO-1 of customer CUS-1 shipped 5 CUP and 2 TEA (lot L1); bins returned."""
    bins = build.warehouse("WH1", bins=3)
    build.item("CUP", name="茶杯")
    build.item("TEA", name="龙井茶", tracking="lot")
    build.item("MUG", name="马克杯")
    build.supplier("SUP-1")
    build.customer("CUS-1")
    build.customer("CUS-2", name="客户二")
    build.stock("CUP", bins[0], 20)
    build.stock("TEA", bins[1], 6, lot="L1")
    build.sales_order("SO-1", [("CUP", 5), ("TEA", 2)])
    with db.write() as s:
        for task in create_pick_list(s, "SO-1", None).pick_list.tasks:
            confirm_pick(s, task_id=task.id, location=task.location.code, sku=task.item.sku,
                         qty=task.qty, lot=task.lot.public_code, user_id=None)
    with db.write() as s:
        ship_order(s, "SO-1", None)
    return bins


def a_return(*lines: dict[str, Any], order: str | None = "SO-1",
             customer: str = "CUS-1") -> dict[str, Any]:
    body: dict[str, Any] = {"customer": customer, "location": "DOCK-1", "lines": list(lines)}
    if order:
        body["sales_order"] = order
    return body


def test_each_disposition_lands_where_it_should(api: Any, db: Database,
                                               shipped: list[str]) -> None:
    r = api.post("/returns", a_return(
        {"sku": "CUP", "qty": 2, "disposition": "restock", "reason": "unwanted"},
        {"sku": "CUP", "qty": 1, "disposition": "quarantine", "reason": "damaged"},
        {"sku": "TEA", "qty": 1, "disposition": "scrap", "reason": "quality"}))
    assert r.status_code == 201, r.get_json()
    assert isinstance(r.get_json()["id"], int)
    assert kinds(r.get_json()) == [
        ("customer_return", 2, None, "DOCK-1"),
        ("customer_return", 1, None, "QC-1"),
        ("customer_return", 1, None, "DOCK-1"),
        ("scrap", 1, "DOCK-1", None),
    ]
    assert stock_of(api, "CUP") == {(shipped[0], None): 15, ("DOCK-1", None): 2,
                                    ("QC-1", None): 1}
    assert stock_of(api, "TEA") == {(shipped[1], "L1"): 4}
    assert [m["reason"] for m in r.get_json()["moves"]] == [
        "unwanted", "damaged", "quality", "quality"]
    assert_ledger_agrees(db)


def test_returning_more_than_the_order_shipped_is_over_return_and_changes_nothing(
        api: Any, shipped: list[str]) -> None:
    first = api.post("/returns", a_return(
        {"sku": "CUP", "qty": 3, "disposition": "restock", "reason": "unwanted"}))
    assert first.status_code == 201
    before = snapshot(api)
    too_many = api.post("/returns", a_return(
        {"sku": "CUP", "qty": 2, "disposition": "restock", "reason": "unwanted"},
        {"sku": "CUP", "qty": 1, "disposition": "scrap", "reason": "damaged"}))
    assert too_many.status_code == 409
    assert error_code(too_many) == "over_return"
    assert "2" in too_many.get_json()["error"]["message"]
    never_shipped = api.post("/returns", a_return(
        {"sku": "MUG", "qty": 1, "disposition": "restock", "reason": "unwanted"}))
    assert (never_shipped.status_code, error_code(never_shipped)) == (409, "over_return")
    assert snapshot(api) == before
    the_rest = api.post("/returns", a_return(
        {"sku": "CUP", "qty": 2, "disposition": "restock", "reason": "unwanted"}))
    assert the_rest.status_code == 201


def test_a_return_against_another_customers_order_or_at_a_bin_is_refused(
        api: Any, shipped: list[str]) -> None:
    before = snapshot(api)
    line = {"sku": "CUP", "qty": 1, "disposition": "restock", "reason": "unwanted"}
    other = api.post("/returns", a_return(line, customer="CUS-2"))
    assert (other.status_code, error_code(other)) == (422, "invalid")
    at_a_bin = api.post("/returns", {**a_return(line), "location": shipped[0]})
    assert (at_a_bin.status_code, error_code(at_a_bin)) == (422, "invalid")
    unknown_order = api.post("/returns", a_return(line, order="SO-404"))
    assert (unknown_order.status_code, error_code(unknown_order)) == (404, "unknown_order")
    no_reason = api.post("/returns", a_return({**line, "reason": "whim"}))
    assert (no_reason.status_code, error_code(no_reason)) == (422, "invalid")
    assert snapshot(api) == before


def test_a_return_without_an_order_is_taken_back_at_the_dock(api: Any,
                                                             shipped: list[str]) -> None:
    r = api.post("/returns", a_return(
        {"sku": "CUP", "qty": 9, "disposition": "restock", "reason": "wrong_item"}, order=None))
    assert r.status_code == 201, r.get_json()
    assert stock_of(api, "CUP")[("DOCK-1", None)] == 9


def test_a_supplier_return_leaves_the_warehouse(api: Any, db: Database,
                                                shipped: list[str]) -> None:
    r = api.post("/supplier-returns", {"supplier": "SUP-1", "lines": [
        {"sku": "TEA", "qty": 3, "lot": "L1", "from": shipped[1], "reason": "quality"}]})
    assert r.status_code == 201, r.get_json()
    assert kinds(r.get_json()) == [("supplier_return", 3, shipped[1], None)]
    assert stock_of(api, "TEA") == {(shipped[1], "L1"): 1}
    too_many = api.post("/supplier-returns", {"supplier": "SUP-1", "lines": [
        {"sku": "TEA", "qty": 3, "lot": "L1", "from": shipped[1], "reason": "quality"}]})
    assert (too_many.status_code, error_code(too_many)) == (409, "insufficient_stock")
    assert_ledger_agrees(db)


def test_release_from_quarantine_needs_a_supervisor(api: Any, api_as: Any, db: Database,
                                                   shipped: list[str]) -> None:
    back = api.post("/returns", a_return(
        {"sku": "TEA", "qty": 2, "disposition": "quarantine", "reason": "damaged"}))
    assert back.status_code == 201
    release = {"sku": "TEA", "lot": "L1", "qty": 2, "from": "QC-1", "to": shipped[2]}
    for role in ("clerk", "operator"):
        refused = api_as(role).post("/quarantine/release", release)
        assert (refused.status_code, error_code(refused)) == (403, "forbidden")
    not_quarantine = api_as("supervisor").post("/quarantine/release",
                                               {**release, "from": shipped[1]})
    assert (not_quarantine.status_code, error_code(not_quarantine)) == (422, "invalid")
    done = api_as("supervisor").post("/quarantine/release", release)
    assert done.status_code == 201, done.get_json()
    assert kinds(done.get_json()) == [("release", 2, "QC-1", shipped[2])]
    assert stock_of(api, "TEA") == {(shipped[1], "L1"): 4, (shipped[2], "L1"): 2}
    assert_ledger_agrees(db)


def test_wms_verify_rebuilds_the_balances_after_returns_of_every_kind(
        api: Any, api_as: Any, database_url: str, shipped: list[str]) -> None:
    assert api.post("/returns", a_return(
        {"sku": "CUP", "qty": 1, "disposition": "restock", "reason": "unwanted"},
        {"sku": "CUP", "qty": 1, "disposition": "quarantine", "reason": "damaged"},
        {"sku": "TEA", "qty": 2, "disposition": "scrap", "reason": "quality"})).status_code == 201
    assert api.post("/supplier-returns", {"supplier": "SUP-1", "lines": [
        {"sku": "CUP", "qty": 2, "from": shipped[0], "reason": "surplus"}]}).status_code == 201
    assert api_as("supervisor").post("/quarantine/release", {
        "sku": "CUP", "qty": 1, "from": "QC-1", "to": shipped[2]}).status_code == 201
    result = CliRunner(env={"WMS_DATABASE_URL": database_url}).invoke(main, ["verify"])
    assert result.exit_code == 0, result.output
    assert "ledger and balances agree" in result.output
