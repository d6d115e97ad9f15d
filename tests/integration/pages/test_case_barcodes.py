"""A case's barcode on the floor: the demo's cups come in cases of 12 (case GTIN
16901234567912, unit EAN 6901234567915). Scanning the case counts 12 wherever scanning a
unit counts one: receiving and picking on the handheld."""

from __future__ import annotations

from typing import Any

from wms.services.orders import OrderLineInput, create_sales_order

CASE, UNIT = "16901234567912", "6901234567915"


def receiving_blind(handheld: Any) -> Any:
    receiver = handheld("operator")
    receiver.open("/receive/")
    assert receiver.scan(action="blind").prompt == "Scan an item"
    return receiver


def test_a_case_scan_receives_twelve_on_the_handheld(handheld: Any, ledger: Any) -> None:
    receiver = receiving_blind(handheld)
    assert receiver.scan(CASE).prompt == "Quantity: type it, or scan each unit"
    assert receiver.scan("").banner == ("ok", "Received 12 × CUP-010", "")
    assert ledger.units("DOCK-1", "CUP-010") == 12


def test_a_unit_scan_still_receives_one_and_a_case_adds_twelve(handheld: Any,
                                                               ledger: Any) -> None:
    receiver = receiving_blind(handheld)
    receiver.scan(UNIT)
    assert "13 counted" in receiver.scan(CASE).text
    assert receiver.scan("").banner == ("ok", "Received 13 × CUP-010", "")
    assert ledger.units("DOCK-1", "CUP-010") == 13


def test_a_case_scan_picks_twelve_and_a_unit_scan_one(floor_app: Any, handheld: Any,
                                                      ledger: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        create_sales_order(s, "SO-CASE", "CUS-002", [OrderLineInput("CUP-010", 13)], None)
    picker = handheld("operator")
    picker.open("/pick/")
    assert picker.scan(order="SO-CASE").prompt == "Scan bin"
    picker.scan("B-01-03-01")
    assert "12 counted" in picker.scan(CASE).text
    done = picker.scan(UNIT)  # the thirteenth unit completes the task by itself
    assert done.banner == ("ok", "All picked: take the goods to PACK-1", "Picked 13 × CUP-010")
    assert ledger.units("PACK-1", "CUP-010") == 13
    assert ledger.units("B-01-03-01", "CUP-010") == 120 - 13
