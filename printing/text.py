"""Text as the printers print it. Receipt printers hold a GBK font and, in Chinese mode, read
any byte above 0x7F as the first of a two-byte code drawn from that font: so an ASCII
character takes one column and every other character two (é and · as much as 汉 or ￥),
whatever Unicode's East Asian width says. `char_width` is that one rule, and the printout,
the image text and the preview all wrap, pad and lay out tables by it. `printable` first
turns text into what the font has: GB18030's four-byte codes (¥, emoji, rare Han) print as
garbage on a GBK font."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from printing.layout import Align

# Kinsoku: no line starts with closing punctuation and none ends with an opening bracket.
NO_LINE_START = frozenset("，。、：；！？）」』】》〉,.:;!?)]}%")
NO_LINE_END = frozenset("（「『【《〈([{")

# What prints in place of a character that a GBK font lacks and that has no stand-in: a
# visible box (in GBK, two columns like the emoji or rare Han character it replaces).
PLACEHOLDER = "□"
# Stand-ins for characters outside GBK that read the same: the full-width forms of signs
# (¥ U+00A5 is a four-byte code, ￥ U+FFE5 is in GBK), spelled-out currency.
GBK_STAND_INS = {"¥": "￥", "¢": "￠", "£": "￡", "¬": "￢", "¦": "￤", "¯": "￣",
                 "€": "EUR", "©": "(C)", "®": "(R)"}
KEPT_CONTROLS = frozenset("\n\r\t")


def in_gbk(char: str) -> bool:
    """Whether a GBK printer font has `char`: ASCII, or a two-byte code that GBK and GB18030
    share."""
    if char.isascii():
        return True
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and code == char.encode("gb18030")


@lru_cache(maxsize=4096)
def gbk_form(char: str) -> str:
    """What prints for `char`: itself when the font has it, else a stand-in (¥ → ￥, ｱ → ア,
    ç → c), else the placeholder; a combining mark left over after NFC is dropped."""
    if in_gbk(char):
        return char
    if char in GBK_STAND_INS:
        return GBK_STAND_INS[char]
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me"):
        return ""
    for form in ("NFKC", "NFKD"):
        stand_in = "".join(part for part in unicodedata.normalize(form, char)
                           if not unicodedata.combining(part))
        if stand_in and stand_in != char and all(in_gbk(part) for part in stand_in):
            return stand_in
    return PLACEHOLDER


def printable(text: str) -> str:
    """`text` as a GBK printer prints it: NFC, without control and format characters
    (newlines and tabs stay: nothing in a document's data may reach the printer as a
    command), each character the font lacks replaced by its stand-in or the placeholder."""
    return "".join(char if char in KEPT_CONTROLS else gbk_form(char)
                   for char in unicodedata.normalize("NFC", text)
                   if char in KEPT_CONTROLS
                   or unicodedata.category(char) not in ("Cc", "Cf", "Cs"))


def char_width(char: str) -> int:
    """Columns one character takes on the printer: none for a combining mark or control
    character, one for ASCII, two for anything else (a two-byte code, from the double-byte
    font)."""
    if unicodedata.category(char) in ("Mn", "Me", "Cc", "Cf") or unicodedata.combining(char):
        return 0
    return 1 if char.isascii() else 2


def display_width(text: str) -> int:
    """Columns `text` takes on the printer (see char_width)."""
    return sum(char_width(char) for char in text)


def clusters(paragraph: str) -> list[tuple[str, int]]:
    """The characters of one line with the zero-width marks that follow them, and their
    widths; any whitespace becomes spaces of its width."""
    found: list[tuple[str, int]] = []
    for char in paragraph:
        width = char_width(char)
        if char.isspace():
            found.append((" " * max(width, 1), max(width, 1)))
        elif width == 0 and found and not found[-1][0].isspace():
            text, base_width = found[-1]
            found[-1] = (text + char, base_width)
        else:
            found.append((char, width))
    return found


def _is_wide(cluster: tuple[str, int]) -> bool:
    return unicodedata.east_asian_width(cluster[0][0]) in ("W", "F")


def _can_break(before: tuple[str, int], after: tuple[str, int]) -> bool:
    """Whether a line may end between these two clusters: at spaces, and before or after a
    Han character or full-width sign (whatever width the printer gives accented letters)."""
    if before[0].isspace() or after[0].isspace():
        return True
    if after[0][0] in NO_LINE_START or before[0][0] in NO_LINE_END:
        return False
    return _is_wide(before) or _is_wide(after)


def _last_break(line: list[tuple[str, int]]) -> int:
    """The last index inside `line` where it may be cut (0: nowhere)."""
    for index in range(len(line) - 1, 0, -1):
        if _can_break(line[index - 1], line[index]) and line[index - 1][0].strip():
            return index
    return 0


def _joined(line: list[tuple[str, int]]) -> str:
    return "".join(text for text, _ in line).rstrip(" ")


def _wrap_paragraph(paragraph: str, columns: int) -> list[str]:
    lines: list[str] = []
    line: list[tuple[str, int]] = []
    width = 0
    for cluster in clusters(paragraph):
        while line and width + cluster[1] > columns:
            fits_before = _can_break(line[-1], cluster)
            cut = len(line) if fits_before else _last_break(line) or len(line)
            lines.append(_joined(line[:cut]))
            line = line[cut:]
            while line and line[0][0].isspace():
                line.pop(0)
            width = sum(w for _, w in line)
            if not line and cluster[0].isspace():
                break
        if lines and not line and cluster[0].isspace():
            continue  # the space at a line break is dropped
        line.append(cluster)
        width += cluster[1]
    if line or not lines:
        lines.append(_joined(line))
    return lines


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most `columns` display columns: Latin text breaks at spaces, Han text
    between any two characters, a word longer than the line is cut; newlines are kept."""
    if columns < 1:
        raise ValueError(f"cannot wrap to {columns} columns")
    return [line for paragraph in text.splitlines()
            for line in _wrap_paragraph(paragraph, columns)]


def truncate(text: str, columns: int) -> str:
    """The longest start of `text` that fits in `columns`, never splitting a character."""
    kept, width = [], 0
    for text_part, part_width in clusters(text):
        if width + part_width > columns:
            break
        kept.append(text_part)
        width += part_width
    return "".join(kept)


def pad(text: str, columns: int, align: Align = "left") -> str:
    """`text` aligned in exactly `columns` display columns, truncated if it is too wide."""
    text = truncate(text, columns)
    room = columns - display_width(text)
    if align == "right":
        return " " * room + text
    if align == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def column_widths(weights: Sequence[int], columns: int) -> list[int]:
    """Widths of table columns in proportion to `weights`, one space between columns."""
    if not weights or any(weight <= 0 for weight in weights):
        raise ValueError(f"weights must be positive: {weights!r}")
    room = columns - (len(weights) - 1)
    if room < 2 * len(weights):
        raise ValueError(f"{len(weights)} columns do not fit in {columns}")
    total = sum(weights)
    widths = [room * weight // total for weight in weights]
    # Largest remainders get the columns left over; the leftmost wins a tie.
    by_remainder = sorted(range(len(weights)), key=lambda i: -(room * weights[i] % total))
    for index in by_remainder[: room - sum(widths)]:
        widths[index] += 1
    while min(widths) < 2:  # room for one Han character, taken from the widest column
        widths[widths.index(max(widths))] -= 1
        widths[widths.index(min(widths))] += 1
    return widths


def layout_row(cells: Sequence[str], weights: Sequence[int], columns: int,
               aligns: Sequence[Align] = ()) -> list[str]:
    """The printed lines of a table row: each cell wrapped and aligned inside its column,
    trailing spaces removed."""
    if len(cells) != len(weights):
        raise ValueError(f"{len(cells)} cells but {len(weights)} weights")
    widths = column_widths(weights, columns)
    wrapped = [wrap(cell, width) or [""]
               for cell, width in zip(cells, widths, strict=True)]
    lines = []
    for line_number in range(max(len(cell_lines) for cell_lines in wrapped)):
        parts = [pad(cell_lines[line_number] if line_number < len(cell_lines) else "", width,
                     aligns[index] if index < len(aligns) else "left",
                     )
                 for index, (cell_lines, width) in enumerate(zip(wrapped, widths, strict=True))]
        lines.append(" ".join(parts).rstrip(" "))
    return lines
