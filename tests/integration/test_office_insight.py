"""The office's forecast, supplier evaluation and warehouse map pages, on both engines, in
English and Chinese: the figures a buyer reads, the charts drawn, a bin that fills after a
receipt and putaway, and the pages refused to an operator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from tests.support.trading import days_ago, deliver, purchase, ship, stock_up, today
from wms.db import Database


@pytest.fixture
def office(database_url: str, tmp_path: Path, build: Builder, db: Database) -> Iterator[Any]:
    """WH1 with 4 bins of 100; CUP shipped 10 a day for the last 5 days (20 on the last);
    SUP-1's PO-1 for 100 CUP, due 3 days ago, came 4 days ago with 10 rejected."""
    from terminal_ui import create_app

    bins = build.warehouse("WH1", bins=4, capacity=100)
    build.item("CUP", name="Cup", name_zh="茶杯", name_en="Cup", unit_cost="2.00")
    build.supplier("SUP-1", "茶具厂")
    build.customer("CUS-1")
    purchase(db, "PO-1", "SUP-1", [("CUP", 100, "2.00")], days_ago(10),
             today() - timedelta(days=3))
    deliver(db, "PO-1", [("CUP", 90, "accept"), ("CUP", 10, "reject")], days_ago(4))
    stock_up(db, "CUP", 80, bins[0], days_ago(4, 15))
    for ago in range(5, 0, -1):
        ship(db, f"SO-{ago}", [("CUP", 20 if ago == 1 else 10)], days_ago(ago))
    for role in ("clerk", "operator"):
        build.user(role, role)
    app = create_app({"database_url": database_url, "config_path": str(tmp_path / "w.toml"),
                      "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["wms.db"].dispose()


def signed_in(app: Any, role: str = "clerk", language: str = "en") -> OfficeBrowser:
    browser = OfficeBrowser(app.test_client(), language)
    assert browser.sign_in(role).status_code == 302
    return browser


def test_the_forecast_page_draws_demand_against_the_forecast_with_each_methods_error(
        office: Any) -> None:
    clerk = signed_in(office)
    page = clerk.get("/office/forecast/", sku="CUP", window="2", days="6")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="demand"' in html and 'class="forecast"' in html  # the two lines
    # demand 10, 10, 10, 10, 20 and none today after two days without: the 2-day average
    # forecasts 0, 5, 10, 10, 10 (errors 1, 0.5, 0, 0, 0.5) and 15 for today (no demand:
    # left out)
    mape = dict(re.findall(r'<tr data-method="(\w+)"[^>]*>.*?<td class="num">([^<]*)</td>',
                           html, re.S))
    assert mape["moving_average"].strip() == "40.0 %"
    assert re.search(r"data-forecast-daily>10<", html)  # (20 + 0) / 2
    text = clerk.text(page)
    assert "Moving average" in text and "Exponential smoothing" in text
    zh = signed_in(office, language="zh").get("/office/forecast/", sku="CUP").get_data(
        as_text=True)
    assert "预测" in zh and "移动平均" in zh and "茶杯" in zh


def test_the_forecast_history_exports_to_a_file(office: Any) -> None:
    answer = signed_in(office).get("/office/forecast/", sku="CUP", days="6", window="2",
                                  format="csv")
    assert answer.status_code == 200
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Day,Demand,Forecast")
    assert lines[-2].startswith(f"{(today() - timedelta(days=1)).isoformat()},20,")
    assert lines[-1].startswith(f"{today().isoformat()},0,")


def test_a_bad_forecast_figure_is_named_in_the_readers_language(office: Any) -> None:
    clerk = signed_in(office)
    page = clerk.get("/office/forecast/", sku="CUP", alpha="2")
    assert page.status_code == 422
    assert "Alpha is a number above 0 and at most 1" in clerk.text(page)
    zh = signed_in(office, language="zh").get("/office/forecast/", sku="NOPE")
    assert zh.status_code == 422 and "没有" in OfficeBrowser.text(zh)


def test_the_supplier_evaluation_compares_suppliers_and_shows_one_suppliers_prices(
        office: Any) -> None:
    clerk = signed_in(office)
    page = clerk.get("/office/supplier-evaluation/")
    html = page.get_data(as_text=True)
    row = re.search(r'<tr data-supplier="SUP-1">.*?</tr>', html, re.S)
    assert row is not None
    # one line due, 90 of 100 received (not in full: not on time), 10 of 100 delivered
    # rejected, delivered 6 days after the order
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(0))
    assert [c.strip() for c in cells] == ["1", "0.0 %", "90.0 %", "10.0 %", "6"]
    assert html.count('<rect class="fill"') == 1  # the bar chart
    one = clerk.get("/office/supplier-evaluation/SUP-1")
    text = clerk.text(one)
    assert "Price history" in text and "2.00" in text
    assert (today() - timedelta(days=10)).isoformat() in text
    zh = signed_in(office, language="zh").get("/office/supplier-evaluation/")
    assert "供应商评估" in OfficeBrowser.text(zh)


def test_the_map_shows_a_bin_filling_after_a_receipt_and_putaway(
        office: Any, db: Database) -> None:
    clerk = signed_in(office)

    def bin_class(code: str) -> str:
        html = clerk.get("/office/map/", warehouse="WH1", color="fill").get_data(as_text=True)
        found = re.search(rf'<rect id="{code}" [^>]*class="([^"]*)"', html)
        assert found, code
        return found.group(1)

    assert bin_class("A-01-02-01") == "b0"
    stock_up(db, "CUP", 60, "A-01-02-01", days_ago(0, 9))
    assert bin_class("A-01-02-01") == "b3"  # 60 of 100
    partial = clerk.get("/office/map/bin", code="A-01-02-01", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "HX-Request" in partial.headers["Vary"]
    html = partial.get_data(as_text=True)
    assert not html.lstrip().startswith("<!doctype")
    assert re.search(r'<tr data-sku="CUP">.*?<td class="num">60</td>', html, re.S)


def test_the_map_marks_blocked_and_quarantine_and_colours_by_picks(
        office: Any, build: Builder) -> None:
    build.location("A-01-04-01", warehouse="WH1", zone="A", kind="storage", capacity=100,
                   blocked=True)
    clerk = signed_in(office)
    html = clerk.get("/office/map/", warehouse="WH1", color="picks").get_data(as_text=True)
    assert re.search(r'<rect id="A-01-04-01" [^>]*class="b0 k"', html)
    assert re.search(r'<rect id="A-01-01-01" [^>]*class="b4"', html)  # every pick was here
    assert re.search(r'class="map-other q"[^>]*data-code="QC-1"', html)
    zh = signed_in(office, language="zh").get("/office/map/", color="count_age")
    assert "从未盘点" in OfficeBrowser.text(zh)


def test_the_analysis_pages_are_in_the_office_menu_and_refused_to_an_operator(
        office: Any) -> None:
    menu = signed_in(office).get("/office/map/").get_data(as_text=True)
    for path in ("/office/forecast/", "/office/supplier-evaluation/", "/office/map/"):
        assert f'href="{path}"' in menu
    operator = signed_in(office, "operator")
    for path in ("/office/forecast/", "/office/supplier-evaluation/",
                 "/office/supplier-evaluation/SUP-1", "/office/map/", "/office/map/bin"):
        assert operator.get(path).status_code == 403, path
