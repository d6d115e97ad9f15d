"""Forecasts, supplier evaluation and the warehouse map through API v1, on both engines,
over a ledger built in the past through the services with known answers worked by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.trading import (
    customer_return,
    days_ago,
    deliver,
    purchase,
    ship,
    stock_up,
    today,
)
from wms.db import Database

# Daily demand of CUP over the last 10 days, oldest first (today last): day 3 ships 12 and
# takes 2 back, day 6's 30 leave at 00:30 local time (the day before in UTC).
DEMAND = [10, 0, 20, 10, 10, 0, 30, 10, 20, 10]


@pytest.fixture
def cups(build: Builder, db: Database) -> None:
    bins = build.warehouse("WH1", bins=3, capacity=None)
    build.item("CUP", name="茶杯", unit_cost="2.00")
    build.customer("CUS-1")
    stock_up(db, "CUP", 500, bins[0], days_ago(30))
    for n, units in enumerate(DEMAND):
        ago = len(DEMAND) - 1 - n
        if n == 3:
            ship(db, f"SO-{n}", [("CUP", 12)], days_ago(ago, 9))
            customer_return(db, f"SO-{n}", "CUP", 2, days_ago(ago, 15))
        elif units:
            ship(db, f"SO-{n}", [("CUP", units)],
                 days_ago(ago, 0, 30) if n == 6 else days_ago(ago, 10))
    # the day before the history: not in it, but the moving average of its first days
    # takes it
    ship(db, "SO-OLD", [("CUP", 99)], days_ago(10))


def test_the_forecast_lists_each_days_demand_with_zero_days_and_returns_netted(
        cups: None, api_as: Any) -> None:
    answer = api_as("clerk").get("/reports/forecast", sku="CUP", days=10, window=3)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    first = today() - timedelta(days=9)
    assert [d["date"] for d in body["history"]] == [
        (first + timedelta(days=n)).isoformat() for n in range(10)]
    assert [d["demand"] for d in body["history"]] == DEMAND
    assert body["from"] == first.isoformat() and body["to"] == today().isoformat()


def test_a_moving_average_forecasts_the_mean_of_the_last_window_days(
        cups: None, api_as: Any) -> None:
    body = api_as("clerk").get("/reports/forecast", sku="CUP", days=10,
                               method="moving_average", window=3).get_json()
    # each day: the mean of the three days before it (99 shipped the day before the
    # history, nothing the two days before that)
    assert [d["forecast"] for d in body["history"]] == [
        33.0, 36.3333, 36.3333, 10.0, 10.0, 13.3333, 6.6667, 13.3333, 13.3333, 20.0]
    # tomorrow: (10 + 20 + 10) / 3
    assert body["forecast_daily"] == 13.3333
    assert body["forecast"][0] == {"date": (today() + timedelta(days=1)).isoformat(),
                                   "qty": 13.3333}
    # errors 23/10, (day 1 has no demand: left out), 16.33/20, 0, 0, (day 5 left out),
    # 23.33/30, 3.33/10, 6.67/20, 10/10 -> 5.5611 / 8
    assert body["mape"]["moving_average"] == 0.6951


def test_exponential_smoothing_carries_the_level_forward_and_its_mape_is_compared(
        cups: None, api_as: Any) -> None:
    body = api_as("clerk").get("/reports/forecast", sku="CUP", days=10, window=3,
                               method="exp_smoothing", alpha="0.5").get_json()
    # level 10, then 5, 12.5, 11.25, 10.625, 5.3125, 17.65625, 13.828125, 16.9140625,
    # 13.45703125: each day's forecast is the level after the day before
    assert [d["forecast"] for d in body["history"]] == [
        None, 10.0, 5.0, 12.5, 11.25, 10.625, 5.3125, 17.6563, 13.8281, 16.9141]
    assert body["forecast_daily"] == 13.457
    # errors (day 1 and 5 left out): 15/20, 2.5/10, 1.25/10, 24.6875/30, 7.65625/10,
    # 6.171875/20, 6.9140625/10 -> mean 0.5305, which fits better than the moving average
    assert body["mape"] == {"moving_average": 0.6951, "exp_smoothing": 0.5305}
    assert body["best_method"] == "exp_smoothing"


def test_a_forecast_refuses_a_bad_method_window_or_alpha_and_an_unknown_item(
        cups: None, api_as: Any) -> None:
    clerk = api_as("clerk")
    for query in ({"method": "guess"}, {"window": "0"}, {"alpha": "1.5"}, {"alpha": "x"},
                  {"days": "0"}, {"window": "3661"}):
        answer = clerk.get("/reports/forecast", sku="CUP", **query)
        assert answer.status_code == 422, query
        assert answer.get_json()["error"]["code"] == "invalid"
    assert clerk.get("/reports/forecast", sku="NOPE").status_code == 404
    assert clerk.get("/reports/forecast").status_code == 404


# ---------------------------------------------------------------- suppliers


@pytest.fixture
def deliveries(build: Builder, db: Database) -> None:
    """SUP-1: PO-1 (made 20 days ago, due 10 days ago) for 100 CUP at 2.00 and 50 TEA at
    10.00: 60 CUP came 12 days ago, then 8 days ago (late) the other 40 CUP, 40 TEA and 5
    TEA rejected as damaged. PO-2 (made 15 days ago, due 5 days ago): 30 CUP at 2.50, all
    came 6 days ago. PO-3 is due next week. SUP-2: PO-5, 10 CUP at 1.90, in full on time."""
    build.warehouse("WH1", bins=2)
    build.item("CUP", name="茶杯", unit_cost="2.00")
    build.item("TEA", name="龙井茶", unit_cost="10.00")
    build.supplier("SUP-1", "茶具厂")
    build.supplier("SUP-2", "瓷器店")
    build.supplier("SUP-3", "无单")
    day = today()
    purchase(db, "PO-1", "SUP-1", [("CUP", 100, "2.00"), ("TEA", 50, "10.00")],
             days_ago(20), day - timedelta(days=10))
    purchase(db, "PO-2", "SUP-1", [("CUP", 30, "2.50")], days_ago(15),
             day - timedelta(days=5))
    purchase(db, "PO-3", "SUP-1", [("CUP", 10, "2.60")], days_ago(2),
             day + timedelta(days=7))
    purchase(db, "PO-5", "SUP-2", [("CUP", 10, "1.90")], days_ago(10),
             day - timedelta(days=4))
    deliver(db, "PO-1", [("CUP", 60, "accept")], days_ago(12))
    deliver(db, "PO-1", [("CUP", 40, "accept"), ("TEA", 40, "accept"),
                         ("TEA", 5, "reject")], days_ago(8))
    deliver(db, "PO-2", [("CUP", 30, "accept")], days_ago(6))
    deliver(db, "PO-3", [("CUP", 10, "accept")], days_ago(1))
    deliver(db, "PO-5", [("CUP", 10, "accept")], days_ago(5))


def test_a_suppliers_on_time_fill_and_reject_rates_and_lead_time_are_worked_out(
        deliveries: None, api_as: Any) -> None:
    first = (today() - timedelta(days=30)).isoformat()
    answer = api_as("clerk").get("/suppliers/SUP-1/evaluation", **{"from": first,
                                                                   "to": today().isoformat()})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    # due: PO-1's two lines and PO-2's (PO-3 is due after the period); only PO-2's line
    # came in full by its day (PO-1's CUP was complete 2 days late, its TEA is short)
    assert body["lines_due"] == 3 and body["lines_on_time"] == 1
    assert body["on_time_rate"] == 0.3333
    # received 100 + 40 + 30 of 100 + 50 + 30 ordered
    assert (body["units_received"], body["units_ordered"]) == (170, 180)
    assert body["fill_rate"] == 0.9444
    # 5 rejected of 175 delivered
    assert body["units_rejected"] == 5 and body["reject_rate"] == 0.0286
    # deliveries of a line: PO-1's CUP after 8 and 12 days, its TEA after 12 (accepted and
    # rejected units in one receipt: one delivery), PO-2's CUP after 9 -> 41 / 4
    assert body["deliveries"] == 4 and body["avg_lead_time_days"] == 10.25
    assert body["price_history"] == [
        {"sku": "CUP", "date": (today() - timedelta(days=20)).isoformat(),
         "unit_price": "2.00"},
        {"sku": "CUP", "date": (today() - timedelta(days=15)).isoformat(),
         "unit_price": "2.50"},
        {"sku": "TEA", "date": (today() - timedelta(days=20)).isoformat(),
         "unit_price": "10.00"},
    ]


def test_suppliers_are_ranked_side_by_side_best_first(deliveries: None,
                                                      api_as: Any) -> None:
    answer = api_as("clerk").get("/reports/suppliers", **{
        "from": (today() - timedelta(days=30)).isoformat(), "to": today().isoformat()})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 2  # SUP-3 had nothing due
    assert [(r["supplier"], r["on_time_rate"], r["fill_rate"]) for r in body["rows"]] == [
        ("SUP-2", 1.0, 1.0), ("SUP-1", 0.3333, 0.9444)]
    assert body["rows"][0]["avg_lead_time_days"] == 5.0


def test_a_period_without_lines_due_has_no_rates(deliveries: None, api_as: Any) -> None:
    body = api_as("clerk").get("/suppliers/SUP-3/evaluation").get_json()
    assert body["lines_due"] == 0
    assert body["on_time_rate"] is None and body["fill_rate"] is None
    assert body["reject_rate"] is None and body["avg_lead_time_days"] is None


def test_supplier_evaluation_refuses_a_bad_day_and_an_unknown_supplier(
        deliveries: None, api_as: Any) -> None:
    clerk = api_as("clerk")
    backwards = clerk.get("/suppliers/SUP-1/evaluation", **{"from": "2026-05-01",
                                                             "to": "2026-04-01"})
    assert backwards.status_code == 200 and backwards.get_json()["lines_due"] == 0
    assert clerk.get("/suppliers/SUP-1/evaluation", to="yesterday").status_code == 422
    assert clerk.get("/suppliers/NOPE/evaluation").status_code == 404


# ---------------------------------------------------------------- the warehouse map


def test_the_map_answers_each_bin_with_its_fill_and_marks_blocked_and_quarantine(
        build: Builder, db: Database, api_as: Any) -> None:
    bins = build.warehouse("WH1", bins=3, capacity=100)
    build.item("CUP", name="茶杯")
    build.location(bins[2], warehouse="WH1", zone="A", kind="storage", capacity=100,
                   blocked=True)
    stock_up(db, "CUP", 40, bins[1], days_ago(3))
    answer = api_as("clerk").get("/reports/warehouse-map", warehouse="WH1", color="fill")
    assert answer.status_code == 200, answer.get_json()
    rows = {r["location"]: r for r in answer.get_json()["rows"]}
    assert rows["A-01-02-01"]["units"] == 40 and rows["A-01-02-01"]["fill"] == 0.4
    assert rows["A-01-02-01"]["band"] == 2
    assert (rows["A-01-02-01"]["aisle"], rows["A-01-02-01"]["bay"],
            rows["A-01-02-01"]["level"]) == (1, 2, 1)
    assert rows["A-01-01-01"]["band"] == 0
    assert rows["A-01-03-01"]["blocked"] is True
    assert rows["QC-1"]["quarantine"] is True and rows["QC-1"]["aisle"] is None


def test_the_map_counts_picks_out_of_a_bin_in_the_last_days(
        build: Builder, db: Database, api_as: Any) -> None:
    bins = build.warehouse("WH1", bins=2, capacity=100)
    build.item("CUP", name="茶杯")
    stock_up(db, "CUP", 50, bins[0], days_ago(60))
    ship(db, "SO-OLD", [("CUP", 5)], days_ago(40))
    ship(db, "SO-1", [("CUP", 5)], days_ago(3))
    ship(db, "SO-2", [("CUP", 5)], days_ago(2))
    rows = {r["location"]: r for r in api_as("clerk").get(
        "/reports/warehouse-map", warehouse="WH1", color="picks", days=30,
        limit=1000).get_json()["rows"]}
    assert rows[bins[0]]["picks"] == 2 and rows[bins[0]]["band"] == 4
    assert rows[bins[1]]["picks"] == 0 and rows[bins[1]]["band"] == 0


def test_forecasts_and_supplier_figures_are_for_the_office_the_map_for_everyone(
        deliveries: None, api_as: Any) -> None:
    for path, query in (("/reports/forecast", {"sku": "CUP"}),
                        ("/suppliers/SUP-1/evaluation", {}), ("/reports/suppliers", {})):
        answer = api_as("operator").get(path, **query)
        assert answer.status_code == 403, path
        assert answer.get_json()["error"]["code"] == "forbidden"
        assert api_as("supervisor").get(path, **query).status_code == 200, path
    assert api_as("operator").get("/reports/warehouse-map",
                                  warehouse="WH1").status_code == 200
    assert api_as("admin").get("/reports/forecast", sku="CUP").status_code == 200


def test_the_map_gives_the_days_since_each_bin_was_last_counted(
        build: Builder, db: Database, api_as: Any) -> None:
    from wms.clock import held_at
    from wms.services.counting import enter_count, start_count

    bins = build.warehouse("WH1", bins=3, capacity=100)
    build.item("CUP", name="茶杯")
    stock_up(db, "CUP", 10, bins[0], days_ago(60))
    for ago, code in ((40, bins[0]), (10, bins[0]), (3, bins[1])):
        with held_at(days_ago(ago)), db.write() as s:
            count = start_count(s, [code], None)
            enter_count(s, count_id=count.id, location=code, sku="CUP",
                        qty=10 if code == bins[0] else 0, user_id=None)
    rows = {r["location"]: r for r in api_as("clerk").get(
        "/reports/warehouse-map", warehouse="WH1", color="count_age").get_json()["rows"]}
    assert (rows[bins[0]]["last_counted"], rows[bins[0]]["count_age_days"],
            rows[bins[0]]["band"]) == ((today() - timedelta(days=10)).isoformat(), 10, 2)
    assert (rows[bins[1]]["count_age_days"], rows[bins[1]]["band"]) == (3, 1)
    assert (rows[bins[2]]["last_counted"], rows[bins[2]]["band"]) == (None, None)
