"""Finding a font that draws Chinese for the previews: Noto Sans CJK (Debian's fonts-noto-cjk)
or WenQuanYi, preferring their monospaced Simplified Chinese face so that a Han character
takes exactly two Latin columns, as on the printers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FILE_PATTERNS = ("NotoSansCJK*.ttc", "NotoSansCJK*.otf", "wqy*.ttc", "wqy*.ttf")
# Face names in order of preference: monospaced first, Simplified Chinese first.
FACE_PREFERENCE = (
    "Noto Sans Mono CJK SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei Mono",
    "WenQuanYi Zen Hei Mono",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
)


class CJKFontMissing(RuntimeError):
    """No font able to draw Chinese is installed."""


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (a .ttc holds several): path, index in the file, name."""

    path: Path
    index: int
    family: str
    bold: bool


def _faces(path: Path) -> list[FontFace]:
    faces = []
    for index in range(32):
        try:
            family, style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        faces.append(FontFace(path, index, family or "", "bold" in (style or "").lower()))
    return faces


def _rank(face: FontFace) -> int:
    try:
        return FACE_PREFERENCE.index(face.family)
    except ValueError:
        return len(FACE_PREFERENCE)


@lru_cache(maxsize=8)
def find_cjk_font(bold: bool = False, search_dirs: tuple[Path, ...] | None = None) -> FontFace:
    """The best installed CJK face (bold if asked and available); raises CJKFontMissing.
    Searched: `search_dirs`, else the folders in WMS_FONT_DIRS (colon-separated), else the
    system's font folders."""
    if search_dirs is None:
        configured = os.environ.get("WMS_FONT_DIRS")
        search_dirs = (tuple(Path(p) for p in configured.split(":") if p) if configured
                       else FONT_DIRS)
    candidates: list[FontFace] = []
    for directory in search_dirs:
        if not directory.is_dir():
            continue
        for pattern in FILE_PATTERNS:
            for path in sorted(directory.rglob(pattern)):
                candidates += _faces(path)
    if not candidates:
        searched = ", ".join(str(d) for d in search_dirs)
        raise CJKFontMissing(
            f"no CJK font (NotoSansCJK*.ttc or wqy*) found under {searched}: install "
            "Debian's fonts-noto-cjk package (apt-get install fonts-noto-cjk)")
    return min(candidates, key=lambda face: (face.bold != bold, _rank(face), str(face.path)))


@lru_cache(maxsize=32)
def cjk_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The CJK font at `size` pixels, ready for Pillow to draw with."""
    face = find_cjk_font(bold)
    return ImageFont.truetype(str(face.path), size, index=face.index)


def has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    """Whether `font` has its own glyph for `char` (not the missing-glyph box)."""
    missing = font.getmask("\U0010fffd")
    drawn = font.getmask(char)
    return drawn.getbbox() is not None and (
        drawn.size != missing.size or bytes(drawn) != bytes(missing))
