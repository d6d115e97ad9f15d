"""A scan at a lot, expiry or quantity step is read as what it is, on every page with such
steps: the line's own label fills the fields, another item's label is refused naming both,
and a bin, an item code, an order or a quantity is never taken as a lot, an expiry or a
quantity. Demo warehouse: PO-1001 brings TEA-001, SNK-030 and HON-040 (all lot-tracked with
expiry) to DOCK-1; A-01-01-01 holds TEA-001 lot LJ2026-03."""

from __future__ import annotations

from typing import Any

TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"  # tea: lot LJ2026-11, expiry 2027-11-30
HONEY_GS1 = "]C10106901234567953" "10FM-0901~17280101"  # honey: lot FM-0901, expiry 2028-01-01
HONEY_EAN, SNACK_EAN, TEA_EAN = "6901234567953", "6901234567946", "6901234567892"


def receiving(handheld: Any) -> Any:
    receiver = handheld("operator")
    receiver.open("/receive/")
    assert receiver.scan(order="PO-1001").prompt == "Scan an item"
    return receiver


def at_honey_expiry_step(handheld: Any) -> Any:
    receiver = receiving(handheld)
    assert receiver.scan(HONEY_EAN).prompt == "Scan or type the lot"
    assert receiver.scan("FM-0901").prompt == "Type the expiry date as YYYYMMDD"
    return receiver


def test_a_tea_label_at_the_honey_expiry_step_is_refused(handheld: Any, ledger: Any) -> None:
    receiver = at_honey_expiry_step(handheld)
    screen = receiver.scan(TEA_GS1)
    assert screen.status == 422
    assert screen.banner == ("error", "Wrong item", "This label is TEA-001, the line is HON-040")
    assert screen.prompt == "Type the expiry date as YYYYMMDD"
    assert "expiry" not in screen.fields and screen.fields["sku"] == "HON-040"
    assert receiver.scan("20280101").prompt == "Quantity: type it, or scan each unit"
    assert receiver.scan("4").banner == ("ok", "Received 4 × HON-040", "")
    assert ledger.lot_expiry("HON-040", "FM-0901").isoformat() == "2028-01-01"
    assert ledger.units("DOCK-1", "TEA-001") == 0


def test_the_honey_label_at_the_honey_expiry_step_fills_the_expiry(handheld: Any) -> None:
    receiver = at_honey_expiry_step(handheld)
    screen = receiver.scan(HONEY_GS1)
    assert screen.prompt == "Quantity: type it, or scan each unit"
    assert screen.fields["expiry"] == "2028-01-01" and screen.fields["lot"] == "FM-0901"


def test_a_honey_label_of_another_lot_at_the_expiry_step_is_refused(handheld: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(HONEY_EAN)
    receiver.scan("FM-0777")
    screen = receiver.scan(HONEY_GS1)
    assert screen.banner == ("error", "Wrong lot", "Expected FM-0777, scanned FM-0901")
    assert "expiry" not in screen.fields


def test_an_item_code_at_the_snack_lot_step_is_not_taken_as_its_lot(handheld: Any) -> None:
    receiver = receiving(handheld)
    assert receiver.scan(SNACK_EAN).prompt == "Scan or type the lot"
    other = receiver.scan("HON-040")
    assert other.banner == ("error", "Wrong item", "This label is HON-040, the line is SNK-030")
    own = receiver.scan("SNK-030")
    assert own.banner == ("error", "Scan or type the lot",
                          "This is the barcode of SNK-030, not its lot: scan the lot label")
    assert receiver.scan(TEA_EAN).banner[2] == "This label is TEA-001, the line is SNK-030"
    assert "lot" not in receiver.screen.fields
    assert receiver.scan("LDG-1120").prompt == "Type the expiry date as YYYYMMDD"


def test_a_bin_a_badge_or_an_order_at_the_lot_step_is_refused_for_what_it_is(
        handheld: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(SNACK_EAN)
    expected = {
        "A-01-01-01": "Expected the lot, scanned bin A-01-01-01",
        "BADGE-0002": "Expected the lot, scanned a badge",
        "PO-1001": "Expected the lot, scanned order PO-1001",
        "]C100340123450000000017": "Expected the lot, scanned pallet 340123450000000017",
    }
    for scan, detail in expected.items():
        screen = receiver.scan(scan)
        assert screen.status == 422 and screen.banner == (
            "error", "Scan or type the lot", detail), scan
        assert screen.prompt == "Scan or type the lot" and "lot" not in screen.fields


def test_a_count_of_24_typed_at_the_lot_step_is_not_taken_as_a_lot(handheld: Any,
                                                                   ledger: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("A-01-01-01")
    assert counter.scan(TEA_EAN).prompt == "Scan or type the lot"
    screen = counter.scan("24")
    assert screen.status == 422
    assert screen.banner == ("error", "Scan or type the lot",
                             "24 looks like a quantity: scan the lot label")
    assert counter.scan("HON-040").banner[2] == "This label is HON-040, the line is TEA-001"
    assert counter.scan("LJ2026-03").prompt.startswith("How many?")
    assert counter.scan("24").banner == ("ok", "Counted 24 × TEA-001", "")


def test_another_items_barcode_at_a_quantity_step_is_refused_naming_both(
        handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(TEA_GS1)
    honey = receiver.scan(HONEY_EAN)
    assert honey.status == 422
    assert honey.banner == ("error", "Wrong item", "This label is HON-040, the line is TEA-001")
    bin_ = receiver.scan("A-01-01-01")
    assert bin_.banner == ("error", "Type the quantity or scan the item again",
                           "Expected the quantity, scanned bin A-01-01-01")
    assert receiver.scan(TEA_GS1).banner[1] == "2 counted"
    assert ledger.units("DOCK-1", "TEA-001") == 0


def test_a_huge_number_at_a_quantity_step_is_refused_as_a_quantity(handheld: Any,
                                                                   ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(TEA_GS1)
    screen = receiver.scan("1000000000")
    assert screen.banner == ("error", "Too many", "At most 999999999; typed 1000000000")
    assert ledger.units("DOCK-1", "TEA-001") == 0


def test_a_bin_at_the_pick_quantity_step_is_not_a_quantity(handheld: Any,
                                                           ledger: Any) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    picker.scan(order="SO-2003")
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    screen = picker.scan("B-01-02-01")
    assert screen.banner == ("error", "Type the quantity or scan the item again",
                             "Expected the quantity, scanned bin B-01-02-01")
    assert picker.scan("6901234567915").banner == (
        "error", "Wrong item", "This label is CUP-010, the line is POT-020")
    assert ledger.units("PACK-1", "POT-020") == 0


def test_a_bin_or_the_item_at_the_move_quantity_step_is_not_a_quantity(handheld: Any,
                                                                       ledger: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    mover.scan("B-01-02-01")
    mover.scan("POT-020")
    bin_ = mover.scan("B-01-02-02")
    assert bin_.banner == ("error", "Type the quantity",
                           "Expected the quantity, scanned bin B-01-02-02")
    item = mover.scan("6901234567922")
    assert item.banner == ("error", "Type the quantity",
                           "Expected the quantity, scanned the barcode of POT-020")
    other = mover.scan("6901234567915")
    assert other.banner == ("error", "Wrong item", "This label is CUP-010, the line is POT-020")
    assert mover.scan("2").prompt != bin_.prompt
    assert ledger.units("B-01-02-01", "POT-020") == 8


def test_an_item_scanned_where_the_goods_go_is_refused_as_an_item(handheld: Any,
                                                                   ledger: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    mover.scan("B-01-02-01")
    mover.scan("POT-020")
    mover.scan("2")
    item = mover.scan("6901234567922")
    assert item.banner == ("error", "This is an item",
                           "Expected a bin, scanned the barcode of POT-020")
    nowhere = mover.scan("Z-99-99-99")
    assert nowhere.banner == ("error", "Unknown code", "Expected a bin, scanned Z-99-99-99")
    assert ledger.units("B-01-02-01", "POT-020") == 8


def test_control_characters_from_a_bad_cable_are_refused_everywhere(handheld: Any) -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    assert receiver.scan("\x00\x07PO-1001").prompt == "Scan an item"  # the order, read clean
    screen = receiver.scan("\x00\x07???")
    assert screen.status == 422 and screen.banner == (
        "error", "Unknown code", "Expected an item barcode, scanned ???")
    picker = handheld("operator")
    picker.open("/pick/")
    assert picker.scan("\x00").status == 204  # nothing but noise: an empty scan


def test_a_label_of_the_same_lot_with_another_expiry_is_not_counted(handheld: Any,
                                                                    ledger: Any) -> None:
    receiver = receiving(handheld)
    assert receiver.scan(HONEY_GS1).prompt == "Quantity: type it, or scan each unit"
    screen = receiver.scan("]C10106901234567953" "10FM-0901~17260101")
    assert screen.banner == ("error", "Wrong lot", "Expected 2028-01-01, scanned 2026-01-01")
    assert screen.prompt == "Quantity: type it, or scan each unit"
    assert receiver.scan("").banner == ("ok", "Received 1 × HON-040", "")
    assert ledger.units("DOCK-1", "HON-040") == 1
