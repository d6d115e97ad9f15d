"""The office's report pages: a period and filters, the table a person checks, paging, the
CSV and XLSX files with headers in the reader's language, the charts, applying ABC classes
and creating the counts due; roles that may not are refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from tests.support.shop import Shop, days_ago, tea_shop
from wms.db import Database
from wms.models import Count, Item

MARCH = {"from": "2026-03-01", "to": "2026-03-05"}


@pytest.fixture
def clerk(app: Any, build: Builder) -> OfficeBrowser:
    build.user("wen", "clerk")
    browser = OfficeBrowser(app.test_client())
    assert browser.sign_in("wen").status_code == 302
    return browser


@pytest.fixture
def boss(app: Any, build: Builder) -> OfficeBrowser:
    build.user("boss", "admin")
    browser = OfficeBrowser(app.test_client(), language="zh")
    assert browser.sign_in("boss").status_code == 302
    return browser


def test_the_turnover_page_shows_the_numbers_and_draws_bars_and_the_stock_value(
        clerk: OfficeBrowser, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    page = clerk.get("/office/reports/turnover", **MARCH)
    assert page.status_code == 200
    text = clerk.text(page)
    assert "TEA" in text and "15.00" in text and "39.00" in text and "0.3846" in text
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 2 and "<rect" in html and "<polyline" in html
    by_category = clerk.text(clerk.get("/office/reports/turnover", group="category",
                                       category="tea", **MARCH))
    assert "tea" in by_category and "15.00" in by_category


def test_a_report_exports_the_whole_list_as_csv_and_xlsx_with_the_readers_headers(
        boss: OfficeBrowser, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    csv = boss.get("/office/reports/sales", format="csv", **{"from": "2026-03-01",
                                                             "to": "2026-03-31"})
    lines = csv.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "商品编码,名称,数量,退回数量,销售收入,退款,净销售收入,成本,毛利,毛利率"
    assert lines[1] == "TEA,Item TEA,6,1,54.00,9.00,45.00,25.00,20.00,0.4444"
    xlsx = boss.get("/office/reports/turnover", format="xlsx", **MARCH)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "TEA" and "15.00" in rows[1]


def test_a_bad_period_is_refused_with_a_message_and_no_table(clerk: OfficeBrowser) -> None:
    page = clerk.get("/office/reports/turnover", **{"from": "2026-03-05", "to": "2026-03-01"})
    assert page.status_code == 422
    assert "on or before its last day" in clerk.text(page)
    page = clerk.get("/office/reports/stock-age", buckets="soon")
    assert page.status_code == 422 and "whole numbers of days" in clerk.text(page)


def test_the_abc_page_draws_the_pareto_curve_and_applies_the_classes(
        boss: OfficeBrowser, db: Database, build: Builder) -> None:
    tea_shop(db, build)
    build.item("IDLE")
    page = boss.get("/office/reports/abc", **{"from": "2026-03-01", "to": "2026-03-31"})
    html = page.get_data(as_text=True)
    assert "<polyline" in html and "应用分类" in html
    # what a screen reader says of the curve: of TEA and IDLE, TEA holds all the value, so
    # the curve rises from 0 to 100% over the first half of the items
    assert "排名前 40% 的商品占 80% 的价值。" in html
    assert "排名前 47.5% 的商品占 95% 的价值。" in html
    boss.post("/office/reports/abc", {"from": "2026-03-01", "to": "2026-03-31"})
    with db.read() as s:
        assert {sku: grade for sku, grade in s.execute(select(Item.sku, Item.abc_class))} == {
            "TEA": "A", "IDLE": "C"}


def test_a_clerk_may_apply_classes_but_not_create_counts(
        clerk: OfficeBrowser, db: Database, build: Builder) -> None:
    build.item("TEA", abc_class="A")
    shop = Shop(db, build)
    shop.buy(days_ago(3), "TEA", 5, "1.00")
    page = clerk.get("/office/reports/count-schedule")
    assert "A-01-01-01" in clerk.text(page) and "Create the counts" not in clerk.text(page)
    assert clerk.post("/office/reports/count-schedule", {}).status_code == 403
    assert "Apply classes" in clerk.text(clerk.get("/office/reports/abc"))


def test_the_count_schedule_creates_a_count_of_the_bins_due(
        boss: OfficeBrowser, db: Database, build: Builder) -> None:
    build.item("TEA", abc_class="A")
    shop = Shop(db, build)
    shop.buy(days_ago(3), "TEA", 5, "1.00")
    page = boss.get("/office/reports/count-schedule", warehouse="WH1")
    assert "A-01-01-01" in boss.text(page) and "创建盘点" in boss.text(page)
    boss.post("/office/reports/count-schedule", {"warehouse": "WH1"})
    with db.read() as s:
        count = s.scalar(select(Count))
        assert count is not None and [cl.location.code for cl in count.locations] == [
            "A-01-01-01"]
    assert "A-01-01-01" not in boss.text(boss.get("/office/reports/count-schedule"))


def test_slow_movers_and_stock_age_pages_list_the_stock_that_sits(
        clerk: OfficeBrowser, db: Database, build: Builder) -> None:
    build.item("OLD")
    shop = Shop(db, build)
    shop.buy(days_ago(120), "OLD", 10, "2.00")
    slow = clerk.text(clerk.get("/office/reports/slow-movers", days="90"))
    assert "OLD" in slow and "20.00" in slow and "never" in slow
    age = clerk.get("/office/reports/stock-age")
    assert ">90" in clerk.text(age) and "<svg" in age.get_data(as_text=True)


def test_an_operator_may_not_open_the_reports(app: Any, build: Builder) -> None:
    build.user("op", "operator")
    browser = OfficeBrowser(app.test_client())
    browser.sign_in("op")
    assert browser.get("/office/reports/turnover").status_code == 403
    assert browser.get("/office/reports/abc").status_code == 403


def test_a_reports_period_and_the_review_period_read_as_dates_and_a_check_in_chinese(
        boss: OfficeBrowser) -> None:
    for path in ("/office/reports/turnover", "/office/audit/"):
        html = boss.get(path, **MARCH).get_data(as_text=True)
        assert "起始日期" in html and "截止日期" in html, path
        assert "来源" not in html, path
    form = boss.get("/office/items/new").get_data(as_text=True)
    assert "补货检查周期（天）" in form and "盘点补货周期" not in form
    boss.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = boss.text(boss.get("/office/reports/turnover", **MARCH))
    assert "From" in english and "To" in english and "起始日期" not in english


def test_a_report_names_each_item_in_the_readers_language_on_the_page_and_in_the_file(
        clerk: OfficeBrowser, boss: OfficeBrowser, build: Builder) -> None:
    build.warehouse()
    build.item("CUP-010", name="青花瓷茶杯", name_en="Blue-and-white cup", name_zh="青花瓷茶杯")
    build.item("MAT-050", name="竹制茶盘")  # no English name: its main name in either
    build.stock("CUP-010", "A-01-01-01", 12)
    build.stock("MAT-050", "A-01-02-01", 3)

    english = clerk.text(clerk.get("/office/reports/stock-age"))
    assert "CUP-010 Blue-and-white cup 12" in english and "青花瓷" not in english
    assert "MAT-050 竹制茶盘 3" in english
    chinese = boss.text(boss.get("/office/reports/stock-age"))
    assert "CUP-010 青花瓷茶杯 12" in chinese and "Blue-and-white" not in chinese
    exported = clerk.get("/office/reports/stock-age", format="csv").get_data().decode("utf-8-sig")
    assert exported.splitlines()[1].startswith("CUP-010,Blue-and-white cup,12,")
