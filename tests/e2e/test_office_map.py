"""The warehouse map in a real browser under gunicorn: a bin drawn empty fills after a
receipt and putaway, and a click on it shows what it holds (the htmx partial)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, Server
from wms.services.moving import move_stock
from wms.services.receiving import ReceiptLineInput, receive

BIN = "B-02-03-02"


def test_a_bin_fills_on_the_map_after_a_receipt_and_putaway_and_a_click_shows_it(
    server: Server, browser: Any,
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(server.url + "/login?next=/office/map/")
    page.get_by_text("Sign in with user name and password").click()
    page.fill("#username", "wang")
    page.fill("#password", "wang-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/office/map/")
    expect(page.locator(f"#{BIN}")).to_have_class("b0")

    with server.db.write() as s:
        receive(s, location="DOCK-1", user_id=None, lines=[ReceiptLineInput("CUP-010", 120)])
        move_stock(s, sku="CUP-010", qty=120, from_code="DOCK-1", to_code=BIN, user_id=None)
    page.reload()
    expect(page.locator(f"#{BIN}")).to_have_class("b3")  # 120 of 200

    page.locator(f"#{BIN}").click()
    contents = page.locator("section.bin-contents")
    expect(contents).to_have_attribute("data-location", BIN)
    expect(contents.locator("tr[data-sku='CUP-010'] td.num").first).to_have_text("120")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "office-warehouse-map.png"), full_page=True)
    page.close()
