"""The back office: sales orders. A list by status and customer that pages and exports;
create with lines and prices; allocate (a pick list in walking order, with shortages);
cancel with a reason (reserved units released); ship what was picked and packed; an
order's page with its steps, who and when. Any signed-in person finds an order by its number."""

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
    check_line_rows,
    in_language,
    order_template_helpers,
    read_line_rows,
    refusal,
)
from terminal_ui.office.tables import file_response, page_window, vary_on_htmx
from wms.db import Database
from wms.errors import InsufficientStock, UnknownOrder, WmsError
from wms.models import Customer
from wms.models.sales import SO_STATUSES
from wms.money import money
from wms.services.allocation import ALLOCATABLE, create_pick_list
from wms.services.order_changes import SO_CANCELLABLE, cancel_sales_order, units_picked
from wms.services.order_history import pick_lists_of, sales_order_steps, unallocated_per_line
from wms.services.order_lists import (
    find_order,
    item_choices,
    list_sales_orders,
    partner_choices,
    suggest_number,
    warehouse_choices,
)
from wms.services.orders import create_sales_order, get_sales_order
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import SHIPPABLE, picked_per_line, ship_order
from wms.tabular import Column

blueprint = Blueprint("office_sales", __name__, url_prefix="/office")
blueprint.context_processor(order_template_helpers)

LIST_COLUMNS = (
    Column("number", _l("Order")), Column("customer", _l("Customer")),
    Column("customer_name", _l("Customer name")), Column("status", _l("Status")),
    Column("warehouse", _l("Warehouse")), Column("created_at", _l("Created")),
    Column("lines", _l("Lines")), Column("qty", _l("Ordered")),
    Column("shipped", _l("Shipped")), Column("total", _l("Value")),
)
LINE_COLUMNS = (
    Column("sku", _l("SKU")), Column("name", _l("Item")), Column("uom", _l("Unit")),
    Column("qty", _l("Ordered")), Column("picked", _l("Picked")),
    Column("shipped", _l("Shipped")), Column("unit_price", _l("Unit price")),
    Column("line_total", _l("Line total")),
)


def _db() -> Database:
    return current_app.extensions["wms.db"]


@blueprint.get("/sales-orders")
@permission_required("read")
def orders() -> Response:
    """The list for the office; for everyone the box that finds an order by number."""
    if not current_user.may("office"):
        return vary_on_htmx(render_template("office/sales/orders.html", page=None))
    window = page_window()
    status = request.args.get("status") or None
    status = status if status in SO_STATUSES else None
    customer = (request.args.get("customer") or "").strip()[:32] or None
    with _db().read() as s:
        page = list_sales_orders(s, status=status, customer=customer, limit=window.limit,
                                 offset=window.offset)
        if window.fmt:
            rows = [{"number": r.number, "customer": r.partner,
                     "customer_name": r.partner_name, "status": r.status,
                     "warehouse": r.warehouse or "",
                     "created_at": r.created_at.isoformat(timespec="seconds"),
                     "lines": r.lines, "qty": r.units, "shipped": r.done,
                     "total": money(r.value)} for r in page.rows]
            return file_response(window.fmt, in_language(LIST_COLUMNS), rows, "sales-orders")
        customers = partner_choices(s, Customer)
    template = ("office/sales/_rows.html" if request.headers.get("HX-Request")
                else "office/sales/orders.html")
    return vary_on_htmx(render_template(template, page=page, window=window, status=status,
                                 customer=customer, statuses=SO_STATUSES,
                                 customers=customers))


@blueprint.get("/orders/lookup")
@permission_required("read")
def lookup() -> Any:
    """Find a purchase or sales order by its number: straight to it when there is one."""
    number = (request.args.get("number") or "").strip()
    found = []
    if number:
        with _db().read() as s:
            found = find_order(s, number)
    if len(found) == 1:
        endpoint = ("office_purchasing.order" if found[0].kind == "purchase"
                    else "office_sales.order")
        return redirect(url_for(endpoint, number=found[0].number))
    status = 404 if number and not found else 200
    return render_template("office/sales/lookup.html", number=number, found=found), status


@blueprint.get("/orders/item-options")
@permission_required("orders")
def item_options() -> Response:
    """The items whose SKU or name matches what is typed, as options of the item list."""
    text = request.args.get("sku") or request.args.get("q") or ""
    with _db().read() as s:
        items = item_choices(s, text)
        return vary_on_htmx(render_template("office/_item_options.html", items=items))


def _form_context(s: Any, form: OrderForm) -> dict[str, Any]:
    return {"form": form, "customers": partner_choices(s, Customer),
            "warehouses": warehouse_choices(s), "item_options": item_choices(s, "")}


@blueprint.get("/sales-orders/new")
@permission_required("orders")
def new_order() -> str:
    settings = current_app.config["WMS_SETTINGS"]
    with _db().read() as s:
        number = suggest_number(s, "sales", warehouse_today(settings.timezone))
        form = OrderForm({"number": number}, blank_rows())
        return render_template("office/sales/form.html", **_form_context(s, form))


@blueprint.get("/sales-orders/line")
@permission_required("orders")
def line_row() -> Response:
    """One more empty line row for the form (htmx)."""
    return vary_on_htmx(render_template("office/_order_line.html", row=LineRow()))


@blueprint.post("/sales-orders/new")
@permission_required("orders")
def create_order() -> Any:
    fields = ("number", "customer", "warehouse", "ship_to")
    form = OrderForm({name: (request.form.get(name) or "").strip() for name in fields},
                     read_line_rows())
    lines = check_line_rows(form)
    if not form.values["customer"]:
        form.errors["customer"] = _("Choose a customer")
    if not form.values["number"]:
        form.errors["number"] = _("Type an order number of 1 to 40 characters")
    if len(form.values["ship_to"]) > 1000:
        form.errors["ship_to"] = _("The address is too long")
    if form.ok:
        try:
            with _db().write() as s:
                order = create_sales_order(s, form.values["number"], form.values["customer"],
                                           lines, current_user.id,
                                           form.values["warehouse"] or None,
                                           form.values["ship_to"] or None)
                number = order.number
            flash(_("Sales order %(number)s created", number=number), "info")
            return redirect(url_for("office_sales.order", number=number))
        except WmsError as error:
            form.errors["service"] = refusal(error)
    for problem in form.problems():
        flash(problem, "error")
    if not form.lines:
        form.lines = blank_rows(1)
    with _db().read() as s:
        return render_template("office/sales/form.html", **_form_context(s, form)), 422


@blueprint.get("/sales-orders/<number>")
@permission_required("read")
def order(number: str) -> Any:
    with _db().read() as s:
        try:
            so = get_sales_order(s, number)
        except UnknownOrder:
            abort(404)
        picked = picked_per_line(s, so)
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            rows = [{"sku": ln.item.sku, "name": ln.item.name, "uom": ln.item.uom,
                     "qty": ln.qty, "picked": picked.get(ln.id, 0), "shipped": ln.shipped,
                     "unit_price": money(ln.unit_price) or "",
                     "line_total": money(ln.qty * ln.unit_price) if ln.unit_price is not None
                     else ""} for ln in so.lines]
            return file_response(fmt, in_language(LINE_COLUMNS), rows, so.number)
        total = sum((ln.qty * ln.unit_price for ln in so.lines if ln.unit_price is not None),
                    start=0)
        unallocated = unallocated_per_line(s, so)
        return render_template(
            "office/sales/order.html", so=so, total=money(total) or "0.00", picked=picked,
            unallocated=unallocated, pick_lists=pick_lists_of(s, so),
            steps=sales_order_steps(s, so),
            may_allocate=so.status in ALLOCATABLE and bool(unallocated),
            may_cancel=so.status in SO_CANCELLABLE and units_picked(s, so) == 0,
            may_ship=so.status in SHIPPABLE)


def _back(number: str) -> WerkzeugResponse:
    return redirect(url_for("office_sales.order", number=number))


@blueprint.post("/sales-orders/<number>/allocate")
@permission_required("orders")
def allocate(number: str) -> WerkzeugResponse:
    settings = current_app.config["WMS_SETTINGS"]
    try:
        with _db().write() as s:
            result = create_pick_list(s, number, current_user.id,
                                      home_warehouse=settings.home_warehouse or None,
                                      today=warehouse_today(settings.timezone))
            tasks = len(result.pick_list.tasks)
            shortages = [(x.sku, x.qty) for x in result.shortages]
    except UnknownOrder:
        abort(404)
    except InsufficientStock:
        flash(_("Nothing could be allocated: there is no free stock for this order"),
              "error")
        return _back(number)
    except WmsError as error:
        flash(refusal(error), "error")
        return _back(number)
    flash(_("Pick list made with %(n)s tasks", n=tasks), "info")
    if shortages:
        flash(_("Short: %(lines)s", lines=", ".join(f"{sku} × {qty}"
                                                     for sku, qty in shortages)), "error")
    return _back(number)


@blueprint.post("/sales-orders/<number>/cancel")
@permission_required("orders")
def cancel_order(number: str) -> WerkzeugResponse:
    try:
        with _db().write() as s:
            cancel_sales_order(s, number, request.form.get("reason") or "", current_user.id)
        flash(_("Sales order %(number)s cancelled; its reserved stock is free again",
                number=number), "info")
    except UnknownOrder:
        abort(404)
    except WmsError as error:
        flash(refusal(error), "error")
    return _back(number)


@blueprint.post("/sales-orders/<number>/ship")
@permission_required("ship")
def ship(number: str) -> WerkzeugResponse:
    """Ship what was picked (and packed): the units leave the warehouse."""
    try:
        with _db().write() as s:
            _order, moves = ship_order(s, number, current_user.id)
            units = sum(move.qty for move in moves)
        flash(_("Sales order %(number)s shipped: %(n)s units left the warehouse",
                number=number, n=units), "info")
    except UnknownOrder:
        abort(404)
    except WmsError as error:
        flash(refusal(error), "error")
    return _back(number)
