"""Tables as files: every list and report written to CSV (UTF-8 with BOM, so Excel opens
Chinese correctly) or XLSX, and CSV or XLSX files read back as rows for the imports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    """One column of a table: the key of its rows and the header people read."""

    key: str
    header: str


def _cell(value: Any) -> Any:
    """A value as a file holds it: lists joined by spaces, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return value


def columns_of(rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Columns named by the keys of the first row (headers are the keys)."""
    return [Column(key, key) for key in rows[0]] if rows else []


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark, a header line, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([_text(_cell(row.get(c.key))) for c in columns])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def write_xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]],
               title: str = "Sheet1") -> bytes:
    """The table as one XLSX sheet, written in streaming mode (50k rows fit in little
    memory). Text stays text: a SKU like 00123 keeps its zeros."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([c.header for c in columns])
    for row in rows:
        sheet.append([_xlsx_cell(_cell(row.get(c.key))) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    # Numbers stay numbers; everything else (codes, money strings, dates) is text, less the
    # control characters a worksheet cannot hold.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", _text(value))


def write_table(fmt: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]],
                title: str = "Sheet1") -> bytes:
    """The table in `fmt` (`csv` or `xlsx`)."""
    if fmt == "xlsx":
        return write_xlsx(columns, rows, title)
    return write_csv(columns, rows)


class UnreadableFile(ValueError):
    """A file that is neither CSV in UTF-8 (or GB18030) nor XLSX."""


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV or XLSX file, every cell as stripped text."""
    header, numbered = read_numbered_table(filename, data)
    return header, [cells for _, cells in numbered]


def read_numbered_table(filename: str, data: bytes
                        ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows of a CSV or XLSX file, each row with its number as a
    spreadsheet shows it (the header's row is 1 when the file starts with it); blank rows
    are left out but still counted."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        rows = _read_xlsx(data)
    else:
        rows = _read_csv(data)
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if not rows:
        raise UnreadableFile("the file is empty")
    return rows[0][1], rows[1:]


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("the file is not UTF-8 or GB18030 text")
    if "\x00" in text:
        raise UnreadableFile("the file is not text (it holds NUL characters)")
    try:
        return [(number, [cell.strip() for cell in row])
                for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    except csv.Error as exc:
        raise UnreadableFile(f"not a readable CSV file ({exc})") from exc


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    try:
        sheet = book.worksheets[0]
        first = sheet.min_row or 1
        return [(number, [_xlsx_text(v) for v in values]) for number, values in
                enumerate(sheet.iter_rows(values_only=True), start=first)]
    except Exception as exc:  # a damaged sheet inside a readable archive
        raise UnreadableFile(f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10] if getattr(value, "hour", 0) == 0 else str(
            value.isoformat())
    return str(value).strip()
