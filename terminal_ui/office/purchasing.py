"""The back office: purchase orders. A list by status and supplier that pages and exports;
create and edit with several lines (item, quantity, unit price); send a draft, cancel with
a reason, close; an order's page with what was received against it, and its lines as a
file."""

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
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.office.order_forms import (
    LineRow,
    OrderForm,
    blank_rows,
    check_date,
    check_line_rows,
    in_language,
    order_template_helpers,
    read_line_rows,
    refusal,
    rows_of,
)
from terminal_ui.office.tables import file_response, page_window, vary_on_htmx
from wms.db import Database
from wms.errors import UnknownOrder, WmsError
from wms.models import Supplier
from wms.models.purchasing import PO_STATUSES
from wms.money import money
from wms.services.order_changes import (
    PO_CHANGEABLE,
    PurchaseOrderChange,
    cancel_purchase_order,
    edit_purchase_order,
    send_purchase_order,
)
from wms.services.order_history import purchase_order_steps, receipts_of
from wms.services.order_lists import (
    item_choices,
    list_purchase_orders,
    partner_choices,
    suggest_number,
    warehouse_choices,
)
from wms.services.orders import close_purchase_order, create_purchase_order, get_purchase_order
from wms.services.shelf_life import warehouse_today
from wms.tabular import Column

blueprint = Blueprint("office_purchasing", __name__, url_prefix="/office/purchase-orders")
blueprint.context_processor(order_template_helpers)

LIST_COLUMNS = (
    Column("number", _l("Order")), Column("supplier", _l("Supplier")),
    Column("supplier_name", _l("Supplier name")), Column("status", _l("Status")),
    Column("warehouse", _l("Warehouse")), Column("expected_date", _l("Expected date")),
    Column("created_at", _l("Created")), Column("lines", _l("Lines")),
    Column("qty", _l("Ordered")), Column("received", _l("Received")),
    Column("total", _l("Value")),
)
LINE_COLUMNS = (
    Column("sku", _l("SKU")), Column("name", _l("Item")), Column("uom", _l("Unit")),
    Column("qty", _l("Ordered")), Column("received", _l("Received")),
    Column("rejected", _l("Rejected")), Column("unit_price", _l("Unit price")),
    Column("line_total", _l("Line total")),
)


def _db() -> Database:
    return current_app.extensions["wms.db"]


@blueprint.get("")
@permission_required("office")
def orders() -> Response:
    window = page_window()
    status = request.args.get("status") or None
    status = status if status in PO_STATUSES else None
    supplier = (request.args.get("supplier") or "").strip()[:32] or None
    with _db().read() as s:
        page = list_purchase_orders(s, status=status, supplier=supplier, limit=window.limit,
                                    offset=window.offset)
        if window.fmt:
            rows = [{"number": r.number, "supplier": r.partner,
                     "supplier_name": r.partner_name, "status": r.status,
                     "warehouse": r.warehouse or "",
                     "expected_date": r.expected_date.isoformat() if r.expected_date else "",
                     "created_at": r.created_at.isoformat(timespec="seconds"),
                     "lines": r.lines, "qty": r.units, "received": r.done,
                     "total": money(r.value)} for r in page.rows]
            return file_response(window.fmt, in_language(LIST_COLUMNS), rows, "purchase-orders")
        suppliers = partner_choices(s, Supplier)
    template = ("office/purchasing/_rows.html" if request.headers.get("HX-Request")
                else "office/purchasing/orders.html")
    return vary_on_htmx(render_template(template, page=page, window=window, status=status,
                                 supplier=supplier, statuses=PO_STATUSES,
                                 suppliers=suppliers))


def _form_context(s: Any, form: OrderForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "suppliers": partner_choices(s, Supplier),
            "warehouses": warehouse_choices(s), "item_options": item_choices(s, ""), **extra}


@blueprint.get("/new")
@permission_required("orders")
def new_order() -> str:
    settings = current_app.config["WMS_SETTINGS"]
    with _db().read() as s:
        number = suggest_number(s, "purchase", warehouse_today(settings.timezone))
        form = OrderForm({"number": number}, blank_rows())
        return render_template("office/purchasing/form.html", **_form_context(s, form))


@blueprint.get("/line")
@permission_required("orders")
def line_row() -> Response:
    """One more empty line row for the form (htmx)."""
    return vary_on_htmx(render_template("office/_order_line.html", row=LineRow()))


def _read_form() -> OrderForm:
    fields = ("number", "supplier", "expected_date", "warehouse")
    return OrderForm({name: (request.form.get(name) or "").strip() for name in fields},
                     read_line_rows())


def _refused(template: str, form: OrderForm, **extra: Any) -> tuple[str, int]:
    for problem in form.problems():
        flash(problem, "error")
    with _db().read() as s:
        if not form.lines:
            form.lines = blank_rows(1)
        return render_template(template, **_form_context(s, form, **extra)), 422


@blueprint.post("/new")
@permission_required("orders")
def create_order() -> Any:
    form = _read_form()
    lines = check_line_rows(form)
    expected = check_date(form, "expected_date")
    if not form.values["supplier"]:
        form.errors["supplier"] = _("Choose a supplier")
    if not form.values["number"]:
        form.errors["number"] = _("Type an order number of 1 to 40 characters")
    if not form.ok:
        return _refused("office/purchasing/form.html", form)
    try:
        with _db().write() as s:
            order = create_purchase_order(s, form.values["number"], form.values["supplier"],
                                          lines, current_user.id, expected,
                                          form.values["warehouse"] or None)
            number = order.number
    except WmsError as error:
        form.errors["service"] = refusal(error)
        return _refused("office/purchasing/form.html", form)
    flash(_("Purchase order %(number)s created", number=number), "info")
    return redirect(url_for("office_purchasing.order", number=number))


@blueprint.get("/<number>")
@permission_required("read")
def order(number: str) -> Any:
    with _db().read() as s:
        try:
            po = get_purchase_order(s, number)
        except UnknownOrder:
            abort(404)
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            rows = [{"sku": ln.item.sku, "name": ln.item.name, "uom": ln.item.uom,
                     "qty": ln.qty, "received": ln.received, "rejected": ln.rejected,
                     "unit_price": money(ln.unit_price) or "",
                     "line_total": money(ln.qty * ln.unit_price) if ln.unit_price is not None
                     else ""} for ln in po.lines]
            return file_response(fmt, in_language(LINE_COLUMNS), rows, po.number)
        total = sum((ln.qty * ln.unit_price for ln in po.lines if ln.unit_price is not None),
                    start=0)
        return render_template(
            "office/purchasing/order.html", po=po, total=money(total) or "0.00",
            receipts=receipts_of(s, po), steps=purchase_order_steps(s, po),
            changeable=po.status in PO_CHANGEABLE
            and all(ln.received == 0 and ln.rejected == 0 for ln in po.lines))


@blueprint.get("/<number>/edit")
@permission_required("orders")
def edit_order(number: str) -> str:
    with _db().read() as s:
        try:
            po = get_purchase_order(s, number)
        except UnknownOrder:
            abort(404)
        form = OrderForm({"number": po.number, "supplier": po.supplier.code,
                          "expected_date": po.expected_date.isoformat()
                          if po.expected_date else "",
                          "warehouse": po.warehouse.code if po.warehouse else ""},
                         rows_of(po.lines))
        return render_template("office/purchasing/form.html",
                               **_form_context(s, form, editing=po.number))


@blueprint.post("/<number>/edit")
@permission_required("orders")
def save_order(number: str) -> Any:
    form = _read_form()
    form.values["number"] = number
    lines = check_line_rows(form)
    expected = check_date(form, "expected_date")
    if not form.ok:
        return _refused("office/purchasing/form.html", form, editing=number)
    change = PurchaseOrderChange(lines=lines, expected_date=expected,
                                 clear_expected_date=expected is None,
                                 warehouse=form.values["warehouse"])
    try:
        with _db().write() as s:
            edit_purchase_order(s, number, change, current_user.id)
    except UnknownOrder:
        abort(404)
    except WmsError as error:
        form.errors["service"] = refusal(error)
        return _refused("office/purchasing/form.html", form, editing=number)
    flash(_("Purchase order %(number)s saved", number=number), "info")
    return redirect(url_for("office_purchasing.order", number=number))


def _act(number: str, act: Any, done: str) -> WerkzeugResponse:
    try:
        with _db().write() as s:
            act(s)
        flash(done, "info")
    except UnknownOrder:
        abort(404)
    except WmsError as error:
        flash(refusal(error), "error")
    return redirect(url_for("office_purchasing.order", number=number))


@blueprint.post("/<number>/cancel")
@permission_required("orders")
def cancel_order(number: str) -> WerkzeugResponse:
    reason = request.form.get("reason") or ""
    return _act(number, lambda s: cancel_purchase_order(s, number, reason, current_user.id),
                _("Purchase order %(number)s cancelled", number=number))


@blueprint.post("/<number>/close")
@permission_required("orders")
def close_order(number: str) -> WerkzeugResponse:
    return _act(number, lambda s: close_purchase_order(s, number, current_user.id),
                _("Purchase order %(number)s closed", number=number))


@blueprint.post("/<number>/send")
@permission_required("orders")
def send_order(number: str) -> WerkzeugResponse:
    return _act(number, lambda s: send_purchase_order(s, number, current_user.id),
                _("Purchase order %(number)s sent: it is open", number=number))
