"""The office's home: today's numbers, each matching the warehouse as it is and each a
link to where the work is; the handheld menu leads there for roles with office work."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.handheld import text_of
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import PurchaseOrder, SalesOrder
from wms.services.orders import OrderLineInput, create_purchase_order
from wms.services.shelf_life import warehouse_today

TILE = re.compile(r'<li>\s*(?:<a href="([^"]*)">)?\s*<b class="number">([^<]*)</b>\s*'
                  r'<span class="label">([^<]*)</span>', re.S)


def numbers_on(page: Any) -> dict[str, tuple[str, str | None]]:
    """Each tile's label -> (number, link)."""
    return {text_of(label): (text_of(value), href or None)
            for href, value, label in TILE.findall(page.get_data(as_text=True))}


def purchase_order(db: Database, number: str, expected: date, status: str = "open") -> None:
    with db.write() as s:
        order = create_purchase_order(s, number, "SUP-1", [OrderLineInput("CUP", 10)], None,
                                      expected_date=expected)
        order.status = status


def build_scene(app: Any, build: Builder, db: Database, api: Any) -> date:
    """Three replenishment alerts in WH1 and none in WH2, 12 units in 2 lots in quarantine,
    two orders to pick, purchase orders due and a count waiting; returns the warehouse's
    today."""
    bins = build.warehouse("WH1", bins=3)
    build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP", safety_stock=10)  # 5 on the shelf: below safety stock
    build.item("TEA", max_qty=5)  # 8 on the shelf: above the maximum
    build.item("MUG", safety_stock=4)  # kept in no warehouse: in no warehouse's alerts
    build.item("BOWL", safety_stock=5)  # 2 on the shelf, 10 in quarantine: below
    build.item("PLATE")  # no safety stock and no maximum: never an alert
    build.stock("CUP", bins[0], 5)
    build.stock("CUP", "QC-1", 2)
    build.stock("TEA", bins[1], 8)
    build.stock("BOWL", bins[2], 2)
    build.stock("BOWL", "QC-1", 10)

    build.sales_order("SO-1", [("CUP", 1)])
    build.sales_order("SO-2", [("TEA", 2)])
    build.sales_order("SO-3", [("TEA", 1)])
    with db.write() as s:
        cancelled = s.scalar(select(SalesOrder).where(SalesOrder.number == "SO-3"))
        assert cancelled is not None
        cancelled.status = "cancelled"

    today = warehouse_today(app.config["WMS_SETTINGS"].timezone)
    week_end = today + timedelta(days=6 - today.weekday())
    build.supplier("SUP-1")
    purchase_order(db, "PO-TODAY", today)
    purchase_order(db, "PO-LATE", today - timedelta(days=3), status="partial")
    purchase_order(db, "PO-SUNDAY", week_end)
    purchase_order(db, "PO-NEXT-WEEK", week_end + timedelta(days=1))
    purchase_order(db, "PO-DONE", today, status="received")

    count = api.post("/counts", {"locations": [bins[1]]}).get_json()["id"]
    assert api.post(f"/counts/{count}/entries",
                    {"location": bins[1], "sku": "TEA", "qty": 8}).status_code == 201
    assert api.post(f"/counts/{count}/submit").status_code == 200
    return today


def test_todays_numbers_match_the_warehouse(app: Any, build: Builder, db: Database,
                                            api: Any) -> None:
    today = build_scene(app, build, db, api)
    build.user("zhang", "supervisor")
    supervisor = OfficeBrowser(app.test_client())
    supervisor.sign_in("zhang", "password-1")
    numbers = numbers_on(supervisor.get("/office/"))
    week_end = today + timedelta(days=6 - today.weekday())
    assert numbers["Sales orders to pick"][0] == "2"
    assert numbers["Receipts due today or overdue"][0] == ("3" if week_end == today else "2")
    assert numbers["Receipts expected this week"][0] == "3"
    assert numbers["Replenishment alerts in WH1"] == (
        "3", "/office/replenishment?alert=any&amp;warehouse=WH1")
    assert numbers["Replenishment alerts in WH2"][0] == "0"
    assert numbers["In quarantine"][0] == "12 units in 2 lots"
    assert numbers["Counts waiting for approval"] == ("1", "/supervisor/")
    with db.read() as s:
        assert s.scalar(select(PurchaseOrder.status).where(
            PurchaseOrder.number == "PO-DONE")) == "received"


def test_a_number_links_only_to_pages_the_reader_may_open(app: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=1)
    build.user("wang", "clerk")
    clerk = OfficeBrowser(app.test_client())
    clerk.sign_in("wang", "password-1")
    numbers = numbers_on(clerk.get("/office/"))
    assert numbers["Counts waiting for approval"] == ("0", None)
    assert numbers["Replenishment alerts in WH1"][1] is not None


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("supervisor", 200),
                                              ("clerk", 200), ("operator", 403)])
def test_the_office_home_is_for_roles_with_office_work(app: Any, build: Builder, role: str,
                                                       status: int) -> None:
    build.user("someone", role)
    browser = OfficeBrowser(app.test_client())
    browser.sign_in("someone", "password-1")
    assert browser.get("/office/").status_code == status
    menu = browser.text(browser.get("/"))
    assert ("Office" in menu) == (status == 200)


def test_a_clerk_lands_in_the_office_and_a_picker_on_the_handheld_menu(
        app: Any, build: Builder) -> None:
    build.user("wang", "clerk")
    build.user("li", "operator")
    clerk, picker = OfficeBrowser(app.test_client()), OfficeBrowser(app.test_client())
    assert clerk.sign_in("wang", "password-1").headers["Location"].endswith("/office/")
    assert picker.sign_in("li", "password-1").headers["Location"] == "/"
