"""The back office's import and export room: pick a kind, upload a CSV or XLSX file, see
every bad row of a dry run, then import; templates and exports of every kind, with headers
in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from terminal_ui.auth import permission_required
from terminal_ui.i18n import language
from terminal_ui.office.tables import file_response
from terminal_ui.scan_pages import htmx
from wms.db import Database
from wms.imports import KINDS, OPENING_STOCK_KIND, columns_for, export_rows
from wms.imports.jobs import ImportJobs
from wms.imports.table import file_columns
from wms.tabular import FORMATS

blueprint = Blueprint("office_imports", __name__, url_prefix="/office/imports")

KIND_LABELS = {
    "items": _l("Items"),
    "locations": _l("Locations"),
    "suppliers": _l("Suppliers"),
    "customers": _l("Customers"),
    "opening-stock": _l("Opening stock"),
}

# Why a row is refused, by the rule's code, in the reader's language.
ROW_ERRORS = {
    "unknown_column": _l("There is no column %(column)s"),
    "repeated_column": _l("The column %(column)s appears twice"),
    "missing_column": _l("The file needs the column %(column)s (%(zh)s)"),
    "nul": _l("The cell holds a character that cannot be stored"),
    "yes_or_no": _l("%(value)s is not yes or no (true, false, 1, 0, 是, 否)"),
    "whole_number": _l("%(value)s is not a whole number"),
    "number": _l("%(value)s is not a number"),
    "date": _l("%(value)s is not a date (2026-11-22)"),
    "bad_key": _l("%(value)s is not a code that can be used"),
    "repeated_key": _l("%(value)s is also in row %(other)s"),
    "new_needs_name": _l("%(value)s is new and needs a name"),
    "new_needs_warehouse": _l("Location %(value)s is new and needs a warehouse"),
    "other_warehouse": _l("Location %(value)s belongs to warehouse %(other)s"),
    "unknown_supplier": _l("There is no supplier %(value)s"),
    "unknown_location": _l("There is no location %(value)s"),
    "unknown_item": _l("There is no item %(value)s"),
    "barcode_taken": _l("Barcode %(value)s belongs to item %(other)s"),
    "barcode_is_sku": _l("Barcode %(value)s is another item's SKU"),
    "lot_required": _l("Item %(value)s is lot-tracked: a lot is needed"),
    "expiry_required": _l("Item %(value)s tracks expiry: a date is needed"),
    "lot_expiry": _l("Lot %(value)s expires %(other)s"),
    "stock_booked": _l("%(value)s already has stock booked in %(other)s: opening stock is "
                       "booked once; correct it with a stock count"),
    # the rules of the API's body models
    "greater_than_equal": _l("At least %(ge)s"),
    "greater_than": _l("More than %(gt)s"),
    "less_than_equal": _l("At most %(le)s"),
    "less_than": _l("Less than %(lt)s"),
    "string_too_long": _l("At most %(max_length)s characters"),
    "string_too_short": _l("At least %(min_length)s characters"),
    "literal_error": _l("One of %(expected)s"),
    "decimal_max_places": _l("At most %(decimal_places)s decimal places"),
    "decimal_max_digits": _l("At most %(max_digits)s digits"),
}

# Why a file is not a table at all.
FILE_ERRORS = {
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has a header but no rows."),
    "unreadable": _l("The file is not a CSV (UTF-8 or GB18030) or XLSX table."),
}

PHASES = {"upload": _l("Uploading"), "read": _l("Reading the file"),
          "check": _l("Checking rows"), "compare": _l("Comparing with the records"),
          "write": _l("Writing")}


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _jobs() -> ImportJobs:
    return ImportJobs(current_app.config["WMS_SETTINGS"].imports_dir)


def row_error_text(error: dict[str, Any]) -> str:
    """A row error in the reader's language (the API's English words for a field's own
    rules, which only the API's body models know)."""
    text = ROW_ERRORS.get(error.get("code", ""))
    if text is None:
        detail = error.get("params", {}).get("detail")
        return str(detail or error["message"])
    params = {k: str(v) for k, v in error.get("params", {}).items()}
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return error["message"]


def column_label(kind: str, key: str) -> str:
    """A column as the reader's language heads it."""
    for column in columns_for(kind):
        if column.key == key:
            return column.zh if language() == "zh" else column.key
    return key


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _job(job_id: str) -> dict[str, Any]:
    """A job of the signed-in user, or 404."""
    try:
        job = _jobs().read(job_id)
    except KeyError:
        job = None
    if job is None or job.get("user_id") != current_user.id:
        abort(404)
    return job


def _allowed(kind: str) -> bool:
    """Whether this user may import `kind`: opening stock also needs approving rights."""
    return kind != OPENING_STOCK_KIND or bool(current_user.may("approve"))


def _render(job: dict[str, Any] | None, kind: str = "items", message: str | None = None,
            status: int = 200) -> tuple[str, int, dict[str, str]]:
    context = {"job": job, "kinds": KIND_LABELS, "kind": kind, "message": message,
               "row_error_text": row_error_text, "column_label": column_label,
               "phases": PHASES, "may_import": _allowed, "file_errors": FILE_ERRORS}
    template = "office/imports/_job.html" if htmx else "office/imports/index.html"
    return render_template(template, **context), status, {"Vary": "HX-Request"}


@blueprint.get("")
@permission_required("master_data")
def index() -> Any:
    """The room: the upload form, templates and exports, and the job named in the query."""
    job = _job(request.args["job"]) if request.args.get("job") else None
    kind = request.args.get("kind") or "items"
    if kind not in KINDS:
        kind = "items"
    return _render(job, job["kind"] if job else kind)


@blueprint.post("/check")
@permission_required("master_data")
def check() -> Any:
    """Keep the uploaded file and check it in the background (a dry run)."""
    settings = current_app.config["WMS_SETTINGS"]
    request.max_content_length = settings.max_upload_bytes + 65_536
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        return _render(None, message=_("Choose what the file holds."), status=422)
    if not _allowed(kind):
        return _render(None, kind, _("Only an administrator may import opening stock."), 403)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        upload = None
    data = upload.read() if upload is not None else b""
    if upload is None or not upload.filename:
        return _render(None, kind, _("Choose a CSV or XLSX file."), 422)
    if not data:
        return _render(None, kind, _("The file is empty."), 422)
    jobs = _jobs()
    job_id = jobs.create(kind, upload.filename, data, current_user.id)
    jobs.start(_db(), job_id, dry_run=True)
    return _after_start(job_id)


def _after_start(job_id: str) -> Any:
    if htmx:
        return _render(_job(job_id))
    return redirect(url_for("office_imports.index", job=job_id))


@blueprint.get("/jobs/<job_id>")
@permission_required("master_data")
def job(job_id: str) -> Any:
    """How far a job is: polled every second while it runs."""
    found = _job(job_id)
    return _render(found, found["kind"])


@blueprint.post("/jobs/<job_id>/import")
@permission_required("master_data")
def run(job_id: str) -> Any:
    """Import a file whose dry run found no bad row (checked again as it is written)."""
    found = _job(job_id)
    if found.get("state") != "done" or found.get("error_count") or found.get("imported") \
            or not found.get("dry_run") or not _allowed(found["kind"]):
        return _render(found, found["kind"], _("This file cannot be imported."), 409)
    if not _jobs().has_upload(job_id):
        return _render(found, found["kind"], _(
            "A checked file is kept for a day and this one is gone: upload it again."), 409)
    _jobs().start(_db(), job_id, dry_run=False)
    return _after_start(job_id)


@blueprint.get("/templates/<kind>.<fmt>")
@permission_required("master_data")
def template(kind: str, fmt: str) -> Response:
    """An empty file of the kind: its header row in the reader's language."""
    if fmt not in FORMATS:
        abort(404)
    columns = file_columns(columns_for(_kind(kind)), language())
    return file_response(fmt, columns, [], f"{kind}-template")


@blueprint.get("/exports/<kind>.<fmt>")
@permission_required("master_data")
def export(kind: str, fmt: str) -> Response:
    """Every record of the kind as a file the import takes back."""
    if fmt not in FORMATS:
        abort(404)
    columns = file_columns(columns_for(_kind(kind)), language())
    with _db().read() as session:
        rows = export_rows(session, kind)
    return file_response(fmt, columns, rows, kind)
