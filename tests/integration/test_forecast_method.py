"""Each item keeps the method its replenishment forecasts the daily demand with: set
through the items API, the item form and the forecast page (audited with the old and new
method), shown in the reader's language, and read by the replenishment, on both engines.

The ledger: 100 CUP put away 30 days ago; 10, 20 and 10 shipped two days ago, yesterday and
today; lead time 5 days, review period 7, instability 1.2, the default 28-day window.
- moving average: 40 / 28 = 1.4286 a day; safety 40/28 x 5 x 1.2 = 8.5714; reorder point
  40/28 x 5 + 8.5714 = 15.7143; on hand 60: nothing to order, no alert;
- exponential smoothing (alpha 0.3 over the last 90 days, zero until two days ago): level
  3, then 0.3 x 20 + 0.7 x 3 = 8.1, then 0.3 x 10 + 0.7 x 8.1 = 8.67 a day; safety
  8.67 x 5 x 1.2 = 52.02; reorder point 43.35 + 52.02 = 95.37; suggested 52.02 - 60 +
  8.67 x 7 - 8.67 x 5 = 9.36 -> 10; 60 is below the reorder point;
- their errors over the 90 days (days with demand only): the moving average forecast 0,
  10/28 and 30/28 for the three days, MAPE (1 + 0.98214 + 0.89286) / 3 = 0.9583; the
  smoothing 0, 3 and 8.1, MAPE (1 + 0.85 + 0.19) / 3 = 0.68: `auto` takes the smoothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from tests.support.trading import days_ago, ship, stock_up
from wms.db import Database
from wms.models import AuditEvent, Item


@pytest.fixture
def cups(build: Builder, db: Database) -> None:
    bins = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP", name="Cup", name_zh="茶杯", name_en="Cup", unit_cost="2.00",
               lead_time_days=5)
    build.customer("CUS-1")
    stock_up(db, "CUP", 100, bins[0], days_ago(30))
    for ago, units in ((2, 10), (1, 20), (0, 10)):
        ship(db, f"SO-{ago}", [("CUP", units)], days_ago(ago, 10))


def _row(api: Any) -> dict[str, Any]:
    answer = api.get("/replenishment", sku="CUP", warehouse="WH1")
    assert answer.status_code == 200, answer.get_json()
    rows = answer.get_json()["rows"]
    assert len(rows) == 1
    return rows[0]


def test_an_item_forecasts_by_the_moving_average_until_told_otherwise(
        cups: None, api_as: Any) -> None:
    clerk = api_as("clerk")
    assert clerk.get("/items/CUP").get_json()["forecast_method"] == "moving_average"
    row = _row(clerk)
    assert row["forecast_method"] == "moving_average"
    assert row["demand_method"] == "moving_average"
    assert (row["avg_daily_demand"], row["safety_stock"], row["reorder_point"]) == (
        1.4286, 8.5714, 15.7143)
    assert (row["suggested_qty"], row["alert"]) == (0, None)


def test_exponential_smoothing_kept_on_the_item_feeds_the_replenishment(
        cups: None, api_as: Any) -> None:
    clerk = api_as("clerk")
    answer = clerk.put("/items/CUP", {"forecast_method": "exp_smoothing"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["forecast_method"] == "exp_smoothing"
    row = _row(clerk)
    assert (row["forecast_method"], row["demand_method"]) == ("exp_smoothing",
                                                              "exp_smoothing")
    assert (row["avg_daily_demand"], row["safety_stock"], row["reorder_point"]) == (
        8.67, 52.02, 95.37)
    assert (row["suggested_qty"], row["alert"]) == (10, "below_reorder_point")
    # the demand of the window is still the units shipped in it
    assert row["demand"] == 40
    # the same figure as the forecast report gives for that method over 90 days
    report = clerk.get("/reports/forecast", sku="CUP", method="exp_smoothing",
                       days=90).get_json()
    assert report["forecast_daily"] == 8.67


def test_auto_takes_the_method_with_the_smaller_error_over_the_last_90_days(
        cups: None, api_as: Any) -> None:
    clerk = api_as("clerk")
    assert clerk.put("/items/CUP", {"forecast_method": "auto"}).status_code == 200
    row = _row(clerk)
    assert (row["forecast_method"], row["demand_method"]) == ("auto", "exp_smoothing")
    assert row["avg_daily_demand"] == 8.67
    report = clerk.get("/reports/forecast", sku="CUP", days=90, window=28).get_json()
    assert report["mape"] == {"moving_average": 0.9583, "exp_smoothing": 0.68}
    assert report["replenishment"] == {
        "forecast_method": "auto", "demand_method": "exp_smoothing",
        "avg_daily_demand": 8.67, "demand_window_days": 28,
        "mape": {"moving_average": 0.9583, "exp_smoothing": 0.68}}


def test_the_office_home_alerts_follow_the_items_method(cups: None, api_as: Any,
                                                         db: Database) -> None:
    from wms.config import Settings
    from wms.reports.replenishment import alerted_by_warehouse
    from wms.services.shelf_life import warehouse_today

    today = warehouse_today(Settings.timezone)
    with db.read() as s:
        assert alerted_by_warehouse(s, today, Settings.timezone) == []
    assert api_as("clerk").put("/items/CUP", {"forecast_method": "auto"}).status_code == 200
    with db.read() as s:
        rows = alerted_by_warehouse(s, today, Settings.timezone)
    assert [(r.warehouse, r.sku, r.alert, r.demand_method) for r in rows] == [
        ("WH1", "CUP", "below_reorder_point", "exp_smoothing")]


def test_the_items_api_refuses_a_method_it_does_not_know_and_audits_a_change(
        cups: None, api_as: Any, db: Database) -> None:
    clerk = api_as("clerk")
    answer = clerk.put("/items/CUP", {"forecast_method": "guess"})
    assert answer.status_code == 422
    assert clerk.get("/items/CUP").get_json()["forecast_method"] == "moving_average"
    assert clerk.put("/items/CUP", {"forecast_method": "auto"}).status_code == 200
    with db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.subject == "CUP")
                          .order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "item.update"
        assert event.details == {"old": {"forecast_method": "moving_average"},
                                 "new": {"forecast_method": "auto"}}


def test_the_openapi_document_names_the_forecast_method_of_items_and_rows(
        cups: None, api_as: Any) -> None:
    document = api_as("clerk").client.get("/api/v1/openapi.json").get_json()
    text = str(document)
    assert "forecast_method" in text and "demand_method" in text
    assert "'enum': ['moving_average', 'exp_smoothing', 'auto']" in text


# ---------------------------------------------------------------- the office

@pytest.fixture
def office(database_url: str, tmp_path: Path, cups: None, build: Builder) -> Iterator[Any]:
    from terminal_ui import create_app

    build.user("clerk", "clerk")
    app = create_app({"database_url": database_url, "config_path": str(tmp_path / "w.toml"),
                      "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["wms.db"].dispose()


def signed_in(app: Any, language: str = "en") -> OfficeBrowser:
    browser = OfficeBrowser(app.test_client(), language)
    assert browser.sign_in("clerk").status_code == 302
    return browser


def test_the_forecast_page_shows_the_items_method_and_the_planner_sets_it(
        office: Any, db: Database) -> None:
    clerk = signed_in(office)
    page = clerk.get("/office/forecast/", sku="CUP", window="3")
    html = page.get_data(as_text=True)
    assert 'data-forecast-method="moving_average"' in html
    assert "data-kept-daily>1.43<"  # 1.4286, to two places in html
    answer = clerk.post("/office/forecast/method", {"sku": "CUP", "forecast_method": "auto",
                                                   "window": "3"})
    assert answer.status_code == 200
    text = clerk.text(answer)
    assert "the replenishment now forecasts by Automatic (the better fit)" in text
    html = answer.get_data(as_text=True)
    # back on the page asked for, with the method kept and what it chose
    assert 'data-forecast-method="auto" data-demand-method="exp_smoothing"' in html
    assert "data-kept-daily>8.67<" in html and 'name="window" value="3"' in html
    with db.read() as s:
        assert s.scalar(select(Item.forecast_method).where(Item.sku == "CUP")) == "auto"
    refused = clerk.post("/office/forecast/method", {"sku": "CUP", "forecast_method": "x"})
    assert "Choose a method from the list." in clerk.text(refused)
    with db.read() as s:
        assert s.scalar(select(Item.forecast_method).where(Item.sku == "CUP")) == "auto"


def test_the_method_reads_in_chinese_on_the_forecast_and_item_pages(office: Any) -> None:
    zh = signed_in(office, "zh")
    zh.get("/office/forecast/", sku="CUP")
    page = zh.post("/office/forecast/method", {"sku": "CUP",
                                               "forecast_method": "exp_smoothing"})
    text = zh.text(page)
    assert "指数平滑" in text and "exp_smoothing" not in text
    item = zh.text(zh.get("/office/items/CUP"))
    # the kept method, what the daily demand comes from, and the change from -> to
    assert "移动平均 → 指数平滑" in item
    forecast = zh.text(zh.post("/office/forecast/method", {"sku": "CUP",
                                                            "forecast_method": "auto"}))
    assert "自动（取误差较小者）" in forecast and "当前：指数平滑" in forecast
    assert "exp_smoothing" not in item and "moving_average" not in item


def test_the_item_form_sets_the_forecast_method(office: Any, db: Database) -> None:
    clerk = signed_in(office)
    form = clerk.get("/office/items/CUP/edit").get_data(as_text=True)
    assert '<option value="moving_average" selected>' in form
    answer = clerk.post("/office/items/CUP/edit", {
        "name": "Cup", "uom": "pcs", "tracking": "none", "pack_size": "1",
        "unit_cost": "2.00", "lead_time_days": "5", "review_period_days": "7",
        "instability_factor": "1.2", "demand_window_days": "28", "active": "on",
        "forecast_method": "exp_smoothing"})
    assert answer.status_code == 200
    with db.read() as s:
        assert s.scalar(select(Item.forecast_method).where(Item.sku == "CUP")) \
            == "exp_smoothing"
    page = clerk.text(answer)
    assert "Forecast method" in page and "Exponential smoothing" in page


def test_items_without_demand_forecast_nothing_whatever_their_method(
        cups: None, api_as: Any, build: Builder) -> None:
    clerk = api_as("clerk")
    for sku, method in (("TEA", "exp_smoothing"), ("POT", "auto")):
        build.item(sku, name=sku, lead_time_days=5, home_location="A-01-01-01")
        assert clerk.put(f"/items/{sku}", {"forecast_method": method}).status_code == 200
    rows = {r["sku"]: r for r in clerk.get("/replenishment", warehouse="WH1").get_json()[
        "rows"]}
    assert [(rows[s]["demand_method"], rows[s]["avg_daily_demand"], rows[s]["alert"])
            for s in ("TEA", "POT")] == [("exp_smoothing", 0.0, None),
                                         ("moving_average", 0.0, None)]


def test_an_instability_factor_of_three_places_counts_exactly(cups: None,
                                                              api_as: Any) -> None:
    """1.155 is no exact binary fraction: 40/28 x 5 x 1.155 = 231/28 = 8.25 exactly."""
    clerk = api_as("clerk")
    assert clerk.put("/items/CUP", {"instability_factor": "1.155"}).status_code == 200
    assert _row(clerk)["safety_stock"] == 8.25
