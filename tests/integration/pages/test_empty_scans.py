"""An empty scan (Enter with nothing in the input, e.g. a double Enter after a scan, or the
resend of such a submit) changes nothing and answers nothing: the last banner stays."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_double_enter_after_a_pick_leaves_picked_on_screen(handheld: Any,
                                                             ledger: Any) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    picker.scan(order="SO-2003")
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    done = picker.scan("2")
    assert done.banner == ("ok", "Picked 2 × POT-020", "")
    moves = ledger.moves()
    again = picker.scan("")
    assert again.status == 204 and again.html == ""
    assert picker.resend().status == 204
    assert picker.screen is not None and picker.screen.banner == done.banner
    assert picker.screen.prompt == "Scan bin" and ledger.moves() == moves
    assert picker.scan("B-02-01-01").prompt == "Scan item or lot label"


@pytest.mark.parametrize("page, first_scan", [
    ("/receive/", None), ("/count/", None), ("/putaway/", None), ("/move/", None),
    ("/scrap/", None), ("/lookup/", None), ("/pick/", None), ("/count/", "A-01-01-01"),
])
def test_an_empty_scan_on_any_scan_step_changes_nothing(handheld: Any, ledger: Any,
                                                        page: str, first_scan: str | None
                                                        ) -> None:
    person = handheld("supervisor")
    person.open(page)
    if first_scan:
        person.scan(first_scan)
    before = person.screen
    moves = ledger.moves()
    assert person.scan("").status == 204
    assert person.screen is before and ledger.moves() == moves


def test_an_empty_scan_from_a_page_without_javascript_changes_nothing(handheld: Any,
                                                                      ledger: Any) -> None:
    picker = handheld("operator")
    page = picker.open("/pick/")
    fields = dict(page.fields)
    moves = ledger.moves()
    reply = picker.client.post("/pick/", data={**fields, "scan": "",
                                               "csrf_token": fields.get("csrf_token", "")},
                               headers={"X-CSRFToken": picker.csrf})
    assert reply.status_code == 204 and reply.get_data() == b""
    assert ledger.moves() == moves
