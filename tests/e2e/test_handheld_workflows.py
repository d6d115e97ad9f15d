"""Each floor workflow in a real browser, by scanning only (plus quantity keys), checked on
screen and in the ledger."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Server
from tests.support.ledger import Ledger

TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"


def picker(handheld: Any, locale: str = "en") -> Any:
    device = handheld(locale)
    device.sign_in("BADGE-0003", "1111")
    return device


def test_a_picker_picks_a_sales_order_end_to_end(handheld: Any, server: Server) -> None:
    device = picker(handheld)
    device.screenshot("menu")
    device.go("/pick/")
    device.screenshot("pick-1-orders")
    device.wedge("SO-2003")
    assert device.prompt == "Scan bin"
    assert "B-01-02-01" in device.page.locator("[data-role=bin]").inner_text()
    device.screenshot("pick-2-task")
    device.wedge("B-01-02-01")
    device.wedge("6901234567922")
    assert device.prompt == "Quantity: press Enter for 2"
    assert device.page.locator("#scan").get_attribute("inputmode") == "numeric"
    device.screenshot("pick-3-quantity")
    device.enter()
    assert device.banner == "Picked 2 × POT-020" and device.banner_kind == "ok"
    device.wedge("B-02-01-01")
    device.wedge("6901234567960")
    device.wedge("1")
    assert "All picked: take the goods to PACK-1" in device.banner
    device.screenshot("pick-4-done")
    assert device.has_no_horizontal_scroll()
    ledger = Ledger(server.db)
    assert ledger.units("PACK-1", "POT-020") == 2 and ledger.units("PACK-1", "MAT-050") == 1


def test_a_wrong_bin_shows_the_error_and_changes_nothing(handheld: Any, server: Server) -> None:
    device = picker(handheld)
    device.go("/pick/")
    device.wedge("SO-2003")
    moves = Ledger(server.db).moves()
    device.wedge("B-01-02-02")
    assert device.banner_kind == "error"
    assert device.banner == "Wrong bin Expected B-01-02-01, scanned B-01-02-02"
    assert device.prompt == "Scan bin"
    device.screenshot("pick-wrong-bin")
    assert Ledger(server.db).moves() == moves
    assert device.page.evaluate("document.activeElement.id") == "scan"


def test_two_fast_scans_are_both_applied_in_order(handheld: Any, server: Server) -> None:
    device = picker(handheld)
    device.go("/pick/")
    device.wedge("SO-2003")
    device.wedge("B-01-02-01", wait=False)  # the next scan comes before the answer
    device.wedge("6901234567922", wait=False)
    device.wedge("2", wait=False)
    device.settle()
    assert device.banner == "Picked 2 × POT-020"
    assert Ledger(server.db).units("PACK-1", "POT-020") == 2


def test_a_scan_whose_answer_is_lost_is_resent_and_applied_once(handheld: Any,
                                                                server: Server) -> None:
    device = picker(handheld)
    device.go("/pick/")
    device.wedge("SO-2003")
    device.wedge("B-01-02-01")
    device.wedge("POT-020")
    lost = []

    def lose_the_answer(route: Any) -> None:
        if not lost:
            route.fetch()  # the gateway gets the scan and books it ...
            lost.append(True)
            route.abort("internetdisconnected")  # ... but the answer never arrives
        else:
            route.continue_()

    device.page.route("**/pick/", lose_the_answer)
    device.wedge("1", wait=False)
    device.page.wait_for_selector("#offline:not([hidden])")
    assert "No connection" in device.page.locator("#offline").inner_text()
    device.screenshot("pick-offline")
    device.page.locator("#offline .resend").click()
    device.settle()
    assert device.banner == "Picked 1 × POT-020"
    assert device.page.locator("#offline").is_hidden()
    assert Ledger(server.db).units("PACK-1", "POT-020") == 1


def test_receiving_with_a_gs1_code_fills_lot_and_expiry(handheld: Any, server: Server) -> None:
    device = picker(handheld)
    device.go("/receive/")
    device.screenshot("receive-1-orders")
    device.wedge("PO-1001")
    device.wedge(TEA_GS1)
    assert device.page.locator("[data-role=lot]").inner_text() == "LJ2026-11"
    assert "2027" in device.page.locator("[data-role=expiry]").inner_text()
    device.screenshot("receive-2-gs1")
    device.wedge("40")
    assert device.banner == "Received 40 × TEA-001"
    device.screenshot("receive-3-tally")
    assert device.has_no_horizontal_scroll()
    device.wedge("6901234567953")  # honey: lot, then expiry by keypad
    device.wedge("FM-0901")
    device.wedge("20280131")
    device.page.keyboard.type("6")  # the quantity, then the inspection button instead of Enter
    device.tap("Quarantine")
    device.tap("Damaged")
    assert device.banner == "6 × HON-040 to quarantine"
    ledger = Ledger(server.db)
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-11") == 40
    assert ledger.units("QC-1", "HON-040", "FM-0901") == 6


def test_putaway_count_and_move_by_scanning(handheld: Any, server: Server) -> None:
    device = picker(handheld)
    device.go("/receive/")
    device.wedge("PO-1001")
    device.wedge(TEA_GS1)
    device.wedge("10")
    device.go("/putaway/")
    device.wedge(TEA_GS1)
    device.enter()
    suggested = device.page.locator("[data-role=suggested]").inner_text()
    device.screenshot("putaway-suggestion")
    device.wedge(suggested)
    assert device.banner == f"Put 10 × TEA-001 in {suggested}"

    device.go("/count/")
    device.wedge("B-01-03-01")
    device.wedge("6901234567915")
    device.screenshot("count-quantity")
    assert "120" not in device.page.locator("main").inner_text()
    device.wedge("120")
    device.tap("Finish count")
    assert device.banner == "Count sent for approval"

    device.go("/move/")
    device.wedge("B-01-01-01")
    device.wedge("6901234567939")
    device.wedge("15")
    device.wedge("B-01-01-02")
    assert device.banner == "Moved 15 × BOX-100 to B-01-01-02"
    device.screenshot("move-done")
    ledger = Ledger(server.db)
    assert ledger.units(suggested, "TEA-001", "LJ2026-11") == 10
    assert ledger.units("B-01-01-02", "BOX-100") == 15


def test_the_chinese_pages_show_chinese(handheld: Any, server: Server) -> None:
    device = picker(handheld, locale="zh-CN")
    assert "拣货" in device.page.locator("nav.menu").inner_text()
    device.go("/pick/")
    device.wedge("SO-2003")
    device.wedge("B-01-02-02")
    assert device.banner_kind == "error" and "货位" in device.banner
    assert "紫砂壶" in device.page.locator("#step").inner_text()
    device.screenshot("pick-zh-wrong-bin")
    device.wedge("B-01-02-01")
    device.wedge("6901234567922")
    device.wedge("2")
    assert "POT-020" in device.banner and device.banner_kind == "ok"
    assert device.has_no_horizontal_scroll()


def test_bins_and_lots_in_a_stock_lookup_stay_whole_on_a_phone(handheld: Any,
                                                              server: Server) -> None:
    device = handheld("en")
    device.sign_in("BADGE-0002", "1234")
    device.go("/lookup/")
    device.wedge("6901234567892")  # the tea: three bins, three lots
    device.screenshot("lookup-tea")
    codes = device.page.locator("table.stock .code")
    assert codes.count() >= 6
    for i in range(codes.count()):
        box = codes.nth(i).bounding_box()
        line = device.page.evaluate(
            "e => parseFloat(getComputedStyle(e).lineHeight) || 24", codes.nth(i).element_handle())
        assert box is not None and box["height"] < 1.5 * line, codes.nth(i).inner_text()
    assert device.has_no_horizontal_scroll()
