"""Moves and transfers, stock lookup and scrap on the handheld pages, and what a page shows
when something fails."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_move_takes_from_one_bin_and_puts_in_another(handheld: Any, ledger: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    at_item = mover.scan("B-01-01-01")
    assert "BOX-100" in at_item.text and "150" in at_item.text  # what the bin holds
    assert mover.scan("6901234567939").prompt == "Quantity: press Enter for 150"
    assert mover.scan("20").prompt == "Scan the bin to put in"
    done = mover.scan("B-01-01-02")
    assert done.banner == ("ok", "Moved 20 × BOX-100 to B-01-01-02", "")
    assert ledger.units("B-01-01-01", "BOX-100") == 130
    assert ledger.units("B-01-01-02", "BOX-100") == 20


def test_more_than_the_bin_holds_cannot_be_moved(handheld: Any, ledger: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    mover.scan("B-01-02-01")
    mover.scan("POT-020")
    refused = mover.scan("9")
    assert refused.banner == ("error", "Too many", "At most 8; typed 9")
    empty = handheld("operator")
    empty.open("/move/")
    empty.scan("A-03-03-02")
    nothing = empty.scan("POT-020")
    assert nothing.banner == ("error", "Not enough stock", "A-03-03-02 holds no free POT-020")


def test_a_bin_in_another_warehouse_sends_a_transfer_taken_in_there(handheld: Any,
                                                                     ledger: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    mover.scan("B-01-01-01")
    mover.scan("BOX-100")
    mover.scan("10")
    sent = mover.scan("C-01-01-01")
    assert sent.banner is not None and sent.banner[0] == "ok"
    number = sent.banner[1].split(" as ")[1]
    assert sent.banner[2] == f"Scan {number} there to take the goods in"
    assert ledger.units("C-01-01-01", "BOX-100") == 0
    assert mover.scan(number).prompt == "Scan the bin to take the transfer into"
    taken = mover.scan("C-01-01-01")
    assert taken.banner == ("ok", f"{number}: 10 units into C-01-01-01", "")
    assert ledger.units("C-01-01-01", "BOX-100") == 10
    again = mover.scan(number)
    assert again.banner == ("error", "This transfer was received already", number)


def test_lookup_shows_what_is_where_with_quantities(handheld: Any) -> None:
    clerk = handheld("clerk")
    clerk.open("/lookup/")
    by_bin = clerk.scan("A-01-01-01")
    assert "TEA-001" in by_bin.text and "LJ2026-03" in by_bin.text and "On hand: 30" in by_bin.text
    by_item = clerk.scan("6901234567946")
    assert "A-03-01-01" in by_item.text and "A-03-02-01" in by_item.text
    assert "On hand: 120" in by_item.text


def test_scrap_needs_a_reason_and_leaves_stock(handheld: Any, ledger: Any) -> None:
    supervisor = handheld("supervisor")
    supervisor.open("/scrap/")
    supervisor.scan("B-01-02-01")
    supervisor.scan("POT-020")
    reason_step = supervisor.scan("1")
    assert reason_step.prompt == "Tap the reason" and "Broken in handling" in reason_step.text
    assert supervisor.scan("broken").banner == ("error", "Tap the reason", "")
    done = supervisor.scan(reason="broken")
    assert done.banner == ("ok", "Scrapped 1 × POT-020", "")
    supervisor.resend()
    assert ledger.units("B-01-02-01", "POT-020") == 7


@pytest.mark.parametrize("language, headline", [("en", "The gateway could not handle this"),
                                                ("zh", "网关")])
def test_a_fault_shows_a_sentence_and_never_a_stack_trace(handheld: Any, floor_app: Any,
                                                          ledger: Any, monkeypatch: Any,
                                                          language: str, headline: str) -> None:
    import terminal_ui.pick as pick

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pick, "open_pick_list_of", broken)
    floor_app.config["PROPAGATE_EXCEPTIONS"] = False
    picker = handheld("operator", language=language)
    picker.open("/pick/")
    before = ledger.moves()
    screen = picker.scan(order="SO-2003")
    assert screen.status == 500
    assert headline in screen.banner[1]
    assert "Traceback" not in screen.html and "disk on fire" not in screen.html
    assert 'id="step"' in screen.html  # the scan form keeps working
    assert ledger.moves() == before


def test_two_moves_sent_without_a_scan_id_are_two_moves(handheld: Any, ledger: Any) -> None:
    mover = handheld("operator")
    for _ in range(2):
        mover.open("/move/")
        mover.scan("B-01-01-01")
        mover.scan("BOX-100")
        mover.scan("1")
        assert mover.scan("B-01-01-02", scan_id="").banner[0] == "ok"
    assert ledger.units("B-01-01-02", "BOX-100") == 2


def test_a_scrap_reason_is_stored_as_a_code_and_shown_in_chinese(handheld: Any,
                                                                 ledger: Any) -> None:
    for language, label in (("zh", "破损"), ("en", "Damaged")):
        supervisor = handheld("supervisor", language=language)
        supervisor.open("/scrap/")
        supervisor.scan("B-01-02-01")
        supervisor.scan("POT-020")
        reason_step = supervisor.scan("1")
        assert 'name="reason" value="damaged"' in reason_step.html
        assert label in reason_step.text
        supervisor.scan(reason="damaged")
    # Whoever tapped it, in whichever language, the books say the same thing.
    assert ledger.reasons("scrap") == [("damaged", None), ("damaged", None)]


def test_scrapping_for_another_reason_needs_a_note_and_keeps_it(handheld: Any,
                                                                ledger: Any) -> None:
    supervisor = handheld("supervisor", language="zh")
    supervisor.open("/scrap/")
    supervisor.scan("B-01-02-01")
    supervisor.scan("POT-020")
    supervisor.scan("1")
    asked = supervisor.scan(reason="other")
    assert asked.banner == ("error", "先写明情况，再点“其他”", "")
    assert ledger.reasons("scrap") == []
    done = supervisor.scan(reason="other", note="老鼠咬破")
    assert done.banner is not None and done.banner[0] == "ok"
    assert ledger.reasons("scrap") == [("other", "老鼠咬破")]
