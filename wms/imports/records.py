"""Importing a table of records by code (items, locations, suppliers, customers): every row
checked first, every bad row reported, then the new rows inserted and the changed rows
updated with a few bulk statements in one transaction. A row equal to its record writes
nothing, so importing an export changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from wms.imports.table import (
    ImportColumn,
    Prepared,
    Progress,
    RowError,
    Sheet,
    no_progress,
    parse_row,
    repeated_keys,
    validate,
)
from wms.services.audit import record

STEP = 1000  # rows between two progress reports


@dataclass
class Checked:
    """The rows of a file ready to write (by key: the record's new column values), and
    every error found."""

    kind: str
    rows: int
    errors: list[RowError]
    new: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key: id and values
    extra: dict[str, Any] = field(default_factory=dict)  # what a kind's own writer needs


@dataclass(frozen=True)
class RecordKind:
    """How one kind of record is imported: its model and key, its file columns, the API
    body that checks a row's fields, and the defaults of columns that may not be empty."""

    name: str
    model: Any
    key: str
    columns: tuple[ImportColumn, ...]
    body: type[BaseModel]
    # Columns that may not be empty, with their defaults: an empty cell keeps the record's
    # value, and a new record gets the default. (An empty cell of another column clears it.)
    not_null: Mapping[str, Any]
    # key text -> canonical key, or raises ValueError with the message
    clean_key: Callable[[str], str]
    # (session, the file's rows) -> what the kind looks up (codes of suppliers, locations)
    load: Callable[[Session, Sheet], dict[str, Any]] = lambda s, sheet: {}
    # (lookups, row number, key, values, record or None, errors) -> column values or None
    resolve: Callable[..., dict[str, Any] | None] | None = None
    # before the rows are written: records the rows refer to made (a new warehouse)
    before_write: Callable[[Session, Checked], None] | None = None
    # after the rows are written: what the kind writes beside them (an item's barcodes)
    after_write: Callable[[Session, Checked, dict[str, int]], None] | None = None
    # every record as a row of the file
    export: Callable[[Session], list[dict[str, Any]]] | None = None

    @property
    def table(self) -> Table:
        return self.model.__table__

    @property
    def by_key(self) -> dict[str, ImportColumn]:
        return {c.key: c for c in self.columns}


def _same(old: Any, new: Any) -> bool:
    if old in ("", None) and new in ("", None):  # an empty cell is no text
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return old is not None and new is not None and Decimal(old) == Decimal(new)
        except (ArithmeticError, TypeError, ValueError):
            return False
    return bool(old == new)


def prepare_records(kind: RecordKind, filename: str, sheet: Sheet,
                    progress: Progress = no_progress) -> Prepared:
    """Every row checked on its own against the API's rules (no record is read)."""
    errors = list(sheet.errors)
    total = len(sheet.rows)
    keyed: list[tuple[int, str, dict[str, Any]]] = []
    for i, (number, row) in enumerate(sheet.rows):
        if i % STEP == 0:
            progress("check", i, total)
        raw_key = row.get(kind.key, "")
        try:
            key = kind.clean_key(raw_key)
        except ValueError as exc:
            errors.append(RowError(number, kind.key, f"{kind.key}: {exc}", "bad_key",
                                   {"value": raw_key}))
            continue
        values = parse_row(kind.by_key, number, {k: v for k, v in row.items()
                                                 if k != kind.key}, errors)
        if values is None:
            continue
        fields = validate(kind.body, number, values, errors)
        if fields is not None:
            keyed.append((number, key, fields))
    repeated_keys(((n, k) for n, k, _ in keyed), kind.key, errors)
    progress("check", total, total)
    return Prepared(kind.name, filename, sheet, keyed, errors)


def check_records(session: Session, kind: RecordKind, prepared: Prepared,
                  progress: Progress = no_progress) -> Checked:
    """The rows that passed on their own checked against the records there are: what is
    new, what changed, and every error."""
    errors = list(prepared.errors)
    total = prepared.total
    keyed = prepared.rows
    checked = Checked(kind.name, total, errors)
    lookups = kind.load(session, prepared.sheet)
    checked.extra["lookups"] = lookups
    existing = _existing(session, kind, [k for _, k, _ in keyed])
    checked.extra["existing"] = existing
    for i, (number, key, fields) in enumerate(keyed):
        if i % STEP == 0:
            progress("compare", i, len(keyed))
        current = existing.get(key)
        values = _plain(kind, fields, current)
        if current is None and values.get("name") is None and "name" in kind.not_null:
            errors.append(RowError(number, "name", f"name: {kind.key} {key} is new and "
                                   "needs a name", "new_needs_name", {"value": key}))
            continue
        if kind.resolve is not None:
            resolved = kind.resolve(lookups, number, key, fields, current, errors)
            if resolved is None:
                continue
            values.update(resolved)
        if current is None:
            checked.new[key] = values
        else:
            diff = {col: value for col, value in values.items()
                    if not _same(current.get(col), value)}
            if diff or key in lookups.get("changed_beside", ()):
                checked.changed[key] = {"id": current["id"], **diff}
    errors.sort(key=lambda e: e.row)
    progress("compare", len(keyed), len(keyed))
    return checked


def _plain(kind: RecordKind, fields: Mapping[str, Any], current: Mapping[str, Any] | None
           ) -> dict[str, Any]:
    """The plain columns a row sets: an empty cell of a column that may not be empty keeps
    the record's value (a new record gets the default)."""
    columns = kind.table.c
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in columns:
            continue
        if value is None and key in kind.not_null:
            if current is not None:
                continue
            value = kind.not_null[key]
        values[key] = value
    if current is None:
        for key, default in kind.not_null.items():
            values.setdefault(key, default)
    return values


def _existing(session: Session, kind: RecordKind, keys: Sequence[str]
              ) -> dict[str, dict[str, Any]]:
    """The records the file names, by key, as column values."""
    table = kind.table
    wanted = set(keys)
    found: dict[str, dict[str, Any]] = {}
    if not wanted:
        return found
    key_column = table.c[kind.key]
    if len(wanted) > 500:  # a big file: one read of the whole table beats many IN lists
        rows = session.execute(select(table)).mappings()
        found = {row[kind.key]: dict(row) for row in rows if row[kind.key] in wanted}
        return found
    for row in session.execute(select(table).where(key_column.in_(wanted))).mappings():
        found[row[kind.key]] = dict(row)
    return found


def write_records(session: Session, kind: RecordKind, checked: Checked,
                  user_id: int | None, filename: str, progress: Progress = no_progress
                  ) -> dict[str, int]:
    """Insert the new records and update the changed ones; one audit event for the file.
    Returns the ids of the records the file names, by key."""
    table = kind.table
    total = checked.rows
    if kind.before_write is not None:
        kind.before_write(session, checked)
    ids = {key: row["id"] for key, row in checked.extra.get("existing", {}).items()}
    new_rows = [{kind.key: key, **values} for key, values in checked.new.items()]
    for start in range(0, len(new_rows), STEP):
        chunk = new_rows[start:start + STEP]
        result = session.execute(
            insert(table).returning(table.c.id, table.c[kind.key],
                                    sort_by_parameter_order=True), chunk)
        ids.update({key: id_ for id_, key in result})
        progress("write", min(start + STEP, len(new_rows)) * total // max(
            len(new_rows) + len(checked.changed), 1), total)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in checked.changed.values():
        by_columns.setdefault(tuple(sorted(values)), []).append(values)
    for names, rows in by_columns.items():
        if names == ("id",):  # only what the kind writes itself (an item's barcodes)
            continue
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(
            {name: bindparam(f"b_{name}") for name in names if name != "id"})
        session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])
    if kind.after_write is not None:
        kind.after_write(session, checked, ids)
    record(session, user_id, f"import.{kind.name}", filename, rows=total,
           created=len(checked.new), updated=len(checked.changed),
           unchanged=total - len(checked.new) - len(checked.changed),
           keys={"created": sorted(checked.new)[:1000],
                 "updated": sorted(checked.changed)[:1000]})
    progress("write", total, total)
    return ids

