"""ESC/POS output of every document, byte for byte where it is small, and read back where it
is large: text decoded from its GB18030 segments, lines measured, barcodes and QR codes
found. Uses python-escpos's Dummy printer; no database."""

from __future__ import annotations

import barcode
import pytest
import zxingcpp
from PIL import Image, ImageOps

from printing import documents
from printing.code128 import code128_modules, code128_values
from printing.escpos_render import (
    escpos_code128_data,
    line_image,
    render_escpos,
)
from printing.gs1 import element_string, sscc
from printing.layout import Barcode, DataMatrix, Document, Paper, Row, Text
from printing.text import display_width
from tests.support.escpos import read_escpos
from tests.support.names import NAMES

P58, P80 = Paper.of(58), Paper.of(80)
SSCC = sscc(1, "0614141", 123456789)

BIN = {"code": "A-01-02-03", "warehouse": "上海一号仓", "zone": "冷藏区"}
LOT = {"sku": "SKU-1001", "name": "有机绿茶（500克），特级", "lot": "L2407",
       "expiry": "2027-10-01", "qty": 24, "barcodes": ["6901234567892"]}
LPN = {"sscc": SSCC, "contents": [{"sku": "SKU-1001", "lot": "L2407", "qty": 24},
                                  {"sku": "SKU-2002", "lot": "L2408", "qty": 6}]}
SHIPPING = {"order": "SO-20240917-0042", "customer": "Café Lumière (Lyon)",
            "ship_to": "上海市浦东新区张江路１２３号（3号门）\n王先生 收，电话：138-0000-0000",
            "carton": 2, "cartons": 3}
PACKING = {
    "order": "SO-20240917-0042", "customer": "Café Lumière (Lyon)",
    "ship_to": "上海市浦东新区张江路１２３号（3号门），王先生收", "packer": "李娜",
    "at": "2024-09-17 14:05",
    "lines": [
        {"sku": "SKU-1001", "name": "有机绿茶（500克），特级", "ordered": 12, "shipped": 10,
         "lots": ["L2407", "L2408"], "price": 68.5},
        {"sku": "SKU-2002", "name": "Thé vert bio、龙井", "ordered": 3, "shipped": 3,
         "price": 12},
    ],
}
RECEIVING = {
    "purchase_order": "PO-2024-0815", "supplier": "杭州西湖茶业有限公司（一厂）",
    "receiver": "张伟", "at": "2024-09-16 09:30",
    "lines": [
        {"sku": "SKU-1001", "lot": "L2407", "qty": 120, "disposition": "accept"},
        {"sku": "SKU-3003", "lot": "批次-09", "qty": 8, "disposition": "reject",
         "reason": "包装破损，受潮（约 30%）"},
        {"sku": "SKU-2002", "lot": "", "qty": 40, "disposition": "quarantine"},
    ],
}

# Each document, its data, and strings that must come out intact (spaces aside).
CASES = {
    "bin_label": (BIN, ["A-01-02-03", "上海一号仓 · 冷藏区"]),
    "lot_label": (LOT, ["SKU-1001", "有机绿茶（500克），特级", "批次 Lot L2407",
                        "有效期 Exp 2027-10-01", "数量 Qty 24"]),
    "lpn_label": (LPN, ["SSCC", f"(00) {SSCC}", "SKU-2002"]),
    "shipping_label": (SHIPPING, ["收货 Ship to", "Café Lumière (Lyon)",
                                  "上海市浦东新区张江路１２３号（3号门）",
                                  "王先生 收，电话：138-0000-0000", "订单 Order SO-20240917-0042",
                                  "箱 Carton 2 / 3"]),
    "packing_slip": (PACKING, ["装箱单 Packing slip", "客户 Customer: Café Lumière (Lyon)",
                               "收货地址 Ship to: 上海市浦东新区张江路１２３号（3号门），王先生收",
                               "SKU / 品名", "有机绿茶（500克），特级", "批次 Lot: L2407, L2408",
                               "单价 Price: ￥68.50", "Thé vert bio、龙井", "单价 Price: ￥12.00",
                               "装箱 Packed by: 李娜", "时间 Time: 2024-09-17 14:05"]),
    "receiving_note": (RECEIVING, ["收货单 Receiving note", "采购单 PO: PO-2024-0815",
                                   "供应商 Supplier: 杭州西湖茶业有限公司（一厂）", "批次-09",
                                   "原因 Reason: 包装破损，受潮（约 30%）", "合格 OK",
                                   "拒收 Reject", "待检 QC", "收货人 Received by: 张伟"]),
}

INIT, BOLD, NOT_BOLD = b"\x1b@", b"\x1bE\x01", b"\x1bE\x00"
CODE_PAGE_0 = b"\x1bt\x00"  # python-escpos selects a code page before its first text
CENTER, LEFT = b"\x1ba\x01", b"\x1ba\x00"
NORMAL_SIZE, DOUBLE, TRIPLE, QUADRUPLE = b"\x1d!\x00", b"\x1d!\x11", b"\x1d!\x22", b"\x1d!\x33"
CHINESE_ON, CHINESE_OFF = b"\x1c&", b"\x1c."
LF = b"\n"
FEED_AND_CUT = b"\x1bd\x06" + b"\x1dV\x00"
# 上海一号仓 · 冷藏区 in GB18030
WAREHOUSE_ZONE = (b"\xc9\xcf\xba\xa3\xd2\xbb\xba\xc5\xb2\xd6 \xa1\xa4 "
                  b"\xc0\xe4\xb2\xd8\xc7\xf8")


def code128(height: int, module: int, data: bytes) -> bytes:
    """Centred ESC/POS Code 128 (GS k 73), human-readable text off, alignment reset."""
    return (CENTER + b"\x1dh" + bytes([height]) + b"\x1dw" + bytes([module]) + b"\x1df\x00"
            + b"\x1dH\x00" + b"\x1dkI" + bytes([len(data)]) + data + LEFT)


def test_bin_label_on_58mm_byte_for_byte():
    output = render_escpos(documents.bin_label(BIN), P58)
    assert output == (
        INIT + TRIPLE + BOLD + CODE_PAGE_0 + b"A-01-02-03\n"
        + code128(100, 2, b"{BA-01-02-03")
        + NORMAL_SIZE + NOT_BOLD + b" " * 11 + b"A-01-02-03\n"
        + CHINESE_ON + b" " * 6 + WAREHOUSE_ZONE + CHINESE_OFF + b"\n"
        + FEED_AND_CUT)


def test_bin_label_on_80mm_byte_for_byte():
    output = render_escpos(documents.bin_label(BIN), P80)
    assert output == (
        INIT + QUADRUPLE + BOLD + CODE_PAGE_0 + b" A-01-02-03\n"
        + code128(100, 3, b"{BA-01-02-03")
        + NORMAL_SIZE + NOT_BOLD + b" " * 19 + b"A-01-02-03\n"
        + CHINESE_ON + b" " * 14 + WAREHOUSE_ZONE + CHINESE_OFF + b"\n"
        + FEED_AND_CUT)


def test_sscc_label_on_80mm_byte_for_byte():
    assert SSCC == "106141411234567897"
    output = render_escpos(documents.lpn_label(LPN), P80)
    sscc_pairs = bytes([0, 10, 61, 41, 41, 12, 34, 56, 78, 97])  # (00) + SSCC in code set C
    assert output == (
        INIT + BOLD + CODE_PAGE_0 + b"SSCC\n"
        + DOUBLE + NOT_BOLD + b"(00) 106141411234567897\n"
        + code128(100, 3, b"{C{1" + sscc_pairs)
        + NORMAL_SIZE + b" " * 13 + b"(00)106141411234567897\n"
        + b"SKU-1001" + b" " * 13 + b"L2407" + b" " * 20 + b"24\n"
        + b"SKU-2002" + b" " * 13 + b"L2408" + b" " * 21 + b"6\n"
        + FEED_AND_CUT)


def squashed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("paper", [P58, P80], ids=["58mm", "80mm"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_document_prints_its_text_intact_and_within_the_paper(kind, paper):
    data, strings = CASES[kind]
    output = render_escpos(documents.build(kind, data), paper)
    printout = read_escpos(output)
    printed = printout.text()
    for expected in strings:
        assert squashed(expected) in squashed(printed), expected
    assert "?" not in printed
    for line, size in printout.lines:
        assert display_width(line) * size <= paper.columns, line
    assert printout.cuts == 1


@pytest.mark.parametrize("paper", [P58, P80], ids=["58mm", "80mm"])
def test_packing_slip_lines_read_back_exactly(paper):
    printout = read_escpos(render_escpos(documents.packing_slip(PACKING), paper))
    lines = [line for line, _ in printout.lines]
    assert "  有机绿茶（500克），特级" in lines
    assert "  批次 Lot: L2407, L2408" in lines
    assert "  单价 Price: ￥68.50" in lines
    assert "  Thé vert bio、龙井" in lines
    assert "-" * paper.columns in lines
    header, first_line = {
        P58: ("SKU / 品名" + " " * 12 + "订  发  欠", "SKU-1001" + " " * 14 + "12  10   2"),
        P80: ("SKU / 品名" + " " * 24 + "订    发    欠",
              "SKU-1001" + " " * 26 + "12    10     2"),
    }[paper]
    assert header in lines
    assert first_line in lines


def test_accented_latin_and_full_width_punctuation_stay_inside_chinese_mode():
    output = render_escpos(documents.shipping_label(SHIPPING), P80)
    customer = "Café Lumière (Lyon)".encode("gb18030")
    assert customer == b"Caf\xa8\xa6 Lumi\xa8\xa8re (Lyon)"
    assert DOUBLE + CHINESE_ON + customer + CHINESE_OFF + b"\n" in output
    assert CHINESE_ON + "王先生 收，电话：138-0000-0000".encode("gb18030") + CHINESE_OFF in output
    for segment in output.split(CHINESE_ON)[1:]:
        assert CHINESE_OFF in segment
    assert b"?" not in output.replace(b"{B", b"").replace(b"{C", b"")


def test_accented_letters_are_laid_out_two_columns_wide_as_chinese_mode_prints_them():
    document = Document("t", "t", (Text("Café Lumière (Lyon)", align="right"),))
    output = render_escpos(document, P58, cut=False)
    assert output == (INIT + CHINESE_ON + b" " * 11 + b"Caf\xa8\xa6 Lumi\xa8\xa8re (Lyon)"
                      + CHINESE_OFF + b"\n")


def test_order_barcode_switches_to_code_set_c_for_digit_runs():
    printout = read_escpos(render_escpos(documents.packing_slip(PACKING), P58))
    assert printout.barcodes == [(2, b"{BSO-{C" + bytes([20, 24, 9, 17]) + b"{B-{C"
                                  + bytes([0, 42]))]


def test_sscc_barcode_narrows_its_module_to_fit_58mm():
    printout = read_escpos(render_escpos(documents.lpn_label(LPN), P58))
    assert [(module, data[:4]) for module, data in printout.barcodes] == [(2, b"{C{1")]
    assert not printout.qr_codes


LOT_LJ99 = {"sku": "TEA-001", "name": "西湖龙井茶叶，特级：250克", "lot": "LJ99",
            "expiry": "2027-11-30", "qty": 24, "barcodes": ["6901234567892"]}
LJ99_ELEMENTS = "(01)06901234567892(17)271130(10)LJ99"


def scanned(picture: Image.Image) -> list[zxingcpp.Barcode]:
    """What a scanner reads in a printed picture (a white margin added round it)."""
    return zxingcpp.read_barcodes(ImageOps.expand(picture.convert("L"), border=16, fill=255))


@pytest.mark.parametrize("mode", ["chinese", "image"])
@pytest.mark.parametrize(("paper", "profile"), [(P58, "default"), (P58, "POS-5890"),
                                                (P80, "default")],
                         ids=["58mm", "58mm-without-hardware-codes", "80mm"])
@pytest.mark.usefixtures("cjk_font")
def test_the_lot_label_decodes_to_the_same_gs1_element_string(paper, profile, mode):
    printout = read_escpos(render_escpos(documents.lot_label(LOT_LJ99), paper, mode=mode,
                                         profile=profile))
    assert printout.barcodes == [] and printout.qr_codes == []
    found = [(picture, code) for picture in printout.pictures for code in scanned(picture)]
    assert [(code.format, code.symbology_identifier, code.content_type, code.text)
            for _, code in found] == [(zxingcpp.BarcodeFormat.DataMatrix, "]d2",
                                       zxingcpp.ContentType.GS1, LJ99_ELEMENTS)]
    picture, code = found[0]
    assert code.bytes == b"0106901234567892" b"17271130" b"10LJ99"
    assert picture.width == paper.dots


@pytest.mark.parametrize("lot", ["批次-09", "L(2)", "L" * 21])
def test_a_lot_a_gs1_code_cannot_carry_is_printed_but_left_out_of_the_code(lot):
    printout = read_escpos(render_escpos(documents.lot_label(dict(LOT_LJ99, lot=lot)), P58))
    [code] = [code for picture in printout.pictures for code in scanned(picture)]
    assert (code.symbology_identifier, code.text) == ("]d2", "(01)06901234567892(17)271130")
    assert f"批次Lot{lot}" in squashed(printout.text())


def test_a_gs1_code_with_a_field_after_the_lot_scans_with_the_gs_separator():
    elements = "(01)06901234567892(10)LJ99(21)S-0042"
    printout = read_escpos(render_escpos(Document("t", "t", (DataMatrix(elements),)), P58))
    [code] = scanned(printout.pictures[0])
    assert code.symbology_identifier == "]d2" and code.text == elements
    assert code.bytes == b"0106901234567892" b"10LJ99" b"\x1d" b"21S-0042"


def test_a_gs1_128_too_wide_for_the_paper_becomes_a_gs1_datamatrix():
    gs1 = "(01)06901234567892(17)271001(10)L2407"
    document = Document("t", "t", (Barcode(gs1, "GS1_128", human=gs1),))
    on_58 = read_escpos(render_escpos(document, P58))
    assert on_58.barcodes == [] and on_58.qr_codes == []
    assert [(code.symbology_identifier, code.text) for code in scanned(on_58.pictures[0])] \
        == [("]d2", gs1)]
    assert "(01)06901234567892(17)271001(10)" in [line.strip() for line, _ in on_58.lines]
    on_80 = read_escpos(render_escpos(document, P80))
    assert on_80.qr_codes == [] and on_80.pictures == []
    assert on_80.barcodes == [(2, b"{C{1" + bytes([1, 6, 90, 12, 34, 56, 78, 92, 17, 27, 10, 1,
                                                   10]) + b"{BL{C" + bytes([24, 7]))]


def test_gs1_element_strings_get_fnc1_after_variable_length_fields_only():
    values = code128_values(element_string(gtin="6901234567892", lot="L1", qty=5), gs1=True)
    assert escpos_code128_data(values) == (
        "{C{1" + "".join(chr(pair) for pair in (1, 6, 90, 12, 34, 56, 78, 92, 10))
        + "{BL1{1" + "375")
    with pytest.raises(ValueError, match="bracket form"):
        code128_values("0106901234567892", gs1=True)


@pytest.mark.parametrize(
    ("data", "gs1", "python_barcode"),
    [
        ("A-01-02-03", False, barcode.get_barcode_class("code128")("A-01-02-03")),
        (f"(00){SSCC}", True, barcode.get_barcode_class("gs1_128")(f"00{SSCC}")),
    ],
)
def test_code128_bars_match_python_barcode(data, gs1, python_barcode):
    assert code128_modules(code128_values(data, gs1=gs1)) == python_barcode.build()[0]


def test_code128_escapes_a_brace_and_refuses_what_it_cannot_encode():
    assert escpos_code128_data(code128_values("a{b")) == "{Ba{{b"
    with pytest.raises(ValueError, match="cannot encode"):
        code128_values("货位")


def test_a_barcode_of_chinese_data_becomes_a_qr_code():
    document = Document("t", "t", (Barcode("货位A1", human="货位A1"),))
    printout = read_escpos(render_escpos(document, P58, cut=False))
    assert printout.qr_codes == ["货位A1".encode()]
    assert printout.lines[-1] == (" " * 13 + "货位A1", 1)
    assert printout.cuts == 0


def test_receiving_note_ends_with_a_native_qr_code_of_the_purchase_order():
    printout = read_escpos(render_escpos(documents.receiving_note(RECEIVING), P58))
    assert printout.qr_codes == [b"PO-2024-0815"]


def test_control_characters_in_data_never_reach_the_printer():
    document = Document("t", "t", (Text("A\x1dV\x00B\x1b@"), Row(("x\x1c&", "1"), (1, 1))))
    output = render_escpos(document, P58, cut=False)
    assert output == INIT + CODE_PAGE_0 + b"AVB@\n" + b"x&" + b" " * 15 + b"1\n"


@pytest.mark.usefixtures("cjk_font")
def test_a_profile_without_a_cutter_gets_the_feed_but_no_cut():
    output = render_escpos(documents.bin_label(BIN), P58, mode="image", profile="POS-5890")
    assert output.endswith(b"\x1bd\x06")
    assert read_escpos(output).cuts == 0


@pytest.mark.usefixtures("cjk_font")
def test_image_mode_prints_non_ascii_lines_as_images_and_barcodes_without_hardware():
    output = render_escpos(documents.bin_label(BIN), P58, mode="image", profile="POS-5890")
    printout = read_escpos(output)
    assert CHINESE_ON not in output
    assert printout.barcodes == [] and printout.qr_codes == []
    code_width = (11 * 12 + 13) * 2  # start + 10 characters + check, stop; 2-dot modules
    zone_width = (6 + 20) * 12  # centred as in Chinese mode: 6 spaces, 20 columns of 12 dots
    assert printout.images == [(-(-code_width // 8), 100), (-(-zone_width // 8), 30)]
    assert [line for line, _ in printout.lines] == ["A-01-02-03", " " * 11 + "A-01-02-03"]


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("paper", [P58, P80], ids=["58mm", "80mm"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_image_mode_keeps_every_image_within_the_paper(kind, paper):
    output = render_escpos(documents.build(kind, CASES[kind][0]), paper, mode="image")
    printout = read_escpos(output)
    assert CHINESE_ON not in output
    assert bool(printout.images) == (kind != "lpn_label")  # its text is all ASCII
    assert all(width * 8 <= paper.dots for width, _ in printout.images)
    assert all(line.isascii() for line, _ in printout.lines)


@pytest.mark.usefixtures("cjk_font")
def test_line_image_puts_each_character_in_its_printer_columns():
    image = line_image("汉a", 12)
    assert image.size == (40, 30) and image.mode == "1"
    han, latin = image.crop((0, 0, 24, 30)), image.crop((24, 0, 36, 30))
    assert han.histogram()[0] > 40 and latin.histogram()[0] > 10
    assert image.crop((36, 0, 40, 30)).histogram()[0] == 0




def test_a_yen_price_prints_with_the_full_width_yen_of_the_gbk_font():
    [name] = [name for sku, name, _ in NAMES if sku == "CN-PRICE"]
    output = render_escpos(Document("t", "t", (Text(name),)), P58, cut=False)
    assert output == INIT + CHINESE_ON + "进口牛奶 ￥39.90".encode("gb18030") + CHINESE_OFF + LF
    assert CHINESE_ON + b"\xbd\xf8\xbf\xda\xc5\xa3\xc4\xcc \xa3\xa439.90" + CHINESE_OFF in output


def test_an_emoji_prints_as_a_visible_box_and_keeps_the_columns():
    [name] = [name for sku, name, _ in NAMES if sku == "EMOJI"]
    output = render_escpos(Document("t", "t", (Row((name, "2"), (3, 1), ("left", "right")),)),
                           P58, cut=False)
    box_row = "礼品盒□" + " " * 23 + "2"  # the box takes the emoji's two columns
    assert output == INIT + CHINESE_ON + box_row.encode("gb18030") + CHINESE_OFF + LF
    assert "礼品盒□".encode("gb18030") == b"\xc0\xf1\xc6\xb7\xba\xd0\xa1\xf5"


@pytest.mark.parametrize(("text", "printed"), [
    ("Façade ｱ", "Facade ア"), ("12€ ©", "12EUR (C)"), ("e\u0301\u20dd", "é"),
    ("A\u00a0B", "A B"), ("★\ufe0f𠀀", "★□"),
])
def test_characters_a_gbk_font_lacks_print_as_their_look_alike_or_a_box(text, printed):
    output = render_escpos(Document("t", "t", (Text(text),)), P80, cut=False)
    assert read_escpos(output).lines == [(printed, 1)]


@pytest.mark.parametrize("mode", ["chinese", "image"])
@pytest.mark.parametrize("paper", [P58, P80], ids=["58mm", "80mm"])
@pytest.mark.parametrize(("sku", "name", "why"), NAMES, ids=[row[0] for row in NAMES])
@pytest.mark.usefixtures("cjk_font")
def test_no_name_reaches_the_printer_as_a_four_byte_gb18030_code(sku, name, why, paper, mode):
    slip = dict(PACKING, lines=[{"sku": sku, "name": name, "ordered": 1, "shipped": 1,
                                 "price": 39.9}])
    output = render_escpos(documents.packing_slip(slip), paper, mode=mode)
    at = 0
    while (at := output.find(CHINESE_ON, at)) >= 0:
        end = output.index(CHINESE_OFF, at)
        segment, at = output[at + 2:end], end
        index = 0
        while index < len(segment):
            if segment[index] < 0x80:
                index += 1
                continue
            assert not 0x30 <= segment[index + 1] <= 0x39, f"4-byte code in {segment!r}"
            index += 2
    if mode == "chinese":
        printed = squashed(read_escpos(output).text())
        assert squashed(name).replace("¥", "￥").replace("🎁", "□") in printed
