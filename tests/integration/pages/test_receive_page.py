"""Receiving on the handheld page: against PO-1001 (60 TEA-001, 48 SNK-030, 24 HON-040) at
DOCK-1, with GS1 codes filling lot and expiry, counting by scans, inspection outcomes and
the running tally."""

from __future__ import annotations

from datetime import date
from typing import Any

TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"  # GTIN, lot, GS stand-in, expiry


def receiving(handheld: Any) -> Any:
    receiver = handheld("operator")
    receiver.open("/receive/")
    screen = receiver.scan(order="PO-1001")
    assert screen.prompt == "Scan an item" and "Receiving at DOCK-1" in screen.text
    return receiver


def tally_of(screen: Any, sku: str) -> str:
    row = screen.html.split(f'data-sku="{sku}">')[1].split("</li>")[0]
    from tests.support.handheld import text_of
    return text_of(row)


def test_a_gs1_code_fills_lot_and_expiry_and_the_tally_follows(handheld: Any,
                                                                ledger: Any) -> None:
    receiver = receiving(handheld)
    scanned = receiver.scan(TEA_GS1)
    assert scanned.prompt == "Quantity: type it, or scan each unit"
    assert scanned.fields["lot"] == "LJ2026-11" and scanned.fields["expiry"] == "2027-11-30"
    booked = receiver.scan("40")
    assert booked.banner == ("ok", "Received 40 × TEA-001", "")
    assert tally_of(booked, "TEA-001").endswith(
        "Ordered 60 Received 40 Rejected 0 Still expected 20")
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-11") == 40
    assert ledger.lot_expiry("TEA-001", "LJ2026-11") == date(2027, 11, 30)


def test_an_item_barcode_asks_for_lot_and_expiry_by_keypad(handheld: Any,
                                                           ledger: Any) -> None:
    receiver = receiving(handheld)
    assert receiver.scan("6901234567946").prompt == "Scan or type the lot"
    assert receiver.scan("LDG-1120").prompt == "Type the expiry date as YYYYMMDD"
    bad = receiver.scan("20271340")
    assert bad.status == 422 and bad.banner[1] == "Type the expiry date as YYYYMMDD"
    assert receiver.scan("20270115").prompt == "Quantity: type it, or scan each unit"
    receiver.scan("6901234567946")
    counted = receiver.scan("6901234567946")
    assert "3 counted" in counted.text
    booked = receiver.scan("")
    assert booked.banner == ("ok", "Received 3 × SNK-030", "")
    assert ledger.units("DOCK-1", "SNK-030", "LDG-1120") == 3


def test_quarantine_and_reject_need_a_reason_and_go_where_they_belong(handheld: Any,
                                                                      ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan("]C10106901234567953" + "10FM-0901~17280101")
    asked = receiver.scan("4", action="quarantine")
    assert asked.prompt == "Why?" and "Damaged" in asked.text
    done = receiver.scan(reason="damaged")
    assert done.banner == ("ok", "4 × HON-040 to quarantine", "")
    assert ledger.units("QC-1", "HON-040", "FM-0901") == 4
    receiver.scan("]C10106901234567953" + "10FM-0901~17280101")
    receiver.scan("2", action="reject")
    rejected = receiver.scan(reason="quality")
    assert rejected.banner == ("ok", "2 × HON-040 rejected", "")
    assert tally_of(rejected, "HON-040").endswith(
        "Ordered 24 Received 4 Rejected 2 Still expected 20")
    assert ledger.units("DOCK-1", "HON-040", "FM-0901") == 0


def test_an_over_receipt_is_refused_and_changes_nothing(handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(TEA_GS1)
    refused = receiver.scan("61")
    assert refused.status == 422
    assert refused.banner is not None and refused.banner[:2] == ("error",
                                                                 "More than the order allows")
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-11") == 0
    assert refused.prompt == "Quantity: type it, or scan each unit"


def test_an_item_not_on_the_order_is_refused(handheld: Any) -> None:
    receiver = receiving(handheld)
    screen = receiver.scan("6901234567915")
    assert screen.banner == ("error", "Not on this order", "CUP-010 is not on PO-1001")


def test_a_resent_receipt_line_is_booked_once(handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(TEA_GS1)
    receiver.scan("10")
    receiver.resend()
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-11") == 10


def test_a_blind_receipt_takes_any_item(handheld: Any, ledger: Any) -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    assert receiver.scan(action="blind").prompt == "Scan an item"
    receiver.scan("6901234567915")
    assert receiver.scan("12").banner == ("ok", "Received 12 × CUP-010", "")
    assert ledger.units("DOCK-1", "CUP-010") == 12


def test_an_unknown_order_is_refused(handheld: Any) -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    screen = receiver.scan("PO-404")
    assert screen.status == 422 and screen.banner == ("error", "Unknown order", "PO-404")


def test_scanning_a_dock_changes_the_receiving_dock_and_a_bin_is_refused(
        handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld)
    refused = receiver.scan("A-01-01-01")
    assert refused.banner == ("error", "Receive at a dock",
                              "Expected DOCK-1, DOCK-2, scanned A-01-01-01")
    assert "Receiving at DOCK-1" in refused.text
    assert "Receiving at DOCK-2" in receiver.scan("DOCK-2").text
    receiver.scan(TEA_GS1)
    receiver.scan("5")
    assert ledger.units("DOCK-2", "TEA-001") == 5


def test_a_quarantine_reason_is_stored_as_a_code_and_a_typed_reason_is_its_note(
        handheld: Any, ledger: Any) -> None:
    receiver = handheld("operator", language="zh")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan("]C10106901234567953" + "10FM-0901~17280101")
    asked = receiver.scan("4", action="quarantine")
    assert 'name="reason" value="short_shelf_life"' in asked.html and "效期不足" in asked.text
    typed = receiver.scan("外箱压扁")  # typed where the reason is asked: kept as the note
    assert typed.prompt == asked.prompt and "外箱压扁" in typed.html
    done = receiver.scan(reason="damaged", note="外箱压扁")
    assert done.banner is not None and done.banner[0] == "ok"
    assert ledger.reasons("receive")[-1] == ("damaged", "外箱压扁")


def test_a_cancelled_purchase_order_is_refused_at_the_dock(handheld: Any,
                                                          floor_app: Any) -> None:
    from wms.services.order_changes import cancel_purchase_order

    with floor_app.extensions["wms.db"].write() as s:
        cancel_purchase_order(s, "PO-1001", "supplier out of stock", None)
    receiver = handheld("operator")
    receiver.open("/receive/")
    screen = receiver.scan(order="PO-1001")
    assert screen.banner == ("error", "This order was cancelled", "PO-1001")
