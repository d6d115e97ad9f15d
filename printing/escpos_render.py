"""ESC/POS bytes for a Document. Text goes through our own path: GB18030 inside Chinese mode
(FS & ... FS .) for printers with a Chinese font, or a Pillow image drawn with a CJK font for
printers without one. Barcodes are sized to the paper; a Code 128 too wide falls back to a QR
code, a GS1-128 to a GS1 DataMatrix. DataMatrix prints as a raster image (few ESC/POS
printers have it built in)."""

from __future__ import annotations

from typing import Literal

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image, ImageDraw

from printing.code128 import (
    CODE_B,
    CODE_C,
    FNC1,
    START_B,
    START_C,
    code128_modules,
    code128_values,
)
from printing.fonts import cjk_font
from printing.gs1 import datamatrix_image
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


def escpos_code128_data(values: list[int]) -> str:
    """The python-escpos (GS k function B) data of Code 128 symbol values from
    printing.code128 (start, data, check, stop): "{B" and "{C" select a code set, "{1" is
    FNC1, "{{" is "{", a code C pair is one byte 0-99. The printer adds check and stop."""
    parts, code_set = [], ""
    for value in values[:-2]:
        if value in (START_B, CODE_B):
            parts.append("{B")
            code_set = "B"
        elif value in (START_C, CODE_C):
            parts.append("{C")
            code_set = "C"
        elif value == FNC1:
            parts.append("{1")
        elif code_set == "C":
            parts.append(chr(value))
        else:
            char = chr(value + 32)
            parts.append("{{" if char == "{" else char)
    return "".join(parts)


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
            values = code128_values(block.data, gs1=block.symbology == "GS1_128")
        except ValueError:
            values = []
        bars = code128_modules(values)
        module = barcode_module_width(len(bars), self.paper.dots) if values else None
        if module:
            self.printer.set(align="center")
            if self.printer.profile.supports("barcodeB"):
                self.printer.barcode(escpos_code128_data(values), "CODE128",
                                     height=block.height, width=module, pos="OFF",
                                     align_ct=False, function_type="B")
            else:
                self.printer.image(self.barcode_image(bars, module, block.height),
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
    def barcode_image(bars: str, module: int, height: int) -> Image.Image:
        """Code 128 drawn as an image, for printers without hardware barcodes."""
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
