"""ZPL for the label printers: each document compared byte for byte with its golden file
(WMS_UPDATE_GOLDEN=1 rewrites them), plus the details a Zebra printer depends on: UTF-8 with
^CI28, a CJK font for Chinese, GS1-128 with FNC1, escaped ^ and ~."""

from __future__ import annotations

import difflib
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from printing.documents import build
from printing.gs1 import element_string
from printing.layout import Barcode, DataMatrix, Document, QRCode, Row, Rule, Text
from printing.zpl import render_zpl

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "zpl"
UPDATE_GOLDEN = os.environ.get("WMS_UPDATE_GOLDEN") == "1"

DOCUMENT_DATA: dict[str, dict[str, Any]] = {
    "bin_label": {"code": "A-01-02-03", "warehouse": "上海一号仓",
                  "zone": "冷藏区（2–8℃）"},
    "lot_label": {"sku": "FLR-25KG", "name": "玉米淀粉（食品级）25kg/袋", "lot": "L2024-0917",
                  "expiry": "2026-09-16", "qty": 40, "barcodes": ["06901234567892"]},
    "lpn_label": {"sscc": "069012340000000017", "contents": [
        {"sku": "FLR-25KG", "lot": "L2024-0917", "qty": 40},
        {"sku": "SUGAR-1KG", "lot": "S-88", "qty": 120}]},
    "shipping_label": {"order": "SO-2024-00017", "customer": "Café Lumière (Lyon)",
                       "ship_to": "上海市浦东新区张江路１８８号，３楼\n"
                                  "联系人：王小明 138-0000-0000",
                       "carton": 2, "cartons": 3},
    "packing_slip": {
        "order": "SO-2024-00017", "customer": "Café Lumière (Lyon)",
        "ship_to": "上海市浦东新区张江路１８８号，３楼（收货部）",
        "lines": [
            {"sku": "FLR-25KG", "name": "玉米淀粉（食品级）", "ordered": 10, "shipped": 8,
             "lots": ["L2024-0917", "L2024-0921"], "price": 128.5},
            {"sku": "SUGAR-1KG", "name": "白砂糖 Crème sucre", "ordered": 120, "shipped": 120,
             "lots": ["S-88"], "price": 6},
        ],
        "packer": "李娜", "at": "2024-09-18 14:05"},
    "receiving_note": {
        "purchase_order": "PO-2024-0311", "supplier": "山东鲁花集团有限公司",
        "lines": [
            {"sku": "FLR-25KG", "lot": "L2024-0917", "qty": 40, "disposition": "accept"},
            {"sku": "OIL-5L", "lot": "OL-77", "qty": 12, "disposition": "reject",
             "reason": "外包装破损，漏油"}],
        "receiver": "张伟", "at": "2024-09-17 09:30"},
}


def zpl_of(kind: str) -> str:
    return render_zpl(build(kind, DOCUMENT_DATA[kind])).decode("utf-8")


def field_data(zpl: str, command: str) -> list[str]:
    """The ^FD data of every field that uses `command` (e.g. "^BC")."""
    return re.findall(re.escape(command) + r"[^\n]*?\^FD(.*?)\^FS", zpl)


@pytest.mark.parametrize("kind", sorted(DOCUMENT_DATA))
def test_zpl_matches_golden_file(kind: str) -> None:
    actual = render_zpl(build(kind, DOCUMENT_DATA[kind]))
    golden = GOLDEN_DIR / f"{kind}.zpl"
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    if not golden.exists():
        pytest.fail(f"{golden} is missing: run with WMS_UPDATE_GOLDEN=1 to write it",
                    pytrace=False)
    expected = golden.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            actual.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=str(golden), tofile=f"render_zpl({kind})")
        pytest.fail(f"ZPL of {kind} differs from its golden file (WMS_UPDATE_GOLDEN=1 "
                    "rewrites it after you have checked the change):\n" + "".join(diff),
                    pytrace=False)


@pytest.mark.parametrize("kind", sorted(DOCUMENT_DATA))
def test_a_label_is_utf8_with_ci28_before_any_field(kind: str) -> None:
    raw = render_zpl(build(kind, DOCUMENT_DATA[kind]))
    zpl = raw.decode("utf-8")
    assert zpl.startswith("^XA\n^CI28\n")
    assert zpl.endswith("^XZ\n")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert zpl.index("^CI28") < zpl.index("^FD")


def test_chinese_lines_use_the_cjk_font_and_ascii_lines_the_builtin_font() -> None:
    zpl = zpl_of("packing_slip")
    assert "^A@N,30,30,E:SIMSUN.TTF^FD客户 Customer: Café Lumière (Lyon)^FS" in zpl
    assert "单价 Price: ￥128.50" in zpl
    assert "^A0N,30,30^FDFLR-25KG^FS" in zpl
    for line in zpl.splitlines():
        if "^FD" in line and not line.isascii() and "^FX" not in line:
            assert "E:SIMSUN.TTF" in line, line
    assert "玉米淀粉（食品级）".encode() in render_zpl(build("packing_slip",
                                                      DOCUMENT_DATA["packing_slip"]))


def test_the_cjk_font_is_a_parameter() -> None:
    document = build("bin_label", DOCUMENT_DATA["bin_label"])
    zpl = render_zpl(document, cjk_font="E:ANMDS.TTF").decode("utf-8")
    assert "^A@N,30,30,E:ANMDS.TTF^FB764,1,0,C,0^FD上海一号仓 · 冷藏区（2–8℃）^FS" in zpl
    assert "SIMSUN" not in zpl


def test_code128_barcode_prints_with_its_interpretation_line() -> None:
    zpl = zpl_of("bin_label")
    assert "^BY4^A0N,30,30^BCN,100,Y,N,N^FD>:A-01-02-03^FS" in zpl


def test_the_lot_label_prints_a_gs1_datamatrix_with_fnc1_first() -> None:
    zpl = zpl_of("lot_label")
    assert "^BC" not in zpl
    [data] = field_data(zpl, "^BXN,6,200,,,,_")
    assert data == "_1" "0106901234567892" "17260916" "10L2024-0917"
    assert "^FB764,1,0,C,0^FD(01)06901234567892(17)260916(10)L2024-0917^FS" in zpl


def test_a_gs1_datamatrix_separates_variable_fields_and_escapes_what_zpl_would_read() -> None:
    gs1 = "(01)06901234567892(10)L_1^~(21)S1"
    zpl = render_zpl(Document("t", "t", (DataMatrix(gs1),))).decode("utf-8")
    assert "^BXN,6,200,,,,_^FH\\^FD_1" "0106901234567892" "10L__1\\5E\\7E" "_1" "21S1^FS" in zpl


def test_gs1_128_starts_in_subset_c_with_fnc1_and_encodes_the_element_string() -> None:
    gs1 = element_string(gtin="06901234567892", lot="L2024-0917", expiry=date(2026, 9, 16))
    zpl = render_zpl(Document("t", "t", (Barcode(gs1, "GS1_128", human=gs1),))).decode()
    [data] = field_data(zpl, "^BC")
    assert "^BCN,80,N,N,N" in zpl
    assert data.startswith(">;>8")
    unbracketed = "0106901234567892" "17260916" "10L2024-0917"
    # Besides start C and FNC1, only subset changes (>5 to C, >6 to B) are in the data.
    assert re.sub(r">[56]", "", data.removeprefix(">;>8")) == unbracketed
    assert data == ">;>8" "01069012345678921726091610" ">6L2024-" ">50917"
    assert "^FB764,1,0,C,0^FD(01)06901234567892(17)260916(10)L2024-0917^FS" in zpl


def test_sscc_label_holds_the_unbracketed_element_string_after_fnc1() -> None:
    [data] = field_data(zpl_of("lpn_label"), "^BC")
    assert data == ">;>8" "00069012340000000017"


def test_a_variable_length_field_inside_the_string_ends_with_fnc1() -> None:
    gs1 = element_string(gtin="06901234567892", lot="A1", qty=40, expiry=date(2026, 9, 16))
    document = Document("t", "t", (Barcode(gs1, symbology="GS1_128", human=gs1),), label=True)
    [data] = field_data(render_zpl(document).decode("utf-8"), "^BC")
    assert data == ">;>8" "01069012345678921726091610" ">6A1" ">8" ">53740"


def test_control_characters_in_data_are_hex_escaped() -> None:
    document = Document("t", "t^XZ", (
        Text("Lot A^B~C_D"),
        Text("收货 ^XZ~JA", align="right"),
        Row(("caret^", "tilde~"), (1, 1)),
        Barcode("AB^1~2>3", human="AB^1~2>3"),
        QRCode("x^y"),
    ))
    zpl = render_zpl(document).decode("utf-8")
    assert "^FH^FDLot A_5EB_7EC_5FD^FS" in zpl
    assert "^FH^FD收货 _5EXZ_7EJA^FS" in zpl
    assert "^FH^FDcaret_5E^FS" in zpl and "^FH^FDtilde_7E^FS" in zpl
    assert "^FH^FD>:AB_5E1_7E2><3^FS" in zpl
    assert "^FH^FDQA,x_5Ey^FS" in zpl
    data = "".join(re.findall(r"\^FD(.*?)\^FS", zpl))
    assert "^" not in data and "~" not in data
    assert zpl.count("^XZ") == 1 and "^FX t XZ" in zpl


def test_text_rows_rules_and_qr_codes_are_placed_down_the_label() -> None:
    zpl = zpl_of("receiving_note")
    assert "^FO24,177^GB764,2,2^FS" in zpl
    assert "^FO546,271^A0N,30,30^FB72,1,0,R,0^FD40^FS" in zpl
    assert re.search(r"\^BQN,2,5\^FDQA,PO-2024-0311\^FS", zpl)
    origins = [int(y) for y in re.findall(r"\^FO\d+,(\d+)", zpl)]
    assert origins == sorted(origins)
    height = int(re.search(r"\^LL(\d+)", zpl).group(1))
    assert origins[-1] < height


def test_a_gs1_128_too_wide_for_the_label_becomes_a_gs1_datamatrix() -> None:
    gs1 = element_string(gtin="06901234567892", lot="LOT-ABCDEFGHIJ", expiry=date(2026, 9, 16))
    document = Document("t", "t", (Barcode(gs1, symbology="GS1_128", human=gs1),), label=True)
    zpl = render_zpl(document, width_dots=448).decode("utf-8")
    assert "^BC" not in zpl and "^BQ" not in zpl
    assert "^BXN,6,200,,,,_^FD_1" "0106901234567892" "17260916" "10LOT-ABCDEFGHIJ^FS" in zpl


def test_a_code128_too_wide_for_the_label_becomes_a_qr_code() -> None:
    data = "LPN-" + "0123456789ABCDEFGHIJ" * 2
    zpl = render_zpl(Document("t", "t", (Barcode(data),), label=True),
                     width_dots=448).decode("utf-8")
    assert "^BC" not in zpl
    assert f"^FDQA,{data}^FS" in zpl


def test_sizes_scale_with_the_printer_resolution() -> None:
    document = Document("t", "t", (Text("ABC", size="large"), Rule()), label=True)
    zpl = render_zpl(document, width_dots=1248, dpmm=12).decode("utf-8")
    assert "^PW1248" in zpl
    assert "^FO36,36^A0N,75,75^FDABC^FS" in zpl
    assert "^GB1176,3,3^FS" in zpl
