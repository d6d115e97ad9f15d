"""A print job's document rendered for its printer: ESC/POS bytes (Chinese or image text),
ZPL, or a PNG preview of what comes out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from printing.documents import build
from printing.layout import Paper
from wms.site_config import PrinterConfig


def render_for_printer(document: str, data: Mapping[str, Any], printer: PrinterConfig, *,
                       zone: str | None = None) -> bytes:
    """The bytes this printer needs for this document, its times shown in `zone`."""
    doc = build(document, data, zone=zone)
    if printer.mode == "zpl":
        from printing.zpl import render_zpl

        return render_zpl(doc)
    from printing.escpos_render import render_escpos

    return render_escpos(doc, Paper.of(printer.paper), mode=printer.mode,  # type: ignore[arg-type]
                         profile=printer.profile)


def render_preview(document: str, data: Mapping[str, Any], paper_mm: int = 80, *,
                   zone: str | None = None) -> bytes:
    """A PNG picture of the document as it prints on this paper."""
    from printing.preview import render_png

    return render_png(build(document, data, zone=zone), Paper.of(paper_mm))
