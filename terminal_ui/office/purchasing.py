"""The back office: purchase orders. A list by status and supplier that pages and exports;
create and edit with several lines (item, quantity, unit price); send a draft, cancel with
a reason, close; an order's page with what was received against it, and its lines as a
file. What it shares with the sales order room is in terminal_ui/office/orders.py."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.i18n import LANGUAGES
from terminal_ui.office import orders
from terminal_ui.office.order_forms import (
    OrderForm,
    check_date,
    check_line_rows,
    order_template_helpers,
    rows_of,
)
from wms.models import Supplier
from wms.models.purchasing import PO_STATUSES
from wms.services.order_changes import (
    PO_CHANGEABLE,
    PurchaseOrderChange,
    cancel_purchase_order,
    edit_purchase_order,
    send_purchase_order,
)
from wms.services.order_history import purchase_order_steps, receipts_of
from wms.services.order_lists import list_purchase_orders
from wms.services.orders import close_purchase_order, create_purchase_order, get_purchase_order
from wms.tabular import Column

blueprint = Blueprint("office_purchasing", __name__, url_prefix="/office/purchase-orders")
blueprint.context_processor(order_template_helpers)

ROOM = orders.OrderRoom(
    blueprint=blueprint, templates="office/purchasing", kind="purchase", partner="supplier",
    partner_model=Supplier, statuses=PO_STATUSES, list_orders=list_purchase_orders,
    list_columns=orders.list_columns(_l("Supplier"), _l("Supplier name"), _l("Received"),
                                     expected=True),
    file_name="purchase-orders", list_permission="office",
    choose_partner=_l("Choose a supplier"),
)
ROOM.add_routes("")

LINE_COLUMNS = (
    Column("sku", _l("SKU")), Column("name", _l("Item")), Column("uom", _l("Unit")),
    Column("qty", _l("Ordered")), Column("received", _l("Received")),
    Column("rejected", _l("Rejected")), Column("unit_price", _l("Unit price")),
    Column("line_total", _l("Line total")),
)
FIELDS = ("number", "supplier", "expected_date", "warehouse")


@blueprint.post("/new")
@permission_required("orders")
def create_order() -> Any:
    form = orders.read_form(FIELDS)
    lines = check_line_rows(form)
    expected = check_date(form, "expected_date")
    ROOM.check_new(form)
    values = form.values
    return ROOM.commit(
        form, lambda s: create_purchase_order(
            s, values["number"], values["supplier"], lines, current_user.id, expected,
            values["warehouse"] or None).number,
        lambda number: _("Purchase order %(number)s created", number=number))


@blueprint.get("/<number>")
@permission_required("read")
def order(number: str) -> Any:
    with orders.db().read() as s:
        po = orders.find_or_404(get_purchase_order, s, number)
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            return orders.lines_file(fmt, LINE_COLUMNS, po.lines, po.number,
                              lambda ln: {"received": ln.received, "rejected": ln.rejected})
        return render_template(
            "office/purchasing/order.html", po=po, total=orders.order_value(po.lines),
            receipts=receipts_of(s, po), steps=purchase_order_steps(s, po),
            changeable=po.status in PO_CHANGEABLE
            and all(ln.received == 0 and ln.rejected == 0 for ln in po.lines))


@blueprint.get("/<number>/print")
@permission_required("read")
def print_order(number: str) -> str:
    """The order as a document for the supplier, on A4 from the browser: in the reader's
    language, or the one `?lang=` asks for (zh or en)."""
    chosen = request.args.get("lang")
    with orders.db().read() as s:
        po = orders.find_or_404(get_purchase_order, s, number)
        lines = [(ln, ln.qty * ln.unit_price if ln.unit_price is not None else None)
                 for ln in po.lines]
        with force_locale(chosen) if chosen in LANGUAGES else nullcontext():
            return render_template(
                "office/purchasing/print.html", po=po, lines=lines,
                ordered_on=format_date(po.created_at, "medium"),
                units=sum(ln.qty for ln in po.lines), total=orders.order_value(po.lines),
                unpriced=any(ln.unit_price is None for ln in po.lines))


@blueprint.get("/<number>/edit")
@permission_required("orders")
def edit_order(number: str) -> str:
    with orders.db().read() as s:
        po = orders.find_or_404(get_purchase_order, s, number)
        form = OrderForm({"number": po.number, "supplier": po.supplier.code,
                          "expected_date": po.expected_date.isoformat()
                          if po.expected_date else "",
                          "warehouse": po.warehouse.code if po.warehouse else ""},
                         rows_of(po.lines))
        return render_template("office/purchasing/form.html",
                               **ROOM.form_context(s, form, editing=po.number))


@blueprint.post("/<number>/edit")
@permission_required("orders")
def save_order(number: str) -> Any:
    form = orders.read_form(FIELDS)
    form.values["number"] = number
    lines = check_line_rows(form)
    expected = check_date(form, "expected_date")
    change = PurchaseOrderChange(lines=lines, expected_date=expected,
                                 clear_expected_date=expected is None,
                                 warehouse=form.values["warehouse"])

    def save(s: Any) -> str:
        edit_purchase_order(s, number, change, current_user.id)
        return number

    return ROOM.commit(form, save, lambda _n: _("Purchase order %(number)s saved",
                                                   number=number), editing=number)


@blueprint.post("/<number>/cancel")
@permission_required("orders")
def cancel_order(number: str) -> WerkzeugResponse:
    reason = request.form.get("reason") or ""
    return ROOM.act(number, lambda s: cancel_purchase_order(s, number, reason, current_user.id),
                    lambda _r: _("Purchase order %(number)s cancelled", number=number))


@blueprint.post("/<number>/close")
@permission_required("orders")
def close_order(number: str) -> WerkzeugResponse:
    return ROOM.act(number, lambda s: close_purchase_order(s, number, current_user.id),
                    lambda _r: _("Purchase order %(number)s closed", number=number))


@blueprint.post("/<number>/send")
@permission_required("orders")
def send_order(number: str) -> WerkzeugResponse:
    return ROOM.act(number, lambda s: send_purchase_order(s, number, current_user.id),
                    lambda _r: _("Purchase order %(number)s sent: it is open", number=number))
