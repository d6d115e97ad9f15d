"""ESC/POS bytes for a Document. Text goes through our own path: GB18030 inside Chinese mode
(FS & ... FS .) for printers with a Chinese font, or a Pillow image drawn with a CJK font for
printers without one. Barcodes are sized to the paper; a Code 128 too wide falls back to a QR
code, a GS1-128 to a GS1 DataMatrix. DataMatrix prints as a raster image (few ESC/POS
printers have it built in)."""

from __future__ import annotations

from typing import Literal

import qrcode
from barcode.charsets.code128 import CODES as CODE128_PATTERNS
from barcode.charsets.code128 import STOP as CODE128_STOP
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image, ImageDraw

from printing.fonts import cjk_font
from printing.gs1 import datamatrix_image, separated_fields
from printing.layout import (
    Barcode,
    Block,
    DataMatrix,
    Document,
    Feed,
    Paper,
    QRCode,
    Row,
    Rule,
    Text,
)
from printing.text import (
    char_width,
    clusters,
    display_width,
    layout_row,
    pad,
    printable,
    wrap,
)

Mode = Literal["chinese", "image"]

CHINESE_MODE_ON = b"\x1c\x26"  # FS &
CHINESE_MODE_OFF = b"\x1c\x2e"  # FS .
LF = b"\n"

# python-escpos accepts module widths 2-6; 3 is the usual default, so try it first.
BARCODE_MODULE_WIDTHS = (3, 2)
BARCODE_FALLBACK_QR_SIZE = 6


FNC1 = "FNC1"
DIGITS = frozenset("0123456789")


def render_escpos(document: Document, paper: Paper, *, mode: Mode = "chinese",
                  profile: str = "default", cut: bool = True) -> bytes:
    """The ESC/POS bytes that print `document` on `paper` with a printer of `profile`."""
    if mode not in ("chinese", "image"):
        raise ValueError(f"unknown text mode {mode!r}: use 'chinese' or 'image'")
    printer = Dummy(profile=profile)
    renderer = _Renderer(printer, paper, mode)
    for block in document.blocks:
        renderer.print_block(block)
    if cut:
        printer.cut()
    return printer.output


def gs1_items(element_string: str) -> list[str]:
    """The Code 128 data of a GS1 element string in bracket form: FNC1, then each AI and its
    data without brackets, with FNC1 after variable-length data that is not last."""
    items = [FNC1]
    for ai, data, separator in separated_fields(element_string):
        items += list(ai + data)
        if separator:
            items.append(FNC1)
    return items


def _digit_run(items: list[str], start: int) -> int:
    end = start
    while end < len(items) and items[end] in DIGITS:
        end += 1
    return end - start


def code128_symbols(items: list[str]) -> list[tuple[int, str]]:
    """Code 128 symbols (start character first, no check character) for `items` (single
    characters or FNC1), each as its value and as python-escpos/ESC-POS data: "{B", "{C"
    select code sets, "{1" is FNC1, "{{" is "{", and a code C pair is one byte 0-99.
    Runs of digits use code set C (ISO/IEC 15417 annex E)."""
    symbols: list[tuple[int, str]] = []
    code_set = ""

    def select(new_set: str) -> None:
        nonlocal code_set
        starts, switches = {"B": 104, "C": 105}, {"B": 100, "C": 99}
        symbols.append(((switches if symbols else starts)[new_set], "{" + new_set))
        code_set = new_set

    index = 0
    while index < len(items):
        item, run = items[index], _digit_run(items, index)
        if item == FNC1:
            if not code_set:
                select("C" if _digit_run(items, index + 1) >= 4 else "B")
            symbols.append((102, "{1"))
            index += 1
            continue
        at_end = index + run == len(items)
        if code_set != "C" and (run >= 6 or (run >= 4 and (at_end or not code_set))
                                or (run == 2 and at_end and not code_set)):
            if run % 2:
                if code_set != "B":
                    select("B")
                symbols.append((ord(item) - 32, item))
                index += 1
            select("C")
            continue
        if code_set == "C" and run >= 2:
            pair = int(item + items[index + 1])
            symbols.append((pair, chr(pair)))
            index += 2
            continue
        if len(item) != 1 or not " " <= item <= "~":
            raise ValueError(f"Code 128 (code set B) cannot encode {item!r}")
        if code_set != "B":
            select("B")
        symbols.append((ord(item) - 32, "{{" if item == "{" else item))
        index += 1
    return symbols


def code128_modules(symbols: list[tuple[int, str]]) -> int:
    """Width of a Code 128 symbol in modules: 11 per character, check character included,
    and 13 for the stop character."""
    return 11 * (len(symbols) + 1) + 13


def code128_bars(symbols: list[tuple[int, str]]) -> str:
    """The bars ("1") and spaces ("0") of a Code 128 symbol, one digit per module."""
    values = [value for value, _ in symbols]
    check = (values[0] + sum(position * value
                             for position, value in enumerate(values[1:], start=1))) % 103
    return "".join(CODE128_PATTERNS[value] for value in [*values, check]) + CODE128_STOP + "11"


def barcode_module_width(modules: int, dots: int) -> int | None:
    """The widest module width (in dots) at which `modules` fit in `dots`, if any."""
    return next((width for width in BARCODE_MODULE_WIDTHS if modules * width <= dots), None)


def line_image(line: str, cell: int, *, bold: bool = False) -> Image.Image:
    """A 1-bit image of one line of text, each character in its own cells of `cell` dots
    (two for Han), so that it lines up with the printer's own columns."""
    height = cell * 5 // 2
    font = cjk_font(cell * 2)
    width = -(-max(display_width(line), 1) * cell // 8) * 8
    canvas = Image.new("L", (width, height), 255)
    x = 0
    for text, columns in clusters(line):
        box = columns * cell
        advance = int(font.getlength(text) + 0.999) + int(bold)
        if text.strip() and box:
            glyph = Image.new("L", (max(advance, box), height), 0)
            draw = ImageDraw.Draw(glyph)
            left = max(box - advance, 0) // 2
            for offset in (0, 1) if bold else (0,):
                draw.text((left + offset, height / 2), text, font=font, fill=255, anchor="lm")
            if glyph.width > box:  # a Latin glyph wider than its column is narrowed
                glyph = glyph.resize((box, height))
            canvas.paste(0, (x, 0), glyph)
        x += box
    return canvas.convert("1", dither=Image.Dither.NONE)


def qr_module_size(data: str, wanted: int, dots: int) -> int:
    """The largest module size up to `wanted` at which the QR code of `data` (with its
    one-module border) fits in `dots`."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(data)
    code.make(fit=True)
    return max(1, min(wanted, 16, dots // (code.modules_count + 2)))


class _Renderer:
    """Writes blocks to one python-escpos printer, tracking the text size and bold."""

    def __init__(self, printer: Dummy, paper: Paper, mode: Mode) -> None:
        self.printer, self.paper, self.mode = printer, paper, mode
        self.size, self.bold = 1, False
        features = printer.profile.features
        self.image_impl = next((impl for impl in ("bitImageRaster", "bitImageColumn",
                                                  "graphics") if features.get(impl)),
                               "bitImageRaster")
        printer.hw("INIT")

    def print_block(self, block: Block) -> None:
        """Print one block."""
        match block:
            case Text():
                self.print_text(block)
            case Row():
                cells = tuple(printable(cell) for cell in block.cells)
                lines = layout_row(cells, block.weights, self.paper.columns, block.aligns)
                self.print_lines(lines, 1, block.bold)
            case Rule():
                char = printable(block.char)[:1] or "-"
                width = max(char_width(char), 1)
                self.print_lines([char * (self.paper.columns // width)], 1, False)
            case Feed():
                self.printer.ln(block.lines)
            case Barcode():
                self.print_barcode(block)
            case QRCode():
                self.print_qr(block.data, block.size)
            case DataMatrix():
                self.print_datamatrix(block)
            case _:
                raise TypeError(f"cannot print {block!r}")

    def print_text(self, block: Text) -> None:
        """A paragraph wrapped to the columns of its size."""
        text = printable(block.text)
        factor = {"normal": 1, "large": 2}.get(block.size) or self.huge_factor(text)
        columns = self.paper.columns // factor
        lines = [pad(line, columns, block.align).rstrip(" ")
                 for line in wrap(text, columns)]
        self.print_lines(lines, factor, block.bold)

    def huge_factor(self, text: str) -> int:
        """Quadruple size when the longest line fits, else triple."""
        longest = max((display_width(line)
                       for line in text.splitlines()), default=0)
        return 4 if longest * 4 <= self.paper.columns else 3

    def style(self, factor: int, bold: bool) -> None:
        """Select character size (GS !) and emphasis (ESC E) when they change."""
        if factor != self.size:
            self.printer.set(custom_size=True, width=factor, height=factor)
            self.size = factor
        if bold != self.bold:
            self.printer.set(bold=bold)
            self.bold = bold

    def print_lines(self, lines: list[str], factor: int, bold: bool) -> None:
        """Print laid-out lines: ASCII as plain text, the rest by the mode's own path."""
        self.style(factor, bold)
        for line in lines:
            if line.isascii():
                self.printer.textln(line)
            elif self.mode == "chinese":
                # Raw bytes: python-escpos's text() would re-encode them in a code page.
                self.printer._raw(CHINESE_MODE_ON + line.encode("gb18030")
                                  + CHINESE_MODE_OFF + LF)
            else:
                cell = self.paper.dots // self.paper.columns * factor
                self.printer.image(line_image(line, cell, bold=bold), impl=self.image_impl)

    def print_barcode(self, block: Barcode) -> None:
        """A Code 128 / GS1-128 barcode at the widest module that fits the paper, else a QR
        code of the same data; then its human-readable text."""
        try:
            items = gs1_items(block.data) if block.symbology == "GS1_128" else list(block.data)
            symbols = code128_symbols(items)
        except ValueError:
            symbols = []
        modules = code128_modules(symbols)
        module = barcode_module_width(modules, self.paper.dots) if symbols else None
        if module:
            self.printer.set(align="center")
            if self.printer.profile.supports("barcodeB"):
                self.printer.barcode("".join(data for _, data in symbols), "CODE128",
                                     height=block.height, width=module, pos="OFF",
                                     align_ct=False, function_type="B")
            else:
                self.printer.image(self.barcode_image(symbols, module, block.height),
                                   impl=self.image_impl)
            self.printer.set(align="left")
        elif block.symbology == "GS1_128":
            self.print_datamatrix(DataMatrix(block.data))
        else:
            self.print_qr(block.data, BARCODE_FALLBACK_QR_SIZE)
        if block.human:
            self.print_text(Text(block.human, align="center"))

    def print_datamatrix(self, block: DataMatrix) -> None:
        """A GS1 DataMatrix as a raster image as wide as the paper, the symbol centred (so
        it does not depend on the printer applying ESC a to images)."""
        symbol = datamatrix_image(block.data, 1)
        module = max(1, min(block.module, self.paper.dots // symbol.width))
        symbol = datamatrix_image(block.data, module)
        strip = Image.new("1", (self.paper.dots, symbol.height), 1)
        strip.paste(symbol, ((self.paper.dots - symbol.width) // 2, 0))
        self.printer.image(strip, impl=self.image_impl)
        if block.human:
            self.print_text(Text(block.human, align="center"))

    @staticmethod
    def barcode_image(symbols: list[tuple[int, str]], module: int, height: int) -> Image.Image:
        """Code 128 drawn as an image, for printers without hardware barcodes."""
        bars = code128_bars(symbols)
        image = Image.new("1", (len(bars) * module, height), 1)
        draw = ImageDraw.Draw(image)
        for index, bar in enumerate(bars):
            if bar == "1":
                draw.rectangle((index * module, 0, (index + 1) * module - 1, height - 1), fill=0)
        return image

    def print_qr(self, data: str, size: int) -> None:
        """A centred QR code: native when the profile has it, else an image."""
        self.printer.set(align="center")
        self.printer.qr(data, ec=QR_ECLEVEL_M, size=qr_module_size(data, size, self.paper.dots),
                        native=self.printer.profile.supports("qrCode"),
                        image_arguments={"impl": self.image_impl})
        self.printer.set(align="left")
