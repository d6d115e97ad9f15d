"""Pictures of printed documents for the browser: a PNG of the receipt or label as the
printer draws it (CJK font, columns by display width, scannable Code 128 and QR codes) and
an HTML fragment with the same content for the back office.

Sizes follow the receipt printers: "large" is double width and height, "huge" triple.
Barcodes come from the one encoder (printing.code128, printing.gs1)."""

from __future__ import annotations

import base64
import html
import io

import qrcode
from PIL import Image, ImageDraw, ImageFont

from printing.code128 import code128_modules, code128_values
from printing.fonts import cjk_font
from printing.gs1 import datamatrix_image
from printing.layout import (
    Align,
    Barcode,
    Block,
    BlockPainter,
    DataMatrix,
    Document,
    Feed,
    Paper,
    QRCode,
    Row,
    Rule,
    Text,
)
from printing.text import clusters, column_widths, layout_row, pad, printable, wrap

SCALE = {"normal": 1, "large": 2, "huge": 3}
MARGIN_PX = 8
QUIET_MODULES = 10
# Narrowest bar in dots: one dot (0.125 mm at 203 dpi) is too thin for handheld scanners.
MIN_MODULE = 2



def barcode_values(barcode: Barcode) -> list[int]:
    """The Code 128 symbol values of a Barcode block (GS1-128 with FNC1 when asked)."""
    return code128_values(barcode.data, gs1=barcode.symbology == "GS1_128")


def barcode_module_width(barcode: Barcode, width: int, *, narrowest: int = MIN_MODULE,
                         widest: int = 4) -> int:
    """The widest whole module (narrowest..widest dots) that fits the symbol and its quiet
    zones in `width` dots, or 0 when it does not fit (print a QR code instead)."""
    modules = len(code128_modules(barcode_values(barcode))) + 2 * QUIET_MODULES
    module = min(widest, width // modules)
    return module if module >= narrowest else 0


def row_cells(row: Row, columns: int) -> list[list[tuple[int, int, str, Align]]]:
    """The printed lines of a row, each a list of (first column, width, text, align) cells,
    with the same column widths and wrapping as printing.text.layout_row."""
    widths = column_widths(row.weights, columns)
    starts = [sum(widths[:index]) + index for index in range(len(widths))]
    wrapped = [wrap(cell, width) or [""] for cell, width in zip(row.cells, widths, strict=True)]
    aligns = [row.aligns[index] if index < len(row.aligns) else "left"
              for index in range(len(widths))]
    return [[(starts[index], widths[index], lines[number] if number < len(lines) else "",
              aligns[index]) for index, lines in enumerate(wrapped)]
            for number in range(max(len(lines) for lines in wrapped))]


class _Canvas(BlockPainter):
    """Blocks drawn one under the other on a white strip as wide as the paper."""

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.cell = paper.dots // paper.columns
        self.strips: list[Image.Image] = []

    def font(self, scale: int, bold: bool) -> ImageFont.FreeTypeFont:
        return cjk_font(2 * self.cell * scale, bold)

    def line_height(self, scale: int) -> int:
        return round(2 * self.cell * scale * 1.3)

    def blank(self, height: int) -> Image.Image:
        strip = Image.new("L", (self.paper.dots, height), 255)
        self.strips.append(strip)
        return strip

    def text_line(self, cells: list[tuple[int, int, str, Align]], scale: int,
                  bold: bool) -> None:
        """One printed line: each cell's text aligned in its columns, every character
        centred in its own one or two columns so that the grid matches the printer."""
        font = self.font(scale, bold)
        strip = self.blank(self.line_height(scale))
        draw = ImageDraw.Draw(strip)
        step = self.cell * scale
        top = (strip.height - sum(font.getmetrics())) // 2
        for start, width, text, align in cells:
            column = start
            for cluster, columns in clusters(pad(text, width, align)):
                if cluster.strip():
                    left = column * step + (columns * step - font.getlength(cluster[0])) / 2
                    draw.text((left, top), cluster, font=font, fill=0)
                column += columns

    def text(self, block: Text) -> None:
        scale = SCALE[block.size]
        columns = self.paper.columns // scale
        for line in wrap(printable(block.text), columns):
            self.text_line([(0, columns, line, block.align)], scale, block.bold)

    def row(self, block: Row) -> None:
        printed = Row(tuple(printable(cell) for cell in block.cells), block.weights,
                      block.aligns, block.bold)
        for cells in row_cells(printed, self.paper.columns):
            self.text_line(cells, 1, block.bold)

    def rule(self, block: Rule) -> None:
        strip = self.blank(self.line_height(1) // 2)
        draw = ImageDraw.Draw(strip)
        middle = strip.height // 2
        lines = (middle - 3, middle + 2) if block.char == "=" else (middle,)
        for y in lines:
            draw.line((0, y, self.paper.dots - 1, y), fill=0, width=2)

    def barcode(self, block: Barcode) -> None:
        picture = barcode_image(block, self.paper.dots)
        if picture is None and block.symbology == "GS1_128":
            self.datamatrix(DataMatrix(block.data, human=block.human))
            return
        if picture is None:
            self.qr(QRCode(block.data, size=4))
        else:
            strip = self.blank(picture.height + 8)
            strip.paste(picture, ((self.paper.dots - picture.width) // 2, 4))
        if block.human:
            self.text(Text(block.human, align="center"))

    def qr(self, block: QRCode) -> None:
        picture = qr_image(block, self.paper.dots)
        strip = self.blank(picture.height)
        strip.paste(picture, ((self.paper.dots - picture.width) // 2, 0))

    def datamatrix(self, block: DataMatrix) -> None:
        picture = fitted_datamatrix(block, self.paper.dots)
        strip = self.blank(picture.height + 8)
        strip.paste(picture.convert("L"), ((self.paper.dots - picture.width) // 2, 4))
        if block.human:
            self.text(Text(block.human, align="center"))

    def feed(self, block: Feed) -> None:
        self.blank(self.line_height(1) * block.lines)

    def image(self) -> Image.Image:
        height = sum(strip.height for strip in self.strips) + 2 * MARGIN_PX
        picture = Image.new("L", (self.paper.dots, height), 255)
        y = MARGIN_PX
        for strip in self.strips:
            picture.paste(strip, (0, y))
            y += strip.height
        return picture


def barcode_image(barcode: Barcode, width: int) -> Image.Image | None:
    """The bars of a barcode with quiet zones, at most `width` pixels wide, or None when the
    symbol does not fit (print a QR code instead)."""
    module = barcode_module_width(barcode, width)
    if module < 1:
        return None
    modules = "0" * QUIET_MODULES + code128_modules(barcode_values(barcode)) + "0" * QUIET_MODULES
    picture = Image.new("L", (len(modules) * module, barcode.height), 255)
    draw = ImageDraw.Draw(picture)
    for index, module_value in enumerate(modules):
        if module_value == "1":
            draw.rectangle((index * module, 0, (index + 1) * module - 1, barcode.height - 1),
                           fill=0)
    return picture


def fitted_datamatrix(block: DataMatrix, width: int) -> Image.Image:
    """The GS1 DataMatrix of a block at its module size, smaller if needed to fit `width`."""
    side = datamatrix_image(block.data, 1).width
    return datamatrix_image(block.data, max(1, min(block.module, width // side)))


def qr_image(block: QRCode, width: int) -> Image.Image:
    """A QR code with its quiet zone, boxes of `block.size` pixels, shrunk to fit `width`."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(block.data)
    code.make(fit=True)
    matrix = code.get_matrix()
    box = max(1, min(block.size, width // len(matrix)))
    picture = Image.new("L", (len(matrix) * box, len(matrix) * box), 255)
    draw = ImageDraw.Draw(picture)
    for y, line in enumerate(matrix):
        for x, dark in enumerate(line):
            if dark:
                draw.rectangle((x * box, y * box, (x + 1) * box - 1, (y + 1) * box - 1), fill=0)
    return picture


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def render_png(document: Document, paper: Paper) -> bytes:
    """A PNG of the document as it prints on `paper`: paper.dots wide, as tall as it needs."""
    canvas = _Canvas(paper)
    for block in document.blocks:
        canvas.draw(block)
    return _png(canvas.image())


def _data_uri(picture: Image.Image) -> str:
    return "data:image/png;base64," + base64.b64encode(_png(picture)).decode("ascii")


def _html_line(text: str, css_class: str, bold: bool) -> str:
    content = html.escape(text) or "&nbsp;"
    if bold:
        content = f"<b>{content}</b>"
    return f'<div class="{css_class}">{content}</div>'


def _html_block(block: Block, paper: Paper) -> list[str]:
    columns = paper.columns
    if isinstance(block, Text):
        scale = SCALE[block.size]
        width = columns // scale
        css = f"line {block.size}"
        return [_html_line(pad(line, width, block.align).rstrip(), css, block.bold)
                for line in wrap(printable(block.text), width)]
    if isinstance(block, Row):
        cells = tuple(printable(cell) for cell in block.cells)
        return [_html_line(line, "line row", block.bold)
                for line in layout_row(cells, block.weights, columns, block.aligns)]
    if isinstance(block, Rule):
        return [_html_line((block.char or "-") * columns, "line rule", False)]
    if isinstance(block, Feed):
        return [_html_line("", "line feed", False)] * block.lines
    if isinstance(block, Barcode):
        picture = barcode_image(block, paper.dots) or qr_image(QRCode(block.data, 4), paper.dots)
        alt = html.escape(block.human or block.data, quote=True)
        parts = [f'<div class="barcode"><img src="{_data_uri(picture)}" alt="{alt}"></div>']
        if block.human:
            parts += _html_block(Text(block.human, align="center"), paper)
        return parts
    if isinstance(block, DataMatrix):
        picture = fitted_datamatrix(block, paper.dots).convert("L")
        alt = html.escape(block.human or block.data, quote=True)
        parts = [f'<div class="barcode"><img src="{_data_uri(picture)}" alt="{alt}"></div>']
        if block.human:
            parts += _html_block(Text(block.human, align="center"), paper)
        return parts
    if isinstance(block, QRCode):
        alt = html.escape(block.data, quote=True)
        return [f'<div class="qrcode"><img src="{_data_uri(qr_image(block, paper.dots))}" '
                f'alt="{alt}"></div>']
    return []


def render_html(document: Document, paper: Paper) -> str:
    """An HTML fragment of the document in monospace columns, barcodes as inline PNGs."""
    body = "\n".join(part for block in document.blocks for part in _html_block(block, paper))
    title = html.escape(document.title, quote=True)
    return (f'<figure class="print-preview paper-{html.escape(paper.name, quote=True)}" '
            f'title="{title}" style="font-family: monospace; white-space: pre; '
            f'width: {paper.columns}ch; margin: 0; padding: 0.5em; background: #fff; '
            f'color: #000">\n'
            "<style>.print-preview .large{font-size:200%}.print-preview .huge{font-size:300%}"
            ".print-preview .barcode,.print-preview .qrcode{text-align:center}"
            ".print-preview img{max-width:100%;image-rendering:pixelated}</style>\n"
            f"{body}\n</figure>")
