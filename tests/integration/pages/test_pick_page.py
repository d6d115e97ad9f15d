"""Picking on the handheld page: scan bin, item, quantity; refusals change nothing; a resend
of the same scan applies once; a shortage is recorded and the picker moves on."""

from __future__ import annotations

from typing import Any

# SO-2003: 2 x POT-020 (lot ZS-001 in B-01-02-01), 1 x MAT-050 (B-02-01-01); both go to PACK-1.


def start_so_2003(handheld: Any) -> Any:
    picker = handheld("operator")
    picker.open("/pick/")
    screen = picker.scan(order="SO-2003")
    assert screen.status == 200 and screen.prompt == "Scan bin"
    assert "B-01-02-01" in screen.text and "POT-020" in screen.text
    return picker


def test_a_picker_picks_an_order_end_to_end_by_scanning(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    assert picker.scan("B-01-02-01").prompt == "Scan item or lot label"
    assert picker.scan("6901234567922").prompt == "Quantity: press Enter for 2"
    done = picker.scan("")
    assert done.banner == ("ok", "Picked 2 × POT-020", "")
    assert "B-02-01-01" in done.text and done.prompt == "Scan bin"
    picker.scan("b-02-01-01")  # typed in lower case still matches
    picker.scan("MAT-050")
    finished = picker.scan("1")
    assert finished.banner == ("ok", "All picked: take the goods to PACK-1",
                               "Picked 1 × MAT-050")
    assert "SO-2003" not in finished.text
    assert ledger.units("PACK-1", "POT-020") == 2 and ledger.units("PACK-1", "MAT-050") == 1
    assert ledger.units("B-01-02-01", "POT-020") == 6


def test_a_wrong_bin_is_refused_loudly_and_changes_nothing(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    before = ledger.moves()
    screen = picker.scan("B-01-02-02")
    assert screen.status == 422
    assert screen.banner == ("error", "Wrong bin", "Expected B-01-02-01, scanned B-01-02-02")
    assert screen.prompt == "Scan bin"
    assert ledger.moves() == before


def test_a_wrong_item_and_a_wrong_lot_are_refused(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    wrong_item = picker.scan("6901234567915")
    assert wrong_item.banner == ("error", "Wrong item", "Expected POT-020, scanned CUP-010")
    assert wrong_item.prompt == "Scan item or lot label"
    wrong_lot = picker.scan("(01)06901234567922(10)ZS-999")
    assert wrong_lot.banner == ("error", "Wrong lot", "Expected ZS-001, scanned ZS-999")
    right_lot = picker.scan("(01)06901234567922(10)ZS-001")
    assert right_lot.prompt == "Quantity: press Enter for 2"
    assert ledger.units("PACK-1", "POT-020") == 0


def test_a_scan_that_is_not_a_barcode_says_why(handheld: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    bad = picker.scan("6901234567923")  # check digit wrong
    assert bad.status == 422
    assert bad.banner == ("error", "The barcode's check digit is wrong",
                          "Expected POT-020, scanned 6901234567923")


def test_a_resent_pick_applies_once_and_shows_the_same_answer(handheld: Any,
                                                              ledger: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    first = picker.scan("1")
    again = picker.resend()
    assert first.banner == again.banner == ("ok", "Picked 1 × POT-020", "")
    assert ledger.units("PACK-1", "POT-020") == 1


def test_repeated_item_scans_count_the_units(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    assert "1 counted" in picker.scan("6901234567922").text
    done = picker.scan("6901234567922")  # the second unit completes the task by itself
    assert done.banner == ("ok", "Picked 2 × POT-020", "")
    assert ledger.units("PACK-1", "POT-020") == 2


def test_more_than_the_task_needs_is_refused(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    picker.scan("POT-020")
    screen = picker.scan("3")
    assert screen.banner == ("error", "Check the quantity", "This task needs 2, not 3")
    assert ledger.units("PACK-1", "POT-020") == 0


def test_a_short_pick_is_recorded_and_the_picker_moves_on(handheld: Any, ledger: Any) -> None:
    picker = start_so_2003(handheld)
    picker.scan("B-01-02-01")
    picker.scan("POT-020")
    picker.scan("1")
    asked = picker.scan(action="short")
    assert asked.prompt == "Report the rest short?" and "Yes: 1 short" in asked.text
    moved_on = picker.scan(action="short_confirm")
    assert moved_on.banner == ("info", "Recorded 1 × POT-020 short", "")
    assert "B-02-01-01" in moved_on.text
    supervisor = handheld("supervisor")
    assert "POT-020" in supervisor.open("/supervisor/").text.split("Shortages")[1]
    assert ledger.units("PACK-1", "POT-020") == 1


def test_an_order_number_that_does_not_exist_is_refused(handheld: Any) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    screen = picker.scan("SO-9999")
    assert screen.status == 422
    assert screen.banner == ("error", "Unknown order", "SO-9999")
