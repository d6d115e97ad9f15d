"""Codes inside a sentence on a narrow screen: a bin, SKU, lot or order code is one token
that must never break across lines (A-01-/02-01 reads as two bins). Each code is wrapped in
a `.code` span that the stylesheet keeps whole; a very long token (a garbled scan) is marked
as such and may wrap anywhere."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A token with a digit in it, or letters joined by - _ . / : (TEA-001, A-01-02-01, LJ2026-11)
CODE = re.compile(r"[0-9A-Za-z]+(?:[-_./:][0-9A-Za-z]+)+|[A-Za-z]*[0-9][0-9A-Za-z]*")
LONGEST_WHOLE = 24  # characters; a longer token may break so the line still fits 360 px


def mark_codes(text: object) -> Markup:
    """`text` escaped, with each code in a span that keeps it on one line."""
    source = str(text or "")
    parts: list[str] = []
    last = 0
    for found in CODE.finditer(source):
        token = found.group(0)
        if len(token) < 3 and token.isdigit():
            continue  # a small number is no code
        parts.append(str(escape(source[last:found.start()])))
        kind = "code long" if len(token) > LONGEST_WHOLE else "code"
        parts.append(f'<span class="{kind}">{escape(token)}</span>')
        last = found.end()
    parts.append(str(escape(source[last:])))
    return Markup("".join(parts))
