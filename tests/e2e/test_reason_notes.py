"""A reason the buttons do not name: the supervisor types a note, taps Other, and the books
keep the code with the note; the scanner's input gets the focus back afterwards."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Server
from tests.support.ledger import Ledger


def test_a_supervisor_scraps_for_another_reason_with_a_typed_note(handheld: Any,
                                                                  server: Server) -> None:
    device = handheld("zh")
    device.sign_in("BADGE-0002", "1234")
    device.go("/scrap/")
    device.wedge("B-01-02-01")
    device.wedge("POT-020")
    device.wedge("1")
    device.tap("其他")
    assert device.banner == "先写明情况，再点“其他”"
    device.page.locator("[data-role=note]").fill("老鼠咬破包装")
    device.screenshot("scrap-other-note")
    device.tap("其他")
    assert device.banner_kind == "ok"
    assert device.page.evaluate("document.activeElement.id") == "scan"
    assert Ledger(server.db).reasons("scrap") == [("other", "老鼠咬破包装")]
    assert device.has_no_horizontal_scroll()
