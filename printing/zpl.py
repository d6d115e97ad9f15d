"""Documents as ZPL II for Zebra label printers: UTF-8 text (^CI28) in a CJK font on the
printer for lines with Chinese, the built-in scalable font for plain ASCII, Code 128 and
GS1-128 barcodes with explicit subsets, GS1 DataMatrix (^BX, ECC 200, FNC1 first) and QR
codes."""

from __future__ import annotations

import qrcode

from printing.code128 import CODE_B, CODE_C, FNC1, START_B, START_C
from printing.gs1 import datamatrix_modules, separated_fields
from printing.layout import (
    Align,
    Barcode,
    BlockPainter,
    DataMatrix,
    Document,
    Feed,
    QRCode,
    Row,
    Rule,
    Text,
)
from printing.preview import barcode_module_width, barcode_values, row_cells
from printing.text import wrap

DEFAULT_CJK_FONT = "E:SIMSUN.TTF"
# Character heights in dots at 8 dots/mm (203 dpi); other resolutions scale them.
FONT_HEIGHT = {"normal": 30, "large": 50, "huge": 90}
JUSTIFY: dict[Align, str] = {"left": "L", "center": "C", "right": "R"}
INVOCATION = {START_B: ">:", START_C: ">;", CODE_B: ">6", CODE_C: ">5", FNC1: ">8"}
# ^BX's escape character, set explicitly: the default differs between firmware versions.
DATAMATRIX_ESCAPE = "_"


def escape_field(text: str) -> str:
    """Field data with ZPL's command characters as ^FH hex escapes (_ is the escape mark)."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _field_data(text: str, *, block: bool = False) -> str:
    """^FD with the data, preceded by ^FH when it needs escapes; \\ is doubled in ^FB fields."""
    if block:
        text = text.replace("\\", "\\\\")
    escaped = escape_field(text)
    return ("^FH" if escaped != text else "") + f"^FD{escaped}^FS"


def code128_field(values: list[int]) -> str:
    """The ^FD text of Code 128 symbol values in mode N: start code and subset changes as
    invocation codes (>; >: >5 >6), FNC1 as >8, digit pairs in subset C."""
    parts, subset_c = [], False
    for value in values[:-2]:
        if value in INVOCATION:
            parts.append(INVOCATION[value])
            subset_c = value in (START_C, CODE_C) or (subset_c and value == FNC1)
        elif subset_c:
            parts.append(f"{value:02d}")
        else:
            char = chr(value + 32)
            parts.append("><" if char == ">" else char)
    return "".join(parts)


def datamatrix_field(element: str) -> str:
    """The ^BX (quality 200) field data of a GS1 element string: FNC1 (_1) first and after
    variable-length data that another field follows; an underscore in data is doubled."""
    parts = [DATAMATRIX_ESCAPE + "1"]
    for ai, data, separator in separated_fields(element):
        parts.append(ai + data.replace(DATAMATRIX_ESCAPE, DATAMATRIX_ESCAPE * 2))
        if separator:
            parts.append(DATAMATRIX_ESCAPE + "1")
    return "".join(parts)


def _raw_field_data(text: str) -> str:
    """^FD with the data taken literally except for ^ and ~ (and the hex mark, here \\), which
    go as ^FH hex escapes; ^BX's own _ escapes pass untouched."""
    escaped = text.replace("\\", "\\5C").replace("^", "\\5E").replace("~", "\\7E")
    return ("^FH\\" if escaped != text else "") + f"^FD{escaped}^FS"


def _scaled(dots: int, dpmm: int) -> int:
    return max(1, round(dots * dpmm / 8))


class _Label(BlockPainter):
    """Fields laid out top to bottom on a label `width` dots wide."""

    def __init__(self, width: int, dpmm: int, cjk_font: str) -> None:
        self.width, self.dpmm, self.cjk_font = width, dpmm, cjk_font
        self.margin = 3 * dpmm
        self.usable = width - 2 * self.margin
        self.y = self.margin
        self.fields: list[str] = []

    def height(self, size: str) -> int:
        return _scaled(FONT_HEIGHT[size], self.dpmm)

    def column(self, size: str) -> int:
        """Dots per column: a Latin character; a Han character takes two."""
        return -(-self.height(size) * 3 // 5)

    def pitch(self, size: str) -> int:
        return self.height(size) * 5 // 4

    def font(self, text: str, size: str) -> str:
        height = self.height(size)
        if text.isascii():
            return f"^A0N,{height},{height}"
        return f"^A@N,{height},{height},{self.cjk_font}"

    def line(self, x: int, width: int, text: str, size: str, align: Align, bold: bool) -> None:
        """One line of text at the current y, in a field block when it is not left-aligned."""
        if not text.strip():
            return
        strikes = (0, max(1, self.dpmm // 4)) if bold else (0,)
        for shift in strikes:
            if align == "left":
                self.fields.append(f"^FO{x + shift},{self.y}{self.font(text, size)}"
                                   f"{_field_data(text)}")
            else:
                self.fields.append(f"^FO{x + shift},{self.y}{self.font(text, size)}"
                                   f"^FB{width},1,0,{JUSTIFY[align]},0"
                                   f"{_field_data(text, block=True)}")

    def text(self, block: Text) -> None:
        columns = self.usable // self.column(block.size)
        for line in wrap(block.text, columns):
            self.line(self.margin, self.usable, line, block.size, block.align, block.bold)
            self.y += self.pitch(block.size)

    def row(self, block: Row) -> None:
        step = self.column("normal")
        for cells in row_cells(block, self.usable // step):
            for start, width, text, align in cells:
                self.line(self.margin + start * step, width * step, text.strip(), "normal",
                          align, block.bold)
            self.y += self.pitch("normal")

    def rule(self, block: Rule) -> None:
        thickness = max(2, self.dpmm // 4) * (2 if block.char == "=" else 1)
        middle = self.y + self.pitch("normal") // 2 - thickness // 2
        self.fields.append(f"^FO{self.margin},{middle}^GB{self.usable},{thickness},"
                           f"{thickness}^FS")
        self.y += self.pitch("normal")

    def barcode(self, block: Barcode) -> None:
        module = barcode_module_width(block, self.usable)
        if module < 1 and block.symbology == "GS1_128":
            self.datamatrix(DataMatrix(block.data, human=block.human))
            return
        if module < 1:
            self.qr(QRCode(block.data, size=4))
            if block.human:
                self.text(Text(block.human, align="center"))
            return
        values = barcode_values(block)
        symbol_width = (11 * (len(values) - 1) + 13) * module
        x = self.margin + (self.usable - symbol_width) // 2
        height = _scaled(block.height, self.dpmm)
        printer_human = block.symbology == "CODE128" and block.human == block.data
        human_font = self.font(block.data, "normal") if printer_human else ""
        self.y += self.dpmm
        self.fields.append(f"^FO{x},{self.y}^BY{module}{human_font}"
                           f"^BCN,{height},{'Y' if printer_human else 'N'},N,N"
                           f"{_field_data(code128_field(values))}")
        self.y += height + self.dpmm
        if printer_human:
            self.y += self.pitch("normal")
        elif block.human:
            self.text(Text(block.human, align="center"))

    def qr(self, block: QRCode) -> None:
        magnification = min(10, _scaled(block.size, self.dpmm))
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
        code.add_data(block.data)
        code.make(fit=True)
        side = code.modules_count * magnification
        x = self.margin + max((self.usable - side) // 2, 0)
        self.fields.append(f"^FO{x},{self.y}^BQN,2,{magnification}"
                           f"{_field_data('QA,' + block.data)}")
        self.y += side + 2 * self.dpmm + 10

    def datamatrix(self, block: DataMatrix) -> None:
        side = len(datamatrix_modules(block.data))
        module = max(1, min(_scaled(block.module, self.dpmm), self.usable // side))
        x = self.margin + (self.usable - side * module) // 2
        self.y += self.dpmm
        self.fields.append(f"^FO{x},{self.y}^BXN,{module},200,,,,{DATAMATRIX_ESCAPE}"
                           f"{_raw_field_data(datamatrix_field(block.data))}")
        self.y += side * module + 2 * self.dpmm
        if block.human:
            self.text(Text(block.human, align="center"))

    def feed(self, block: Feed) -> None:
        self.y += self.pitch("normal") * block.lines


def render_zpl(document: Document, *, width_dots: int = 812, dpmm: int = 8,
               cjk_font: str = DEFAULT_CJK_FONT) -> bytes:
    """The document as one ZPL label (^XA..^XZ) in UTF-8; `cjk_font` names the printer's
    TrueType font used for lines with characters outside ASCII."""
    label = _Label(width_dots, dpmm, cjk_font)
    for block in document.blocks:
        label.draw(block)
    comment = " ".join(document.title.replace("^", " ").replace("~", " ").split())
    lines = ["^XA", "^CI28", f"^PW{width_dots}", f"^LL{label.y + label.margin}", "^LH0,0",
             f"^FX {comment}", *label.fields, "^XZ", ""]
    return "\n".join(lines).encode("utf-8")
