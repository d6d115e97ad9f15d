"""Imports and exports of master data and opening stock: one file (CSV or XLSX) per kind,
checked whole before anything is written; an export is a file the import takes back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from wms.errors import Invalid, UnknownRecord
from wms.imports.items import ITEMS
from wms.imports.locations import LOCATIONS
from wms.imports.opening_stock import (
    OPENING_STOCK_COLUMNS,
    check_opening_stock,
    export_opening_stock,
    prepare_opening_stock,
    write_opening_stock,
)
from wms.imports.partners import CUSTOMERS, SUPPLIERS
from wms.imports.records import RecordKind, check_records, prepare_records, write_records
from wms.imports.table import (
    EmptyFile,
    ImportColumn,
    Prepared,
    Progress,
    RowError,
    no_progress,
    read_sheet,
)
from wms.tabular import UnreadableFile

RECORD_KINDS: dict[str, RecordKind] = {k.name: k for k in (ITEMS, LOCATIONS, SUPPLIERS,
                                                           CUSTOMERS)}
OPENING_STOCK_KIND = "opening-stock"
KINDS: tuple[str, ...] = (*RECORD_KINDS, OPENING_STOCK_KIND)

__all__ = ["KINDS", "ImportResult", "Prepared", "RowError", "apply_file", "columns_for",
           "export_rows", "prepare_file", "run_import"]


def columns_for(kind: str) -> tuple[ImportColumn, ...]:
    """The columns of a file of this kind; an unknown kind is a missing record."""
    if kind == OPENING_STOCK_KIND:
        return OPENING_STOCK_COLUMNS
    if kind not in RECORD_KINDS:
        raise UnknownRecord(f"no import of {kind!r}; one of {', '.join(KINDS)}", kind=kind)
    return RECORD_KINDS[kind].columns


@dataclass
class ImportResult:
    """What an import (or its dry run) found and did."""

    kind: str
    rows: int
    errors: list[RowError]
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moves: int = 0

    @property
    def imported(self) -> bool:
        return not self.errors and not self.dry_run

    def json(self) -> dict[str, Any]:
        """The answer of the API."""
        return {"kind": self.kind, "rows": self.rows, "dry_run": self.dry_run,
                "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "moves": self.moves,
                "errors": [e.json() for e in self.errors]}


def prepare_file(kind: str, filename: str, data: bytes,
                 progress: Progress = no_progress) -> Prepared:
    """The file read and each row checked on its own, without the database (the longest
    part of an import, done before a write transaction takes the lock). A file that is
    not a table raises Invalid; an unknown kind raises UnknownRecord."""
    columns = columns_for(kind)
    if not data:
        raise Invalid("file: a CSV or XLSX file is required; this one is empty", field="file",
                      reason="empty")
    progress("read", 0, 0)
    try:
        sheet = read_sheet(columns, filename, data)
    except EmptyFile as exc:
        raise Invalid(f"file: {exc}", field="file", reason="no_rows") from exc
    except UnreadableFile as exc:
        raise Invalid(f"file: {exc}", field="file", reason="unreadable") from exc
    if kind == OPENING_STOCK_KIND:
        return prepare_opening_stock(filename, sheet, progress)
    return prepare_records(RECORD_KINDS[kind], filename, sheet, progress)


def apply_file(session: Session, prepared: Prepared, user_id: int | None, *,
               dry_run: bool = False, progress: Progress = no_progress) -> ImportResult:
    """Check the prepared rows against the records; unless it is a dry run and when no
    row is bad, write them all in the caller's transaction."""
    kind = prepared.kind
    if kind == OPENING_STOCK_KIND:
        checked = check_opening_stock(session, prepared, progress)
    else:
        checked = check_records(session, RECORD_KINDS[kind], prepared, progress)
    result = ImportResult(kind, checked.rows, checked.errors, dry_run)
    if kind != OPENING_STOCK_KIND:
        result.created, result.updated = len(checked.new), len(checked.changed)
        result.unchanged = checked.rows - result.created - result.updated
    if checked.errors or dry_run:
        return result
    if kind == OPENING_STOCK_KIND:
        result.moves = write_opening_stock(session, checked, user_id, prepared.filename,
                                           progress)
    else:
        write_records(session, RECORD_KINDS[kind], checked, user_id, prepared.filename,
                      progress)
    return result


def run_import(session: Session, kind: str, filename: str, data: bytes, user_id: int | None,
               *, dry_run: bool = False, progress: Progress = no_progress) -> ImportResult:
    """Read and check every row of the file; unless it is a dry run and when no row is
    bad, write them all in the caller's transaction."""
    return apply_file(session, prepare_file(kind, filename, data, progress), user_id,
                      dry_run=dry_run, progress=progress)


def export_rows(session: Session, kind: str) -> list[dict[str, Any]]:
    """Every record of the kind as a row of its import file."""
    columns_for(kind)
    if kind == OPENING_STOCK_KIND:
        return export_opening_stock(session)
    export = RECORD_KINDS[kind].export
    assert export is not None
    return export(session)

