"""Replenishment through the API, on ledgers built in the past through the services: the
seeds' worked examples, what counts as on hand and on order, demand less returns, and
draft purchase orders one per supplier."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.history import customer_return, days_ago, ship, today
from wms.db import Database
from wms.models import PurchaseOrder
from wms.services.orders import OrderLineInput, create_purchase_order


def row_of(api: Any, sku: str, **query: Any) -> dict[str, Any]:
    answer = api.get("/replenishment", sku=sku, **query)
    assert answer.status_code == 200, answer.get_json()
    rows = answer.get_json()["rows"]
    assert len(rows) == 1, rows
    return rows[0]


def test_safety_stock_is_daily_demand_times_lead_time_times_instability(
        build: Builder, db: Database, api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.item("TEA", lead_time_days=5, demand_window_days=7, instability_factor="1.2")
    build.stock("TEA", bins[0], 200)
    ship(db, "SO-OLD", [("TEA", 50)], days_ago(8))  # before the window: not demand
    ship(db, "SO-1", [("TEA", 30)], days_ago(6))  # the window's first day
    ship(db, "SO-2", [("TEA", 40)], days_ago(0, hour=9))  # today

    row = row_of(api, "TEA")

    assert row["avg_daily_demand"] == 10  # 70 units over 7 days
    assert row["safety_stock"] == 60 and row["safety_stock_source"] == "computed"
    assert row["reorder_point"] == 110
    assert row["lead_time_days"] == 5
    assert row["on_hand"] == 80
    assert row["alert"] == "below_reorder_point"


def test_the_purchase_quantity_is_rounded_up_to_a_whole_number_then_to_the_pack(
        build: Builder, db: Database, api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.item("CUP", safety_stock=50, lead_time_days=3, demand_window_days=7,
               review_period_days=7)
    build.stock("CUP", bins[0], 50)
    ship(db, "SO-1", [("CUP", 20)], days_ago(3))  # 20 a week; 30 left

    row = row_of(api, "CUP")
    assert row["on_hand"] == 30
    assert row["avg_daily_demand"] == 2.8571
    assert row["safety_stock"] == 50 and row["safety_stock_source"] == "fixed"
    assert row["suggested_qty"] == 32  # 50 - 30 + 20 - 8.5714 = 31.43
    assert row["alert"] == "below_safety_stock"

    api.put("/items/CUP", {"pack_size": 12})
    assert row_of(api, "CUP")["suggested_qty"] == 36


def test_a_fixed_safety_stock_replaces_the_computed_one_and_clearing_it_computes_again(
        build: Builder, db: Database, api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.item("MUG", lead_time_days=2, demand_window_days=10, instability_factor="1.5")
    build.stock("MUG", bins[0], 100)
    ship(db, "SO-1", [("MUG", 40)], days_ago(1))  # 4 a day

    computed = row_of(api, "MUG")
    assert (computed["safety_stock"], computed["safety_stock_source"]) == (12, "computed")
    assert computed["reorder_point"] == 20

    assert api.put("/items/MUG", {"safety_stock": 25}).status_code == 200
    fixed = row_of(api, "MUG")
    assert (fixed["safety_stock"], fixed["safety_stock_source"]) == (25, "fixed")
    assert fixed["reorder_point"] == 33

    assert api.put("/items/MUG", {"safety_stock": None}).status_code == 200
    assert row_of(api, "MUG")["safety_stock_source"] == "computed"


def test_the_lead_time_is_the_items_else_its_suppliers_else_none(
        build: Builder, api: Any) -> None:
    build.warehouse("WH1")
    assert api.put("/suppliers/SUP-1", {"name": "Tea farm", "lead_time_days": 9}
                   ).status_code in (200, 201)
    build.item("OWN", supplier="SUP-1", lead_time_days=4)
    build.item("FROM-SUPPLIER", supplier="SUP-1")
    build.item("NONE")
    assert row_of(api, "OWN")["lead_time_days"] == 4
    assert row_of(api, "FROM-SUPPLIER")["lead_time_days"] == 9
    assert row_of(api, "NONE")["lead_time_days"] == 0


def test_on_order_counts_open_and_partial_orders_less_what_was_received(
        build: Builder, db: Database, api: Any) -> None:
    build.warehouse("WH1")
    build.supplier("SUP-1")
    build.item("BOWL", supplier="SUP-1", review_period_days=7, lead_time_days=0)
    with db.write() as s:
        for number, qty, status in (("PO-OPEN", 10, "open"), ("PO-PART", 20, "open"),
                                    ("PO-DRAFT", 40, "draft"), ("PO-CANCEL", 80, "open"),
                                    ("PO-CLOSED", 160, "open")):
            create_purchase_order(s, number, "SUP-1", [OrderLineInput("BOWL", qty)], None,
                                  status=status)
    assert api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-PART",
                                  "lines": [{"sku": "BOWL", "qty": 5}]}).status_code == 201
    assert api.post("/purchase-orders/PO-CANCEL/cancel", {"reason": "late"}
                    ).status_code == 200
    assert api.post("/purchase-orders/PO-CLOSED/close").status_code == 200

    row = row_of(api, "BOWL")
    assert row["on_order"] == 10 + 15
    assert row["on_hand"] == 5
    assert row["order_up_to_qty"] == 0  # no demand, no safety stock


def test_quarantine_expired_and_in_transit_stock_is_not_on_hand(
        build: Builder, api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.warehouse("WH2", zone="B")
    build.item("MILK", expiry=True, safety_stock=10, tracking="lot")
    build.stock("MILK", bins[0], 6, lot="GOOD")
    build.stock("MILK", "QC-1", 50, lot="HELD")
    build.stock("MILK", bins[1], 70, lot="OLD", expiry=today() - timedelta(days=1))
    build.stock("MILK", bins[2], 30, lot="ROAD")
    assert api.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2", "lines": [
        {"sku": "MILK", "qty": 30, "from": bins[2], "lot": "ROAD"}]}).status_code == 201

    row = row_of(api, "MILK")
    assert row["on_hand"] == 6
    assert row["alert"] == "below_safety_stock"


def test_units_customers_return_reduce_the_demand(build: Builder, db: Database,
                                                  api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.item("VASE", demand_window_days=10, lead_time_days=1)
    build.stock("VASE", bins[0], 100)
    ship(db, "SO-1", [("VASE", 50)], days_ago(5))
    customer_return(db, "VASE", 10, days_ago(2))
    customer_return(db, "VASE", 5, days_ago(30))  # long before the window

    row = row_of(api, "VASE")
    assert row["demand"] == 40
    assert row["avg_daily_demand"] == 4


def test_a_warehouse_shows_its_own_stock_and_demand(build: Builder, db: Database,
                                                    api: Any) -> None:
    north = build.warehouse("WH1")
    south = build.warehouse("WH2", zone="B")
    build.item("TEA", demand_window_days=10, safety_stock=5)
    build.item("ONLY-NORTH")
    build.stock("TEA", north[0], 40)
    build.stock("TEA", south[0], 3, dock="DOCK-2")
    build.stock("ONLY-NORTH", north[1], 1)
    ship(db, "SO-1", [("TEA", 20)], days_ago(1))

    everywhere = row_of(api, "TEA")
    assert (everywhere["on_hand"], everywhere["demand"]) == (23, 20)
    assert row_of(api, "TEA", warehouse="WH1")["on_hand"] == 20
    south_row = row_of(api, "TEA", warehouse="wh2")
    assert (south_row["on_hand"], south_row["demand"], south_row["alert"]) == (
        3, 0, "below_safety_stock")
    assert [r["sku"] for r in api.get("/replenishment", warehouse="WH2").get_json()["rows"]
            ] == ["TEA"]
    assert api.get("/replenishment", warehouse="NOWHERE").status_code == 404


def test_the_list_filters_by_category_and_alert_pages_and_exports(
        build: Builder, api: Any) -> None:
    bins = build.warehouse("WH1", capacity=None)
    build.item("A-LOW", category="tea", safety_stock=5)
    build.item("B-OK", category="tea")
    build.item("C-FULL", category="cups", max_qty=2)
    build.stock("C-FULL", bins[0], 3)

    assert [r["sku"] for r in api.get("/replenishment", category="tea").get_json()["rows"]
            ] == ["A-LOW", "B-OK"]
    alerts = api.get("/replenishment", alert="any").get_json()
    assert [(r["sku"], r["alert"]) for r in alerts["rows"]] == [
        ("A-LOW", "below_safety_stock"), ("C-FULL", "above_max")]
    page = api.get("/replenishment", limit=1, offset=1).get_json()
    assert page["total"] == 3 and [r["sku"] for r in page["rows"]] == ["B-OK"]
    csv = api.get("/replenishment", format="csv", alert="above_max")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and "C-FULL" in lines[1] and "above_max" in lines[1]
    assert api.get("/replenishment", alert="soon").status_code == 422


def test_drafts_are_made_one_per_supplier_at_the_last_price(
        build: Builder, db: Database, api: Any) -> None:
    build.warehouse("WH1")
    build.supplier("SUP-1")
    build.supplier("SUP-2", "Cup works")
    build.item("TEA", supplier="SUP-1", safety_stock=10, unit_cost="3.00")
    build.item("LEAF", supplier="SUP-1", safety_stock=4, pack_size=6, unit_cost="1.25")
    build.item("CUP", supplier="SUP-2", safety_stock=7)
    build.item("LOOSE", safety_stock=3)  # no supplier: skipped and named
    build.item("ENOUGH", supplier="SUP-2")  # nothing to order
    with db.write() as s:
        create_purchase_order(s, "PO-OLD", "SUP-1",
                              [OrderLineInput("TEA", 5, Decimal("2.40"))], None)
        create_purchase_order(s, "PO-DRAFT", "SUP-1",
                              [OrderLineInput("TEA", 5, Decimal("9.99"))], None,
                              status="draft")

    answer = api.post("/replenishment/purchase-orders", {})
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert len(made["purchase_orders"]) == 2 and made["without_supplier"] == ["LOOSE"]

    orders = {}
    for number in made["purchase_orders"]:
        order = api.get(f"/purchase-orders/{number}").get_json()
        assert order["status"] == "draft"
        orders[order["supplier"]] = {ln["sku"]: (ln["qty"], ln["unit_price"])
                                     for ln in order["lines"]}
    # TEA: 10 fixed - 0 on hand, less the 5 on the open order is no matter to the seeds
    assert orders == {"SUP-1": {"TEA": (10, "2.40"), "LEAF": (6, "1.25")},
                      "SUP-2": {"CUP": (7, "0.00")}}

    number = made["purchase_orders"][0]
    assert api.post(f"/purchase-orders/{number}/send").get_json()["status"] == "open"
    with db.read() as s:
        assert s.scalar(select(PurchaseOrder.created_by).where(
            PurchaseOrder.number == number)) is not None


def test_drafts_of_chosen_skus_only_and_unknown_skus_refused(build: Builder,
                                                             api: Any) -> None:
    build.warehouse("WH1")
    build.supplier("SUP-1")
    build.item("TEA", supplier="SUP-1", safety_stock=10)
    build.item("CUP", supplier="SUP-1", safety_stock=10)
    made = api.post("/replenishment/purchase-orders", {"skus": ["CUP"]}).get_json()
    order = api.get(f"/purchase-orders/{made['purchase_orders'][0]}").get_json()
    assert [ln["sku"] for ln in order["lines"]] == ["CUP"]
    refused = api.post("/replenishment/purchase-orders", {"skus": ["NOPE"]})
    assert refused.status_code == 422 and "NOPE" in refused.get_json()["error"]["message"]


def test_only_buyers_make_drafts(build: Builder, api_as: Any) -> None:
    build.warehouse("WH1")
    assert api_as("operator").get("/replenishment").status_code == 200
    assert api_as("operator").post("/replenishment/purchase-orders", {}).status_code == 403
