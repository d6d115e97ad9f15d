"""Browser previews of printed documents: the PNG is as wide as the paper and grows with the
content, Chinese is drawn with real glyphs, barcodes scan back to their data, and the HTML
fragment escapes what it shows."""

from __future__ import annotations

import base64
import io
import re
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from printing.code128 import CODE128_WIDTHS, FNC1, code128_modules, code128_values
from printing.documents import build
from printing.escpos_render import render_escpos
from printing.fonts import CJKFontMissing, cjk_font, find_cjk_font, has_glyph
from printing.gs1 import element_string
from printing.layout import Barcode, Document, Paper, QRCode, Row, Rule, Text
from printing.preview import (
    MARGIN_PX,
    QUIET_MODULES,
    barcode_module_width,
    render_html,
    render_png,
)
from printing.text import display_width
from tests.support.escpos import read_escpos
from tests.support.names import NAMES

PAPERS = [Paper.of(58), Paper.of(80)]
LABEL = Paper("4in", 101, 812)
SLIP = {
    "order": "SO-2024-00017", "customer": "Café Lumière (Lyon)",
    "ship_to": "上海市浦东新区张江路１８８号，３楼（收货部）",
    "lines": [{"sku": "FLR-25KG", "name": "玉米淀粉（食品级）", "ordered": 10, "shipped": 8,
               "lots": ["L2024-0917"], "price": 128.5}],
    "packer": "李娜", "at": "2024-09-18 14:05",
}
LOT = {"sku": "FLR-25KG", "name": "玉米淀粉（食品级）25kg/袋", "lot": "L2024-0917",
       "expiry": "2026-09-16", "qty": 40, "barcodes": ["06901234567892"]}
INK = 128


def image_of(document: Document, paper: Paper) -> Image.Image:
    picture = Image.open(io.BytesIO(render_png(document, paper)))
    picture.load()
    return picture.convert("L")


def ink_box(picture: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the dark pixels."""
    return picture.point(lambda value: 255 if value < INK else 0).getbbox()


# A Code 128 reader for one scan line, independent of the encoder's subset choices.
VALUE_OF_WIDTHS = {widths: value for value, widths in enumerate(CODE128_WIDTHS)}


def scan_line(picture: Image.Image, y: int) -> list[int]:
    """Widths of the alternating bars and spaces along row `y`, from the first bar on."""
    dark = [picture.getpixel((x, y)) < INK for x in range(picture.width)]
    first, last = dark.index(True), len(dark) - 1 - dark[::-1].index(True)
    runs, current = [], 1
    for x in range(first + 1, last + 1):
        if dark[x] == dark[x - 1]:
            current += 1
        else:
            runs.append(current)
            current = 1
    runs.append(current)
    return runs


def decode_code128(runs: list[int]) -> str:
    """The data of a scanned Code 128 symbol; FNC1 reads as "]C1" first and GS (\\x1d) later."""
    module = sum(runs[:6]) / 11
    widths = "".join(str(round(run / module)) for run in runs)
    symbols = [widths[i:i + 6] for i in range(0, len(widths) - 7, 6)]
    assert widths[-7:] == "2331112", "stop pattern"
    values = [VALUE_OF_WIDTHS[symbol] for symbol in symbols]
    *data_values, check = values
    assert check == (data_values[0] + sum(i * v for i, v in enumerate(data_values[1:], 1))) % 103
    text, subset = "", {103: "A", 104: "B", 105: "C"}[data_values[0]]
    for position, value in enumerate(data_values[1:]):
        if value == FNC1:
            text += "]C1" if position == 0 else "\x1d"
        elif subset == "C" and value < 100:
            text += f"{value:02d}"
        elif value in (99, 100, 101):
            subset = {99: "C", 100: "B", 101: "A"}[value]
        else:
            text += chr(value + 32)
    return text


def barcode_row(picture: Image.Image) -> int:
    """A row through the middle of the bars of a picture that holds only a barcode."""
    return MARGIN_PX + 4 + (ink_box(picture)[3] - MARGIN_PX - 4) // 2


@pytest.mark.usefixtures("cjk_font")
def test_the_font_is_found_and_draws_chinese_and_full_width_signs() -> None:
    face = find_cjk_font()
    assert face.path.exists()
    assert "CJK" in face.family or "WenQuanYi" in face.family
    font = cjk_font(24)
    for char in "龙装箱单，：（）¥éè·":
        assert has_glyph(font, char), char
    assert not has_glyph(font, "\u0378")  # unassigned: the missing-glyph box


def test_without_a_cjk_font_the_error_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(CJKFontMissing, match="fonts-noto-cjk"):
        find_cjk_font(False, (tmp_path,))


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("paper", PAPERS, ids=lambda paper: paper.name)
def test_the_png_is_as_wide_as_the_paper(paper: Paper) -> None:
    raw = render_png(build("packing_slip", SLIP), paper)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(raw))
    assert picture.width == paper.dots
    assert picture.height > 400
    assert picture.convert("L").getpixel((0, 0)) == 255


@pytest.mark.usefixtures("cjk_font")
def test_the_png_grows_with_more_lines() -> None:
    paper = Paper.of(58)
    short = image_of(Document("t", "t", (Text("订单 Order"),) * 3), paper)
    long = image_of(Document("t", "t", (Text("订单 Order"),) * 10), paper)
    wrapped = image_of(Document("t", "t", (Text("订单 Order " * 12),)), paper)
    assert long.height > short.height
    assert wrapped.height > short.height


@pytest.mark.usefixtures("cjk_font")
def test_chinese_text_is_drawn_with_glyphs_not_missing_boxes() -> None:
    paper = Paper.of(58)
    dragon = image_of(Document("t", "t", (Text("龙"),)), paper)
    missing = image_of(Document("t", "t", (Text("\u0378"),)), paper)
    box = ink_box(dragon)
    assert box is not None
    left, top, right, bottom = box
    assert right - left >= 16 and bottom - top >= 16  # one wide glyph of a 24 px font
    assert right <= 2 * paper.dots // paper.columns + 1  # in the first two columns
    assert top >= MARGIN_PX and bottom <= dragon.height - MARGIN_PX
    assert dragon.tobytes() != missing.tobytes()
    assert sum(dragon.histogram()[:INK]) > 40


@pytest.mark.usefixtures("cjk_font")
def test_columns_follow_display_width() -> None:
    paper = Paper.of(58)
    cell = paper.dots // paper.columns
    row = Row(("品名", "10"), (1, 1), ("left", "right"))
    picture = image_of(Document("t", "t", (row,)), paper)
    box = ink_box(picture)
    assert box is not None
    assert box[0] < cell and box[2] > paper.dots - cell  # name at the left, quantity right


@pytest.mark.parametrize("data", ["SO-2024-00017", "A-01-02-03", "12345678", "bin a1_x"])
def test_a_code128_barcode_scans_back_to_its_data(data: str) -> None:
    paper = Paper.of(58)
    picture = image_of(Document("t", "t", (Barcode(data),)), paper)
    assert decode_code128(scan_line(picture, barcode_row(picture))) == data


def test_the_gs1_lot_barcode_scans_back_with_fnc1() -> None:
    gs1 = element_string(gtin="06901234567892", lot="L2024-0917", expiry=date(2026, 9, 16))
    picture = image_of(Document("t", "t", (Barcode(gs1, "GS1_128"),)), LABEL)
    decoded = decode_code128(scan_line(picture, barcode_row(picture)))
    assert decoded == "]C1" "0106901234567892" "17260916" "10L2024-0917"


def test_a_variable_length_gs1_field_is_followed_by_a_separator() -> None:
    gs1 = element_string(gtin="06901234567892", lot="A1", qty=40, expiry=date(2026, 9, 16))
    picture = image_of(Document("t", "t", (Barcode(gs1, "GS1_128"),)), LABEL)
    decoded = decode_code128(scan_line(picture, barcode_row(picture)))
    assert decoded == "]C1" "0106901234567892" "17260916" "10A1" "\x1d" "3740"


def test_bar_widths_match_the_module_pattern() -> None:
    paper = Paper.of(80)
    values = code128_values("SO-2024-00017")
    module = barcode_module_width(Barcode("SO-2024-00017"), paper.dots)
    picture = image_of(Document("t", "t", (Barcode("SO-2024-00017"),)), paper)
    row = barcode_row(picture)
    modules = code128_modules(values)
    start = (paper.dots - (len(modules) + 2 * QUIET_MODULES) * module) // 2
    start += QUIET_MODULES * module
    pixels = "".join("1" if picture.getpixel((x, row)) < INK else "0"
                     for x in range(start, start + len(modules) * module))
    assert pixels == "".join(bit * module for bit in modules)
    assert module >= 2


def test_the_encoder_agrees_with_the_code128_specification() -> None:
    assert code128_values("12345678") == [105, 12, 34, 56, 78, 47, 106]
    assert CODE128_WIDTHS[104] == "211214" and CODE128_WIDTHS[106] == "2331112"
    assert all(sum(map(int, widths)) == 11 for widths in CODE128_WIDTHS[:106])
    reference = pytest.importorskip("barcode")
    for data in ("A-01-02-03", "12345678", "Lot x_1"):
        assert code128_modules(code128_values(data)) == reference.get("code128", data).build()[0]


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("paper", PAPERS, ids=lambda paper: paper.name)
def test_the_lot_label_preview_decodes_to_the_same_gs1_element_string(paper: Paper) -> None:
    picture = image_of(build("lot_label", LOT), paper)
    [code] = zxingcpp.read_barcodes(picture)
    assert code.format == zxingcpp.BarcodeFormat.DataMatrix
    assert (code.symbology_identifier, code.content_type) == ("]d2", zxingcpp.ContentType.GS1)
    assert code.text == "(01)06901234567892(17)260916(10)L2024-0917"


@pytest.mark.usefixtures("cjk_font")
def test_a_gs1_128_too_wide_for_the_paper_becomes_a_gs1_datamatrix() -> None:
    paper = Paper.of(58)
    gs1 = element_string(gtin="06901234567892", lot="L2024-0917", expiry=date(2026, 9, 16))
    barcode = Barcode(gs1, "GS1_128", human=gs1)
    assert barcode_module_width(barcode, paper.dots) == 0
    picture = image_of(Document("t", "t", (barcode,)), paper)
    assert picture.width == paper.dots
    [code] = zxingcpp.read_barcodes(picture)
    assert (code.symbology_identifier, code.text) == ("]d2", gs1)


def test_a_qr_code_is_drawn_centred() -> None:
    paper = Paper.of(58)
    picture = image_of(Document("t", "t", (QRCode("PO-2024-0311", size=5),)), paper)
    left, top, right, bottom = ink_box(picture)
    assert abs((left + right) - paper.dots) <= 2
    assert right - left == bottom - top


def test_html_escapes_data_and_embeds_the_barcode() -> None:
    evil = "<script>alert('x')</script>"
    document = Document("t", f"title {evil}", (
        Text(f"客户 {evil}"), Row((evil, "1"), (3, 1)), Rule(),
        Barcode("SO-1", human=f"SO-1 {evil}"), QRCode(evil),
    ))
    fragment = render_html(document, Paper.of(80))
    assert "<script>" not in fragment
    assert "&lt;script&gt;" in fragment
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', fragment)
    assert len(uris) == 2
    for uri in uris:
        assert Image.open(io.BytesIO(base64.b64decode(uri))).format == "PNG"


def test_html_shows_the_packing_slip_in_columns() -> None:
    fragment = render_html(build("packing_slip", SLIP), Paper.of(58))
    assert "width: 32ch" in fragment
    assert "客户 Customer: Café Lumière</div>" in fragment and ">(Lyon)<" in fragment
    assert re.search(r"FLR-25KG +10 +8 +2<", fragment)
    assert "￥128.50" in fragment


def preview_lines(picture: Image.Image, paper: Paper) -> list[tuple[int, int]]:
    """The ink of each text line of a preview made of normal-size lines only: the first
    and past-the-last column it reaches."""
    cell = paper.dots // paper.columns
    height = round(2 * cell * 1.3)
    found = []
    for top in range(MARGIN_PX, picture.height - MARGIN_PX, height):
        box = ink_box(picture.crop((0, top, picture.width, top + height)))
        if box is not None:
            found.append((box[0] // cell, -(-box[2] // cell)))
    return found


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("paper", PAPERS, ids=lambda paper: paper.name)
@pytest.mark.parametrize(("sku", "name", "why"), NAMES, ids=[row[0] for row in NAMES])
def test_a_name_breaks_at_the_same_place_on_the_printout_and_in_the_preview(
    sku: str, name: str, why: str, paper: Paper
) -> None:
    document = Document("t", "t", (
        Text(name), Row((name, "12", "10", "2"), (6, 1, 1, 1), ("left", "right", "right", "right")),
        Row((sku, name, "8", "OK"), (4, 3, 1, 2)), Text(f"  {name}")))
    printed = [line.rstrip() for line, _ in read_escpos(render_escpos(document, paper)).lines]
    drawn = preview_lines(image_of(document, paper), paper)
    assert len(drawn) == len(printed), (printed, drawn)
    for line, (first, past_last) in zip(printed, drawn, strict=True):
        start = len(line) - len(line.lstrip())
        end = display_width(line)
        # A full-width glyph is drawn in the left part of its two columns, a Latin one
        # anywhere in its one: the ink ends in the line's last character.
        assert first in (start, start + 1) and end - 2 < past_last <= end, (line, first,
                                                                           past_last)
