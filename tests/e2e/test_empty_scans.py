"""A double Enter in the browser: the empty scan is never sent, so it can neither refuse nor
confirm anything, and the last banner stays. That holds whether the second Enter comes before
the gateway's answer to the scan or just after it."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Server
from tests.support.ledger import Ledger


def test_a_double_enter_after_a_pick_keeps_picked_on_screen_and_confirms_nothing(
        handheld: Any, server: Server) -> None:
    device = handheld()
    device.sign_in("BADGE-0003", "1111")
    device.go("/pick/")
    device.wedge("SO-2003")
    device.wedge("B-01-02-01")
    device.wedge("6901234567922")
    device.wedge("2")
    device.page.keyboard.press("Enter")  # the second Enter of a double Enter
    device.settle()
    assert device.banner == "Picked 2 × POT-020" and device.banner_kind == "ok"
    assert device.prompt == "Scan bin"
    device.wedge("B-02-01-01")
    device.page.keyboard.type("6901234567960")  # the item, with the scanner's double Enter
    device.page.keyboard.press("Enter")
    device.page.keyboard.press("Enter")
    device.settle()
    assert device.prompt == "Quantity: press Enter for 1"
    ledger = Ledger(server.db)
    assert ledger.units("PACK-1", "MAT-050") == 0 and ledger.units("PACK-1", "POT-020") == 2
    device.enter()  # Enter alone, once the quantity step has been read, confirms it
    assert "All picked" in device.banner and ledger.units("PACK-1", "MAT-050") == 1


def test_a_second_enter_just_after_the_answer_confirms_nothing(
        handheld: Any, server: Server) -> None:
    """The gateway answers the item scan before the scanner's second Enter arrives: the
    quantity step is already on screen and no scan waits, and still that Enter does not
    confirm the quantity."""
    device = handheld()
    device.sign_in("BADGE-0003", "1111")
    device.go("/pick/")
    device.wedge("SO-2003")
    device.wedge("B-01-02-01")
    # The second Enter comes the moment the answer to the item scan is in (no scan waits).
    device.page.evaluate("""() => {
        const observer = new MutationObserver(() => {
            if (document.body.getAttribute("data-pending") !== "0") return;
            observer.disconnect();
            const prompt = document.getElementById("prompt").innerText;
            document.body.setAttribute("data-second-enter", prompt);
            document.getElementById("scan-form").requestSubmit();
        });
        observer.observe(document.body, {attributes: true, attributeFilter: ["data-pending"]});
    }""")
    device.wedge("6901234567922")
    device.page.wait_for_selector("body[data-second-enter]")
    device.settle()
    ledger = Ledger(server.db)
    on_screen = device.page.locator("body").get_attribute("data-second-enter") or ""
    assert " ".join(on_screen.split()) == "Quantity: press Enter for 2"
    assert device.prompt == "Quantity: press Enter for 2"
    assert ledger.units("PACK-1", "POT-020") == 0
    device.enter()
    assert device.banner == "Picked 2 × POT-020" and ledger.units("PACK-1", "POT-020") == 2
