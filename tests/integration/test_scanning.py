"""Scan decoding: every kind of code a handheld or station scanner sends, including bad
check digits, GS stand-ins and symbology prefixes."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.builders import Builder
from wms.db import Database
from wms.scanning import ScanResult, decode_scan, split_scan


@pytest.fixture
def decode(db: Database, build: Builder):  # type: ignore[no-untyped-def]
    build.warehouse("WH1", bins=2)
    build.item("TEA", name="龙井茶", tracking="lot", barcodes=["6901234567892"])
    build.item("BOX", name="礼品盒", barcodes=["INHOUSE-77", "12345670"])
    build.user("li", "operator")
    with db.write() as s:
        from wms.models import User

        user = s.query(User).filter_by(username="li").one()
        user.badge = "BADGE-0003"

    def run(raw: str, replacements: tuple[str, ...] = ("|",)) -> ScanResult:
        with db.read() as s:
            return decode_scan(s, raw, gs_replacements=replacements)

    return run


@pytest.mark.parametrize(("raw", "kind", "expected"), [
    ("CONFIRM", "command", {"command": "CONFIRM"}),
    ("%cancel%", "command", {"command": "CANCEL"}),
    ("BADGE-0003", "badge", {"username": "li"}),
    ("a-1-2-1", "location", {"location": "A-01-02-01"}),
    ("DOCK-1\r", "location", {"location": "DOCK-1"}),
    ("6901234567892", "item", {"sku": "TEA", "gtin": "06901234567892"}),
    ("]E06901234567892", "item", {"sku": "TEA", "symbology": "]E0"}),
    ("12345670", "item", {"sku": "BOX"}),
    ("INHOUSE-77", "item", {"sku": "BOX"}),
    ("TEA", "item", {"sku": "TEA"}),
    ("]C1010690123456789217271001" "10L2024", "item",
     {"sku": "TEA", "lot": "L2024", "expiry": date(2027, 10, 1), "symbology": "]C1"}),
    ("]d20106901234567892" "10L2024|17271001", "item",
     {"sku": "TEA", "lot": "L2024", "expiry": date(2027, 10, 1)}),
    ("(01)06901234567892(10)L9(17)271001", "item",
     {"sku": "TEA", "lot": "L9", "expiry": date(2027, 10, 1)}),
    ("]C10106901234567892" "3712|10L1", "item", {"sku": "TEA", "qty": 12, "lot": "L1"}),
    ("]C100069012340000000016", "lpn", {"sscc": "069012340000000016"}),
    ("069012340000000016", "lpn", {"sscc": "069012340000000016"}),
])
def test_each_kind_of_code_is_recognised(decode, raw: str, kind: str,  # type: ignore[no-untyped-def]
                                         expected: dict[str, object]) -> None:
    result = decode(raw)
    assert result.kind == kind, result.reason
    for field, value in expected.items():
        assert getattr(result, field) == value


@pytest.mark.parametrize(("raw", "reason"), [
    ("6901234567891", "check digit is wrong"),
    ("069012340000000017", "SSCC check digit is wrong"),
    ("]C10106901234567891", "GTIN"),
    ("4006381333931", "no item has barcode 4006381333931"),
    ("]C1010400638133393110L1", "no item has GTIN 04006381333931"),
    ("Z-99-99-99", "no location, item, badge or command"),
    ("   ", "empty scan"),
    ("\x00\x07???", "control characters in the scan"),
])
def test_bad_and_unknown_codes_come_back_unknown_with_the_reason(  # type: ignore[no-untyped-def]
    decode, raw: str, reason: str
) -> None:
    result = decode(raw)
    assert result.kind == "unknown"
    assert reason in (result.reason or "")


def test_the_symbology_prefix_is_kept_apart_and_gs_stand_ins_become_gs() -> None:
    scan = split_scan("]C10106901234567892" "10AB~17271001\r\n", ("~",))
    assert scan.symbology == "]C1"
    assert scan.text == "010690123456789210AB\x1d17271001"
