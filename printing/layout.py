"""A printed document as plain blocks, independent of the printer language. The ESC/POS,
ZPL and preview renderers each turn the same blocks into their own output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]
Size = Literal["normal", "large", "huge"]


@dataclass(frozen=True)
class Paper:
    """Paper (or label) width: 58 mm receipts have 32 columns and 384 dots, 80 mm 48 and 576."""

    name: str
    columns: int
    dots: int

    @classmethod
    def of(cls, width_mm: int) -> Paper:
        """The paper of a roll or label width in millimetres (58 or 80)."""
        if width_mm == 58:
            return cls("58mm", 32, 384)
        if width_mm == 80:
            return cls("80mm", 48, 576)
        raise ValueError(f"paper width {width_mm} mm: use 58 or 80")


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper; Han characters count two columns."""

    text: str
    size: Size = "normal"
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Row:
    """One table row: cells laid out in columns whose shares of the width are `weights`.
    A cell that does not fit wraps inside its column."""

    cells: tuple[str, ...]
    weights: tuple[int, ...]
    aligns: tuple[Align, ...] = ()
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class Barcode:
    """A linear barcode. `symbology` CODE128 encodes `data` as it is; GS1_128 takes an
    element string in bracket form, e.g. "(01)06901234567892(10)L1(17)271001"."""

    data: str
    symbology: Literal["CODE128", "GS1_128"] = "CODE128"
    human: str | None = None
    height: int = 80


@dataclass(frozen=True)
class QRCode:
    """A QR code (also the fallback for a Code 128 too wide for the paper; a GS1-128 too
    wide becomes a GS1 DataMatrix)."""

    data: str
    size: int = 6


@dataclass(frozen=True)
class DataMatrix:
    """A GS1 DataMatrix of an element string in bracket form (FNC1 first, so a scanner
    reports it as GS1: ]d2), `module` dots per module, with its human-readable text."""

    data: str
    human: str | None = None
    module: int = 6


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


Block = Text | Row | Rule | Barcode | QRCode | DataMatrix | Feed


@dataclass(frozen=True)
class Document:
    """A document to print: what it is, a one-line title for people, and its blocks.
    `label` documents go to label printers (ZPL) as well as receipt printers."""

    kind: str
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    label: bool = False


class BlockPainter:
    """Base of the renderers that lay blocks out one below the other: `draw` hands each
    block to the method of its kind."""

    def text(self, block: Text) -> None:
        raise NotImplementedError

    def row(self, block: Row) -> None:
        raise NotImplementedError

    def rule(self, block: Rule) -> None:
        raise NotImplementedError

    def barcode(self, block: Barcode) -> None:
        raise NotImplementedError

    def qr(self, block: QRCode) -> None:
        raise NotImplementedError

    def datamatrix(self, block: DataMatrix) -> None:
        raise NotImplementedError

    def feed(self, block: Feed) -> None:
        raise NotImplementedError

    def draw(self, block: Block) -> None:
        """Lay out one block below what is already there."""
        painters = {Text: self.text, Row: self.row, Rule: self.rule, Barcode: self.barcode,
                    QRCode: self.qr, DataMatrix: self.datamatrix, Feed: self.feed}
        painters[type(block)](block)  # type: ignore[operator]
