"""The warehouse map drawn as compact SVG: one drawing per zone, an aisle a band of rows
(its levels, the top level uppermost) and a bay a column; each bin one rectangle whose
id is its code and whose classes are its colour band, blocked (k) and quarantine (q).
Written straight to markup: 20,000 bins are one string join, not 20,000 template calls."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from markupsafe import Markup, escape

from wms.reports.warehouse_map import MapBin

CELL = 9  # px between bins (each bin is drawn 8 px square by office-charts.css)
AISLE_GAP = 5
LABEL_W = 28  # room for the aisle numbers on the left
HEAD = 14  # room for the zone's name above


@dataclass(frozen=True)
class ZoneDrawing:
    zone: str
    bins: int
    svg: Markup


def bin_classes(b: MapBin) -> str:
    """The bin's colour band (b0-b5, bn for none) with k when blocked, q for quarantine."""
    css = "bn" if b.band is None else f"b{b.band}"
    if b.blocked:
        css += " k"
    if b.quarantine:
        css += " q"
    return css


def draw_zone(zone: str, bins: list[MapBin], scale: int = 1) -> ZoneDrawing:
    """One zone's bins (with bin addresses) as an SVG, drawn `scale` times larger."""
    bays = max(b.bay or 1 for b in bins)
    levels = max(b.level or 1 for b in bins)
    band_h = levels * CELL + AISLE_GAP
    parts: list[str] = []
    y0 = HEAD
    for aisle, in_aisle in groupby(sorted(bins, key=lambda b: (b.aisle or 0)),
                                   key=lambda b: b.aisle):
        parts.append(f'<text x="0" y="{y0 + band_h // 2 + 3}">{aisle:02d}</text>')
        for b in in_aisle:
            x = LABEL_W + ((b.bay or 1) - 1) * CELL
            y = y0 + (levels - (b.level or 1)) * CELL
            parts.append(f'<rect id="{escape(b.code)}" x="{x}" y="{y}" '
                         f'class="{bin_classes(b)}"/>')
        y0 += band_h
    width, height = LABEL_W + bays * CELL, y0
    head = (f'<svg class="zone" viewBox="0 0 {width} {height}" width="{width * scale}" '
            f'height="{height * scale}" data-zone="{escape(zone)}">'
            f'<text class="zone-name" x="0" y="10">{escape(zone)}</text>')
    return ZoneDrawing(zone, len(bins), Markup(head + "".join(parts) + "</svg>"))


def draw_zones(bins: list[MapBin]) -> list[ZoneDrawing]:
    """Every zone's drawing, in zone order; a small warehouse drawn larger."""
    addressed = sorted((b for b in bins if b.aisle is not None), key=lambda b: b.zone or "")
    scale = 3 if len(addressed) <= 400 else 2 if len(addressed) <= 2000 else 1
    return [draw_zone(zone or "", list(group), scale)
            for zone, group in groupby(addressed, key=lambda b: b.zone)]
