"""The buyer's loop in a real browser under gunicorn over the demo's twelve weeks of trading:
the replenishment page shows an item below its safety stock, the clerk makes a draft purchase
order from the suggestion, edits it and sends it, Li receives it on the handheld, and the
alert is gone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, Handheld, Server
from tests.support.ledger import Ledger

TRAY, TRAY_BARCODE = "MAT-050", "6901234567960"


def test_a_suggestion_becomes_a_purchase_order_whose_receipt_clears_the_alert(
    server: Server, browser: Any,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/login?next=/office/replenishment%3Falert%3Dany")
    page.get_by_text("Sign in with user name and password").click()
    page.fill("#username", "wang")
    page.fill("#password", "wang-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/office/replenishment?alert=any")

    tray = page.locator(f"tr[data-sku='{TRAY}']")
    expect(tray).to_have_attribute("data-alert", "below_safety_stock")
    for box in page.locator("input[name=sku]").all():  # the tray alone, this time
        if box.get_attribute("value") != TRAY:
            box.uncheck()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "office-replenishment.png"), full_page=True)
    page.get_by_role("button", name="Make draft purchase orders").click()
    draft = page.locator("main li a").first
    number = draft.inner_text().strip()
    draft.click()
    expect(page.locator("[data-status]").first).to_have_text("draft")

    # The suggestion leaves the tray just at its safety stock: the buyer orders one more.
    page.get_by_role("link", name="Edit").click()
    line = page.locator("tr", has=page.locator(f"input[value='{TRAY}']"))
    line.locator("input[name=qty]").fill("12")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Send to the supplier").click()
    expect(page.locator("[data-status]").first).to_have_text("open")

    li = Handheld(context.new_page(), server.url)
    li.page.set_viewport_size({"width": 360, "height": 740})
    li.sign_in("BADGE-0003", "1111")
    li.go("/receive/")
    li.wedge(number)
    li.wedge(TRAY_BARCODE)
    li.wedge("12")
    assert li.banner == f"Received 12 × {TRAY}"
    li.tap("Finish receiving")
    assert Ledger(server.db).units("DOCK-1", TRAY) == 12

    page.goto(server.url + "/office/replenishment?alert=any")
    expect(page.locator(f"tr[data-sku='{TRAY}']")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "office-replenishment-cleared.png"), full_page=True)
    context.close()
