"""The replenishment page: filters, paging and files, ticked rows made into draft purchase
orders that lead to the drafts, alerts in the reader's language, and the roles it is for."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.support.builders import Builder
from tests.support.history import days_ago, ship
from tests.support.office import OfficeBrowser
from wms.db import Database


@pytest.fixture
def scene(app: Any, build: Builder, db: Database) -> Any:
    """Two warehouses; TEA sells 10 a day and runs low in WH1, CUP has too many, LOOSE has
    no supplier, and a person of each role."""
    north = build.warehouse("WH1", capacity=None)
    build.warehouse("WH2", zone="B", capacity=None)
    build.supplier("SUP-1")
    build.item("TEA", name="龙井茶", name_en="Longjing tea", category="tea",
               supplier="SUP-1", lead_time_days=5, demand_window_days=7, unit_cost="2.50")
    build.item("CUP", category="cups", supplier="SUP-1", max_qty=10)
    build.item("LOOSE", category="tea", safety_stock=4)
    build.stock("TEA", north[0], 100)
    build.stock("CUP", north[1], 12)
    build.stock("LOOSE", "A-01-01-01", 1)
    ship(db, "SO-1", [("TEA", 70)], days_ago(2))  # 30 left; safety stock 60
    for role in ("admin", "clerk", "supervisor", "operator"):
        build.user(f"{role}-1", role)
    return app


def signed_in(app: Any, role: str, language: str = "en") -> OfficeBrowser:
    browser = OfficeBrowser(app.test_client(), language)
    assert browser.sign_in(f"{role}-1").status_code == 302
    return browser


def skus_on(page: Any) -> list[str]:
    return re.findall(r'<tr data-sku="([^"]+)"', page.get_data(as_text=True))


def test_the_page_shows_each_items_figures_and_filters(scene: Any) -> None:
    clerk = signed_in(scene, "clerk")
    page = clerk.get("/office/replenishment")
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert skus_on(page) == ["CUP", "LOOSE", "TEA"]
    text = clerk.text(page)
    assert "Longjing tea" in text and "Below safety stock" in text and "Above maximum" in text

    assert skus_on(clerk.get("/office/replenishment", category="tea")) == ["LOOSE", "TEA"]
    assert skus_on(clerk.get("/office/replenishment", alert="any",
                             warehouse="WH1")) == ["CUP", "LOOSE", "TEA"]
    assert skus_on(clerk.get("/office/replenishment", warehouse="WH2")) == []
    unknown = clerk.get("/office/replenishment", warehouse="NOPE")
    assert unknown.status_code == 422 and "No warehouse NOPE" in clerk.text(unknown)
    partial = clerk.get("/office/replenishment", category="cups",
                        headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<div id="replenishment-rows">')


def test_alerts_read_in_chinese(scene: Any) -> None:
    reader = signed_in(scene, "clerk", "zh")
    text = reader.text(reader.get("/office/replenishment"))
    assert "低于安全库存" in text and "龙井茶" in text


def test_the_list_pages_and_exports_the_whole_filtered_list(scene: Any, build: Builder
                                                            ) -> None:
    for n in range(60):
        build.item(f"Z-{n:02d}", category="bulk")
    clerk = signed_in(scene, "clerk")
    first = clerk.get("/office/replenishment", category="bulk")
    assert len(skus_on(first)) == 50 and "page 1 of 2" in clerk.text(first)
    assert len(skus_on(clerk.get("/office/replenishment", category="bulk", page=2))) == 10

    csv = clerk.get("/office/replenishment", format="csv", category="tea")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("SKU,Item,Category,Warehouse,On hand")
    assert [line.split(",")[0] for line in lines[1:]] == ["LOOSE", "TEA"]
    assert "Below safety stock" in lines[1]

    xlsx = signed_in(scene, "clerk", "zh").get("/office/replenishment", format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet is not None
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0][0] == "商品编码" and table[0][-1] == "预警"
    assert len(table) == 1 + 63
    assert [row[-1] for row in table if row[0] == "LOOSE"] == ["低于安全库存"]


def test_ticked_rows_become_drafts_that_lead_to_the_purchase_order(scene: Any) -> None:
    clerk = signed_in(scene, "clerk")
    clerk.get("/office/replenishment")
    answer = clerk.post("/office/replenishment/purchase-orders",
                        {"sku": ["TEA", "LOOSE"], "warehouse": ""})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    links = re.findall(r'href="/office/purchase-orders/([^"]+)"', page)
    assert len(links) == 1
    assert "LOOSE" in clerk.text(answer) and "no supplier" in clerk.text(answer)
    order = clerk.text(clerk.get(f"/office/purchase-orders/{links[0]}"))
    # 110 - 30 = 80 below the reorder point; the seeds' quantity: 60 - 30 + 70 - 50 = 50
    assert "TEA" in order and "50" in order and "2.50" in order


def test_making_drafts_without_a_tick_changes_nothing(scene: Any) -> None:
    clerk = signed_in(scene, "clerk")
    clerk.get("/office/replenishment")
    answer = clerk.post("/office/replenishment/purchase-orders", {"warehouse": ""})
    assert "Tick the items to order" in clerk.text(answer)
    assert "PO-" not in clerk.text(clerk.get("/office/purchase-orders"))


@pytest.mark.parametrize(("role", "see", "order"), [
    ("admin", 200, True), ("clerk", 200, True), ("supervisor", 200, False),
    ("operator", 403, False)])
def test_the_page_is_for_the_office_and_drafts_for_buyers(scene: Any, role: str, see: int,
                                                          order: bool) -> None:
    browser = signed_in(scene, role)
    page = browser.get("/office/replenishment")
    assert page.status_code == see
    assert ("Make draft purchase orders" in browser.text(page)) == order
    browser.get("/office/replenishment" if see == 200 else "/")
    made = browser.post("/office/replenishment/purchase-orders", {"sku": ["TEA"]},
                        follow=False)
    assert (made.status_code == 403) == (not order)


def test_the_supervisor_sees_each_warehouses_alerts_without_unsellable_stock(
        scene: Any, build: Builder) -> None:
    build.item("MILK", expiry=True, tracking="lot", safety_stock=10)
    build.stock("MILK", "A-01-01-01", 12, lot="OLD",
                expiry=days_ago(3).date())  # expired: not on hand
    build.stock("MILK", "QC-1", 40, lot="HELD")  # in quarantine: not on hand
    build.stock("CUP", "B-01-01-01", 1, dock="DOCK-2")  # WH2 keeps CUP, enough of it
    page = signed_in(scene, "supervisor").get("/supervisor/")
    html = page.get_data(as_text=True)
    north = html[html.index('data-warehouse="WH1"'):html.index('data-warehouse="WH2"')]
    assert re.findall(r'<tr data-sku="([^"]+)"', north) == ["CUP", "LOOSE", "MILK", "TEA"]
    assert "Below safety stock: 3 · Below reorder point: 0 · Above maximum: 1" in \
        OfficeBrowser.text(page)  # LOOSE, MILK and TEA; CUP
    south = html[html.index('data-warehouse="WH2"'):]
    assert 'data-sku="' not in south.split("</div>")[0]
