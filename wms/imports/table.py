"""What every import shares: a kind's columns (the API field name as the English header,
a fixed Chinese header), a file read into rows by those columns, and each bad cell
reported as a row error (row number as a spreadsheet shows it, column, why)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from wms.tabular import Column, UnreadableFile, read_numbered_table

# How a cell's text becomes a value: "text", "int", "decimal", "bool", "list", "date".
CELL_KINDS = ("text", "int", "decimal", "bool", "list", "date")


@dataclass(frozen=True)
class ImportColumn:
    """One column of an import file: `key` is the API's field name and the English header."""

    key: str
    zh: str
    cell: str = "text"
    required: bool = False  # the column must be in the file (the row's key, a quantity)


@dataclass(frozen=True)
class RowError:
    """Why one row (or the header, row 1) cannot be imported. `code` names the rule (for a
    translated text), `message` says it in English, `params` fill the translation."""

    row: int
    field: str
    message: str
    code: str = "invalid"
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        """The error as the API answers it."""
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class Sheet:
    """A file's rows by column key; `present` holds the columns the file has."""

    present: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError]


@dataclass
class Prepared:
    """A file read and each row checked on its own (no record read yet): the rows that
    passed, as (row number, key, values), and the errors found so far."""

    kind: str
    filename: str
    sheet: Sheet
    rows: list[tuple[int, str, dict[str, Any]]]
    errors: list[RowError]

    @property
    def total(self) -> int:
        """How many rows the file has."""
        return len(self.sheet.rows)


def file_columns(columns: Sequence[ImportColumn], language: str = "en") -> list[Column]:
    """The columns of a file of this kind, with headers in `language` (zh or en)."""
    return [Column(c.key, c.zh if language == "zh" else c.key) for c in columns]


class EmptyFile(UnreadableFile):
    """A file without any row under its header."""


def read_sheet(columns: Sequence[ImportColumn], filename: str, data: bytes) -> Sheet:
    """The file's rows by column key. Headers are the English keys or the Chinese headers;
    an unknown, repeated or missing required column is an error of row 1. Raises
    UnreadableFile for what is not a CSV or XLSX table."""
    header, numbered = read_numbered_table(filename, data)
    by_header: dict[str, str] = {}
    for column in columns:
        by_header[column.key.lower()] = column.key
        by_header[column.zh] = column.key
    keys: list[str | None] = []
    errors: list[RowError] = []
    header_row = numbered[0][0] - 1 if numbered else 1
    for text in header:
        key = by_header.get(text.strip().lower()) if text.strip() else None
        if text.strip() and key is None:
            errors.append(RowError(header_row, text, f"unknown column {text!r}; the columns "
                                   f"are {', '.join(c.key for c in columns)}",
                                   "unknown_column", {"column": text}))
        elif key is not None and key in keys:
            errors.append(RowError(header_row, text, f"column {text!r} appears twice",
                                   "repeated_column", {"column": text}))
            key = None
        keys.append(key)
    for column in columns:
        if column.required and column.key not in keys:
            errors.append(RowError(header_row, column.key, f"the file needs a column "
                                   f"{column.key} ({column.zh})", "missing_column",
                                   {"column": column.key, "zh": column.zh}))
    if not numbered:
        raise EmptyFile("the file has a header but no rows")
    present = tuple(k for k in keys if k is not None)
    rows = []
    for number, cells in numbered:
        row = {key: (cells[i] if i < len(cells) else "")
               for i, key in enumerate(keys) if key is not None}
        rows.append((number, row))
    return Sheet(present, rows, errors)


_TRUE = {"true", "1", "yes", "y", "是", "真", "x"}
_FALSE = {"false", "0", "no", "n", "否", "假", ""}
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}(?:\.0+)?")
_LIST_SPLIT = re.compile(r"[\s,;，；、]+")


class CellError(ValueError):
    """A cell whose text is not a value of its column's kind."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def cell_value(kind: str, text: str) -> Any:
    """The value of a cell's text, None for an empty cell (an empty list for a list)."""
    if "\x00" in text:
        raise CellError("nul", "may not hold the NUL character")
    if kind == "list":
        return [part for part in _LIST_SPLIT.split(text) if part]
    if kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise CellError("yes_or_no", f"{text!r} is not true or false")
    if text == "":
        return None
    if kind == "int":
        if not _WHOLE.fullmatch(text):
            raise CellError("whole_number", f"{text!r} is not a whole number")
        return int(text.split(".")[0])
    if kind == "decimal":
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError("number", f"{text!r} is not a number") from None
        if not value.is_finite():
            raise CellError("number", f"{text!r} is not a number")
        return value
    if kind == "date":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise CellError("date", f"{text!r} is not a date (2026-11-22)") from None
    return text


def parse_row(columns: Mapping[str, ImportColumn], number: int, row: Mapping[str, str],
              errors: list[RowError]) -> dict[str, Any] | None:
    """A row's cells as values, or None after adding an error for each bad cell."""
    values: dict[str, Any] = {}
    ok = True
    for key, text in row.items():
        try:
            values[key] = cell_value(columns[key].cell, text)
        except CellError as exc:
            errors.append(RowError(number, key, f"{key}: {exc.message}", exc.code,
                                   {"value": text}))
            ok = False
    return values if ok else None


def validate(body: type[BaseModel], number: int, values: Mapping[str, Any],
             errors: list[RowError]) -> dict[str, Any] | None:
    """The row checked by the API's own body model (the same rules as a PUT): the values
    it holds, or None after adding an error for each field it refuses."""
    try:
        model = body.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors():
            where = str(err["loc"][0]) if err["loc"] else "row"
            # the rule's name (greater_than_equal, string_too_long...) and its figures
            params = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
            errors.append(RowError(number, where, f"{where}: {err['msg']}", err["type"],
                                   {**params, "detail": err["msg"]}))
        return None
    dumped = model.model_dump(include=set(values))
    return {key: dumped.get(key) for key in values}


def repeated_keys(rows: Iterable[tuple[int, str]], field_name: str,
                  errors: list[RowError]) -> None:
    """An error for every row whose key an earlier row of the file has."""
    first: dict[str, int] = {}
    for number, key in rows:
        if key in first:
            errors.append(RowError(number, field_name, f"{field_name}: {key} is also in row "
                                   f"{first[key]}", "repeated_key",
                                   {"value": key, "other": first[key]}))
        else:
            first[key] = number


Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """A progress report nobody reads."""
