"""The analysis reports, on a ledger built through the services on known past days: every
number below is worked out by hand from the receipts, shipments and returns."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.shop import Shop, day, days_ago, noon, tea_shop
from wms.clock import held_at
from wms.db import Database
from wms.models import Item
from wms.services.counting import Thresholds, approve_count, enter_count, start_count, submit_count


def test_turnover_divides_the_cost_sold_by_the_mean_of_the_days_closing_values(
        api: Any, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    # Closing values 1-5 March: 50, 50, 30, 30, 35 -> mean 39.00; sold 20.00 less 5.00 back.
    row = api.get("/reports/turnover", **{"from": "2026-03-01", "to": "2026-03-05"}
                  ).get_json()["rows"][0]
    assert (row["sku"], row["cogs"], row["avg_inventory_value"], row["turnover"],
            row["turnover_days"]) == ("TEA", "15.00", "39.00", 0.3846, 13.0)


def test_stock_bought_before_the_period_counts_for_every_day_of_it(
        api: Any, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    # Closing values 3-5 March: 30, 30, 35 -> mean 31.67; 15.00 / 31.666.. = 0.4737.
    row = api.get("/reports/turnover", **{"from": "2026-03-03", "to": "2026-03-05"}
                  ).get_json()["rows"][0]
    assert (row["cogs"], row["avg_inventory_value"], row["turnover"],
            row["turnover_days"]) == ("15.00", "31.67", 0.4737, 6.3333)


def test_turnover_by_category_adds_up_its_items(api: Any, db: Database,
                                                 build: Builder) -> None:
    tea_shop(db, build)
    build.item("LEAF", category="tea")
    build.item("CUP", category="cups")
    body = api.get("/reports/turnover", group="category",
                   **{"from": "2026-03-01", "to": "2026-03-05"}).get_json()
    assert [(r["category"], r["cogs"], r["avg_inventory_value"]) for r in body["rows"]] == [
        ("tea", "15.00", "39.00")]


def test_an_item_that_held_no_stock_has_no_turnover(api: Any, db: Database,
                                                    build: Builder) -> None:
    tea_shop(db, build)
    body = api.get("/reports/turnover", **{"from": "2026-02-01", "to": "2026-02-10"}).get_json()
    assert body == {"rows": [], "total": 0}


def abc_shop(db: Database, build: Builder) -> Shop:
    """Four items bought at 1.00 and sold 70, 20, 6 and 4 units in March; a fifth unsold."""
    for sku in ("A1", "A2", "B1", "C1", "IDLE"):
        build.item(sku, category="cups")
    shop = Shop(db, build)
    for n, (sku, sold) in enumerate((("A1", 70), ("A2", 20), ("B1", 6), ("C1", 4)), 1):
        shop.buy(day(1), sku, 100, "1.00", bin_code=f"A-01-0{n}-01")
        shop.sell(day(2), sku, sold, "2.00")
    shop.buy(day(1), "IDLE", 5, "1.00", bin_code="A-01-05-01")
    return shop


def test_abc_ranks_consumption_70_20_6_4_as_a_a_b_c(api: Any, db: Database,
                                                    build: Builder) -> None:
    abc_shop(db, build)
    rows = api.get("/reports/abc", **{"from": "2026-03-01", "to": "2026-03-31"}
                   ).get_json()["rows"]
    assert [(r["sku"], r["consumption_value"], r["share"], r["cumulative_share"], r["class"])
            for r in rows] == [("A1", "70.00", 0.7, 0.7, "A"), ("A2", "20.00", 0.2, 0.9, "A"),
                               ("B1", "6.00", 0.06, 0.96, "B"), ("C1", "4.00", 0.04, 1.0, "C"),
                               ("IDLE", "0.00", 0.0, 1.0, "C")]


def test_applying_abc_writes_each_items_class(api: Any, db: Database,
                                               build: Builder) -> None:
    abc_shop(db, build)
    answer = api.post("/reports/abc/apply?from=2026-03-01&to=2026-03-31")
    assert answer.get_json() == {"classes": {"A": 2, "B": 1, "C": 2}}
    with db.read() as s:
        assert {sku: grade for sku, grade in s.execute(select(Item.sku, Item.abc_class))} == {
            "A1": "A", "A2": "A", "B1": "B", "C1": "C", "IDLE": "C"}


def test_slow_movers_are_items_with_stock_and_no_shipment_in_the_days(
        api: Any, db: Database, build: Builder) -> None:
    for sku in ("OLD", "FRESH", "NEVER"):
        build.item(sku)
    shop = Shop(db, build)
    shop.buy(days_ago(120), "OLD", 10, "2.00", bin_code="A-01-01-01")
    shop.sell(days_ago(100), "OLD", 3)
    shop.buy(days_ago(50), "FRESH", 10, "1.00", bin_code="A-01-02-01")
    shop.sell(days_ago(10), "FRESH", 3)
    shop.buy(days_ago(30), "NEVER", 4, "3.00", bin_code="A-01-03-01")
    rows = api.get("/reports/slow-movers", days="90").get_json()["rows"]
    assert [(r["sku"], r["on_hand"], r["stock_value"], r["last_shipped_at"] is not None,
             r["oldest_lot_received_at"][:10]) for r in rows] == [
        ("OLD", 7, "14.00", True, _utc_day(days_ago(120))),
        ("NEVER", 4, "12.00", False, _utc_day(days_ago(30)))]
    assert rows[0]["last_shipped_at"][:10] == _utc_day(days_ago(100))


def _utc_day(local: date) -> str:
    return noon(local).astimezone(UTC).date().isoformat()


def test_stock_age_puts_each_lot_in_the_bucket_of_its_received_day(
        api: Any, db: Database, build: Builder) -> None:
    build.item("TEA")
    shop = Shop(db, build)
    shop.buy(days_ago(100), "TEA", 1, "1.00")
    shop.buy(days_ago(61), "TEA", 2, "1.00")
    shop.buy(days_ago(60), "TEA", 3, "1.00")
    shop.buy(days_ago(30), "TEA", 4, "1.00")
    shop.buy(days_ago(0), "TEA", 5, "1.00")
    body = api.get("/reports/stock-age", buckets="30,60,90").get_json()
    row = body["rows"][0]
    assert [(b["bucket"], b["qty"], b["value"]) for b in row["buckets"]] == [
        ("0-30", 9, "9.00"), ("31-60", 3, "3.00"), ("61-90", 2, "2.00"), (">90", 1, "1.00")]
    assert (row["qty"], row["value"], row["qty_over_90"]) == (15, "15.00", 1)


def test_sales_give_revenue_returns_cost_and_margin_ranked_by_net_revenue(
        api: Any, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    query = {"from": "2026-03-01", "to": "2026-03-31"}
    by_item = api.get("/reports/sales", group="item", **query).get_json()["rows"]
    # Shipped 4 + 2 at 9.00 = 54.00 at a cost of 6 x 5.00 = 30.00; 1 came back: 9.00
    # refunded and 5.00 of cost back in stock -> net 45.00, cost 25.00, margin 20.00.
    assert [(r["sku"], r["qty"], r["returned"], r["revenue"], r["refunds"],
             r["net_revenue"], r["cogs"], r["gross_margin"], r["margin_rate"])
            for r in by_item] == [("TEA", 6, 1, "54.00", "9.00", "45.00", "25.00", "20.00",
                                   0.4444)]
    by_customer = api.get("/reports/sales", group="customer", **query).get_json()["rows"]
    assert [(r["customer"], r["returned"], r["net_revenue"], r["gross_margin"])
            for r in by_customer] == [("CUS-1", 1, "27.00", "12.00"),
                                      ("CUS-2", 0, "18.00", "8.00")]
    by_day = api.get("/reports/sales", group="day", **query).get_json()["rows"]
    assert [(r["day"], r["qty"], r["returned"], r["net_revenue"]) for r in by_day] == [
        ("2026-03-03", 4, 0, "36.00"), ("2026-03-05", 0, 1, "-9.00"),
        ("2026-03-08", 2, 0, "18.00")]


def test_a_return_outside_the_period_leaves_its_sale_whole(
        api: Any, db: Database, build: Builder) -> None:
    tea_shop(db, build)  # the return came on 5 March
    row = api.get("/reports/sales", **{"from": "2026-03-01", "to": "2026-03-04"}
                  ).get_json()["rows"][0]
    assert (row["qty"], row["returned"], row["net_revenue"], row["cogs"],
            row["gross_margin"]) == (4, 0, "36.00", "20.00", "16.00")


def _count(db: Database, on: date, bin_code: str, sku: str, qty: int) -> None:
    with held_at(noon(on)):
        with db.write() as s:
            count = start_count(s, [bin_code], None)
            enter_count(s, count_id=count.id, location=bin_code, sku=sku, qty=qty, user_id=None)
            submit_count(s, count.id, Thresholds(), None)
        with db.write() as s:
            approve_count(s, count.id, None)


def test_the_count_schedule_lists_bins_by_their_items_class_and_last_count(
        api: Any, db: Database, build: Builder) -> None:
    build.item("FAST", abc_class="A")
    build.item("SLOW", abc_class="C")
    build.item("NEW")
    shop = Shop(db, build)
    shop.buy(days_ago(40), "FAST", 5, "1.00", bin_code="A-01-01-01")
    shop.buy(days_ago(40), "SLOW", 5, "1.00", bin_code="A-01-02-01")
    shop.buy(days_ago(40), "NEW", 5, "1.00", bin_code="A-01-03-01")
    _count(db, days_ago(10), "A-01-01-01", "FAST", 5)  # A: weekly -> 3 days overdue
    _count(db, days_ago(10), "A-01-02-01", "SLOW", 5)  # C: quarterly -> not due
    rows = api.get("/counts/schedule", warehouse="WH1").get_json()["rows"]
    assert [(r["location"], r["abc_class"], r["days_overdue"]) for r in rows] == [
        ("A-01-03-01", "C", 0), ("A-01-01-01", "A", 3)]
    created = api.post("/counts/schedule/create", {"warehouse": "WH1"})
    assert created.status_code == 201
    assert created.get_json()["locations"] == ["A-01-03-01", "A-01-01-01"]
    assert api.get("/counts/schedule").get_json() == {"rows": [], "total": 0}


def test_reports_are_files_too_and_refused_to_the_floor(api_as: Any, db: Database,
                                                         build: Builder) -> None:
    build.item("TEA")
    shop = Shop(db, build)
    shop.buy(days_ago(45), "TEA", 3, "2.00")
    clerk = api_as("clerk")
    csv = clerk.get("/reports/stock-age", format="csv").get_data().decode("utf-8-sig")
    assert csv.splitlines() == [
        "sku,name,qty,value,qty_0_30,value_0_30,qty_31_60,value_31_60,qty_61_90,value_61_90,"
        "qty_over_90,value_over_90",
        "TEA,Item TEA,3,6.00,0,0.00,3,6.00,0,0.00,0,0.00"]
    operator = api_as("operator")
    assert operator.get("/reports/turnover").status_code == 403
    assert operator.post("/reports/abc/apply").status_code == 403
    assert api_as("supervisor").post("/reports/abc/apply").status_code == 403


def test_a_period_that_ends_before_it_begins_holds_nothing(api: Any, db: Database,
                                                           build: Builder) -> None:
    tea_shop(db, build)
    query = {"from": "2026-03-05", "to": "2026-03-01"}
    assert api.get("/reports/turnover", **query).get_json() == {"rows": [], "total": 0}
    assert api.get("/reports/sales", **query).get_json() == {"rows": [], "total": 0}
    assert [r["class"] for r in api.get("/reports/abc", **query).get_json()["rows"]] == ["C"]
