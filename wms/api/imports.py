"""API v1: master data and opening stock imported from a CSV or XLSX file, and exported
as a file the import takes back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import TypedDict

from wms import imports as file_imports  # the module, read at call time (no import cycle)
from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, window
from wms.api.registry import Call, Reply, Upload, api
from wms.auth import require
from wms.imports.table import Prepared

KIND_SCHEMA = {"type": "string", "enum": ["items", "locations", "suppliers", "customers",
                                          "opening-stock"]}


class ImportErrorJson(TypedDict):
    row: int
    field: str
    message: str


class ImportJson(TypedDict):
    kind: str
    rows: int
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    moves: int
    errors: list[ImportErrorJson]


class ExportJson(TypedDict):
    rows: list[dict[str, Any]]
    total: int
    columns: list[str]
    name: str


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes")


def _prepare(params: Mapping[str, str], upload: Upload) -> Prepared:
    """The file read and each row checked on its own, before the write transaction."""
    return file_imports.prepare_file(params["kind"], upload.filename, upload.data)


@api("POST", "/imports/{kind}", permission="master_data", upload=True, prepare=_prepare,
     tag="import and export", query=("dry_run",),
     query_schemas={"dry_run": {"type": "string", "enum": ["0", "1", "true", "false"],
                                "description": "1: check the file only, import nothing"}},
     summary="Import items, locations, suppliers, customers or opening stock from a CSV or "
     "XLSX file (multipart `file`; headers in English as the API's field names, or in "
     "Chinese). Every row is checked first: when any row is bad the answer is 422 with "
     "`errors` [`row`, `field`, `message`] for every bad row, and nothing is imported. "
     "Opening stock needs a role that may also approve adjustments (admin).",
     errors=("invalid", "not_found"), response=ImportJson)
def import_file(call: Call) -> Reply:
    if call.params["kind"] == file_imports.OPENING_STOCK_KIND:
        require(call.user, "approve")
    prepared: Prepared = call.body
    result = file_imports.apply_file(call.session, prepared, call.user.id,
                                     dry_run=_flag(call.query.get("dry_run")))
    if result.errors:
        bad = len({e.row for e in result.errors})
        return 422, {"error": {"code": "invalid", "message": f"{bad} of {result.rows} rows "
                               "cannot be imported; nothing was imported"},
                     "errors": [e.json() for e in result.errors]}
    return 200, result.json()


@api("GET", "/exports/{kind}", permission="read", tag="import and export",
     query=LIST_QUERY, query_schemas=LIST_QUERY_SCHEMAS, errors=("not_found",),
     summary="Every item, location, supplier, customer or line of stock as rows of the "
     "import file; `format=csv` or `xlsx` writes the file the import takes back unchanged",
     response=ExportJson)
def export_file(call: Call) -> Reply:
    kind = call.params["kind"]
    columns = [c.key for c in file_imports.columns_for(kind)]
    span = window(call)
    rows = file_imports.export_rows(call.session, kind)
    end = None if span.limit is None else span.offset + span.limit
    return 200, {"rows": rows[span.offset:end], "total": len(rows), "columns": columns,
                 "name": kind}
