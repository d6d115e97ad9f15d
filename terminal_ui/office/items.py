"""The office's items: a list that searches, filters, pages and exports, with item labels
printed for the chosen rows; create and edit forms that name every wrong field; the item
page with its stock by status and by bin, its cost and value, its moves and its changes."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.lookup import STATUS_LABELS
from terminal_ui.office.audit import shown
from terminal_ui.office.item_fields import FIELD_LABELS
from terminal_ui.office.replenishment import (
    FORECAST_METHOD_LABELS,
    SOURCE_LABELS,
    alert_label,
    figure,
    method_label,
)
from terminal_ui.office.tables import file_response, page_window
from terminal_ui.refusals import describe
from wms.db import Database
from wms.errors import Conflict, UnknownItem, WmsError
from wms.models import Supplier
from wms.money import money
from wms.reports.replenishment import ReplenishmentQuery, replenishment
from wms.services.item_labels import label_printers, queue_item_labels
from wms.services.item_list import categories, list_items
from wms.services.items import (
    EDITABLE,
    InvalidItem,
    Problem,
    average_cost,
    create_item,
    get_item,
    item_events,
    item_snapshot,
    set_item_active,
    upsert_item,
)
from wms.services.shelf_life import warehouse_today
from wms.services.stock_queries import ledger_rows, on_hand_by_status, stock_rows
from wms.tabular import Column

blueprint = Blueprint("office_items", __name__, url_prefix="/office/items")

MOVE_LABELS = {
    "receive": _l("received"), "quarantine": _l("to quarantine"), "putaway": _l("put away"),
    "move": _l("moved"), "pick": _l("picked"), "ship": _l("shipped"),
    "adjust": _l("adjusted"), "scrap": _l("scrapped"), "transfer_out": _l("sent to transfer"),
    "transfer_in": _l("received from transfer"), "customer_return": _l("customer return"),
    "supplier_return": _l("returned to supplier"), "release": _l("released"),
}
EVENT_LABELS = {
    "item.create": _l("created"), "item.update": _l("changed"),
    "item.deactivate": _l("deactivated"), "item.reactivate": _l("made active again"),
    "item.labels": _l("labels printed"),
}
LIST_COLUMNS = (("sku", _l("SKU")), ("name", _l("Name")), ("name_en", _l("English name")),
                ("category", _l("Category")), ("uom", _l("Unit")),
                ("pack_size", _l("Pack size")), ("supplier", _l("Supplier")),
                ("on_hand", _l("On hand")), ("avg_cost", _l("Average cost")),
                ("stock_value", _l("Stock value")), ("active", _l("Active")))
# Form fields that are numbers or lists, as a person types them.
LISTS = ("barcodes", "case_barcodes")
CHECKBOXES = ("expiry", "active")


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _problem_text(problem: Problem) -> str:
    """A field's problem in the reader's language."""
    f = problem.figures
    texts = {
        "required": lambda: _("Required"),
        "too_long": lambda: _("At most %(n)s characters", n=f.get("most")),
        "whole_number": lambda: _("A whole number from %(least)s to %(most)s",
                                  least=f.get("least"), most=f.get("most")),
        "decimal": lambda: _("A number from %(least)s to %(most)s, at most %(places)s "
                             "decimals", least=f.get("least"), most=f.get("most"),
                             places=f.get("places")),
        "choice": lambda: _("Choose one from the list"),
        "flag": lambda: _("Yes or no"),
        "barcodes": lambda: _("Each barcode is 1 to 64 characters"),
        "unknown_supplier": lambda: _("No supplier %(code)s", code=f.get("code")),
        "unknown_location": lambda: _("No bin %(code)s", code=f.get("code")),
        "below_min": lambda: _("At least the minimum (%(n)s)", n=f.get("least")),
        "case_needs_pack": lambda: _("A case barcode needs a pack size of 2 or more"),
        "unit_and_case": lambda: _("%(code)s is both a unit's and a case's barcode",
                                   code=f.get("code")),
        "sku": lambda: _("1 to 64 characters"),
        "sku_taken": lambda: _("An item %(code)s exists already", code=f.get("code")),
    }
    return texts[problem.code]() if problem.code in texts else problem.message


def _active_filter() -> bool | None:
    return {"yes": True, "no": False}.get(request.args.get("active", ""))


@blueprint.get("/")
@permission_required("office")
def items() -> Response | str:
    window = page_window()
    q = (request.args.get("q") or "").strip()[:100] or None
    category = (request.args.get("category") or "").strip()[:64] or None
    with _db().read() as s:
        rows, total = list_items(s, q=q, category=category, active=_active_filter(),
                                 limit=window.limit, offset=window.offset)
        known = categories(s)
    if window.fmt:
        columns = [Column(key, str(header)) for key, header in LIST_COLUMNS]
        return file_response(window.fmt, columns, [_row_cells(row) for row in rows],
                             "items")
    template = "office/items/_table.html" if request.headers.get("HX-Request") \
        else "office/items/list.html"
    response = Response(render_template(
        template, rows=rows, total=total, window=window, q=q or "", category=category or "",
        categories=known, active=request.args.get("active", ""),
        printers=label_printers(current_app.extensions["wms.site"]),
        columns=LIST_COLUMNS, money=money))
    response.vary.add("HX-Request")
    return response


def _row_cells(row: Any) -> dict[str, Any]:
    average = row.avg_cost if row.avg_cost is not None else row.unit_cost
    return {"sku": row.sku, "name": row.name, "name_en": row.name_en,
            "category": row.category, "uom": row.uom, "pack_size": row.pack_size,
            "supplier": row.supplier, "on_hand": row.on_hand, "avg_cost": money(average),
            "stock_value": money(average * row.on_hand),
            "active": _("yes") if row.active else _("no")}


def _form_data(form: Any) -> dict[str, Any]:
    """The item form as the service takes it: texts as typed, lists split, boxes ticked."""
    data: dict[str, Any] = {}
    for name in EDITABLE:
        if name in CHECKBOXES:
            data[name] = form.get(name) == "on"
        elif name in LISTS:
            data[name] = (form.get(name) or "").replace(",", " ").split()
        elif name in form:
            data[name] = form.get(name, "")
    return data


def _form_values(session: Session, sku: str | None) -> dict[str, Any]:
    if sku is None:
        return {"tracking": "none", "uom": "pcs", "pack_size": 1, "review_period_days": 7,
                "instability_factor": "1.2", "demand_window_days": 28, "unit_cost": "0",
                "forecast_method": "moving_average", "active": True}
    return item_snapshot(session, get_item(session, sku))


def _suppliers(session: Session) -> list[Supplier]:
    return list(session.scalars(select(Supplier).order_by(Supplier.code)))


def _render_form(sku: str | None, values: dict[str, Any], errors: dict[str, str],
                 status: int = 200) -> tuple[str, int]:
    with _db().read() as s:
        suppliers = _suppliers(s)
    shown = {k: " ".join(v) if isinstance(v, list) else ("" if v is None else v)
             for k, v in values.items()}
    return render_template("office/items/form.html", sku=sku, values=shown, errors=errors,
                           suppliers=suppliers, labels=FIELD_LABELS,
                           forecast_methods=FORECAST_METHOD_LABELS), status


def _errors_of(error: WmsError) -> dict[str, str]:
    if isinstance(error, InvalidItem):
        return {p.field: _problem_text(p) for p in error.problems}
    if isinstance(error, Conflict) and error.details.get("barcode"):
        return {"barcodes": _("Barcode %(code)s belongs to another item",
                              code=error.details["barcode"])}
    headline, detail = describe(error)
    return {str(error.details.get("field") or "sku"): f"{headline} {detail}".strip()}


@blueprint.get("/new")
@permission_required("master_data")
def new_item() -> tuple[str, int]:
    with _db().read() as s:
        values = _form_values(s, None)
    return _render_form(None, values, {})


@blueprint.post("/new")
@permission_required("master_data")
def create() -> WerkzeugResponse | tuple[str, int]:
    data = _form_data(request.form)
    sku = (request.form.get("sku") or "").strip()
    try:
        with _db().write() as s:
            item = create_item(s, sku, data, current_user.id)
            sku = item.sku
    except WmsError as error:
        return _render_form(None, {**data, "sku": sku}, _errors_of(error), 422)
    flash(_("Item %(sku)s created", sku=sku), "ok")
    return redirect(url_for("office_items.item", sku=sku))


@blueprint.get("/<sku>/edit")
@permission_required("master_data")
def edit_item(sku: str) -> tuple[str, int]:
    try:
        with _db().read() as s:
            values = _form_values(s, sku)
    except UnknownItem:
        abort(404)
    return _render_form(sku, values, {})


@blueprint.post("/<sku>/edit")
@permission_required("master_data")
def update(sku: str) -> WerkzeugResponse | tuple[str, int]:
    data = _form_data(request.form)
    try:
        with _db().write() as s:
            get_item(s, sku)
            upsert_item(s, sku, data, current_user.id)
    except UnknownItem:
        abort(404)
    except WmsError as error:
        return _render_form(sku, data, _errors_of(error), 422)
    flash(_("Item %(sku)s saved", sku=sku), "ok")
    return redirect(url_for("office_items.item", sku=sku))


@blueprint.post("/<sku>/active")
@permission_required("master_data")
def set_active(sku: str) -> WerkzeugResponse:
    active = request.form.get("active") == "yes"
    try:
        with _db().write() as s:
            set_item_active(s, sku, active, current_user.id)
    except UnknownItem:
        abort(404)
    flash(_("Item %(sku)s is active again", sku=sku) if active
          else _("Item %(sku)s deactivated", sku=sku), "ok")
    return redirect(url_for("office_items.item", sku=sku))


@blueprint.get("/<sku>")
@permission_required("office")
def item(sku: str) -> str:
    settings = current_app.config["WMS_SETTINGS"]
    with _db().read() as s:
        try:
            found = get_item(s, sku)
        except UnknownItem:
            abort(404)
        values = item_snapshot(s, found)
        by_status = on_hand_by_status(s, found.id, warehouse_today(settings.timezone))
        rows = [r for r in stock_rows(s, sku=found.sku) if r.qty]
        on_hand = sum(r.qty for r in rows)
        average = average_cost(found)
        planned = replenishment(s, warehouse_today(settings.timezone), settings.timezone,
                                ReplenishmentQuery(sku=found.sku))
        return render_template(
            "office/items/item.html", item=found, values=values, by_status=by_status,
            statuses=STATUS_LABELS, rows=rows, on_hand=on_hand, avg_cost=money(average),
            stock_value=money(average * on_hand),
            moves=ledger_rows(s, sku=found.sku, limit=20), move_labels=MOVE_LABELS,
            events=item_events(s, found.sku), event_labels=EVENT_LABELS,
            labels=FIELD_LABELS, shown=shown, plan=planned[0] if planned else None,
            alert_label=alert_label, figure=figure, source_labels=SOURCE_LABELS,
            method_label=method_label)


@blueprint.post("/labels")
@permission_required("office")
def print_labels() -> WerkzeugResponse:
    skus = request.form.getlist("sku")
    try:
        with _db().write() as s:
            jobs = queue_item_labels(s, skus, request.form.get("printer", ""),
                                     current_app.extensions["wms.site"], current_user.id)
        flash(ngettext("%(num)s item label queued for printing",
                       "%(num)s item labels queued for printing", len(jobs)), "ok")
    except WmsError as error:
        if error.details.get("field") == "skus":
            flash(_("Tick the items to print labels for"), "error")
        elif error.details.get("field") == "printer":
            flash(_("Choose a printer"), "error")
        else:
            headline, detail = describe(error)
            flash(f"{headline} {detail}".strip(), "error")
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/office/items") else url_for(
        "office_items.items"))
