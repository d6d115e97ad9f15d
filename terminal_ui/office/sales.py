"""The back office: sales orders. A list by status and customer that pages and exports;
create with lines and prices; allocate (a pick list in walking order, with shortages);
cancel with a reason (reserved units released); ship what was picked and packed; an
order's page with its steps, who and when. Any signed-in person finds an order by its number.
What it shares with the purchase order room is in terminal_ui/office/orders.py."""

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
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.office import orders
from terminal_ui.office.order_forms import check_line_rows, order_template_helpers, refusal
from terminal_ui.office.tables import vary_on_htmx
from wms.errors import InsufficientStock, UnknownOrder, WmsError
from wms.models import Customer
from wms.models.sales import SO_STATUSES
from wms.services.allocation import ALLOCATABLE, create_pick_list
from wms.services.order_changes import SO_CANCELLABLE, cancel_sales_order, units_picked
from wms.services.order_history import pick_lists_of, sales_order_steps, unallocated_per_line
from wms.services.order_lists import find_order, item_choices, list_sales_orders
from wms.services.orders import create_sales_order, get_sales_order
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import SHIPPABLE, picked_per_line, ship_order
from wms.tabular import Column

blueprint = Blueprint("office_sales", __name__, url_prefix="/office")
blueprint.context_processor(order_template_helpers)

ROOM = orders.OrderRoom(
    blueprint=blueprint, templates="office/sales", kind="sales", partner="customer",
    partner_model=Customer, statuses=SO_STATUSES, list_orders=list_sales_orders,
    list_columns=orders.list_columns(_l("Customer"), _l("Customer name"), _l("Shipped")),
    file_name="sales-orders", list_permission="read",
    choose_partner=_l("Choose a customer"),
)
ROOM.add_routes("/sales-orders")

LINE_COLUMNS = (
    Column("sku", _l("SKU")), Column("name", _l("Item")), Column("uom", _l("Unit")),
    Column("qty", _l("Ordered")), Column("picked", _l("Picked")),
    Column("shipped", _l("Shipped")), Column("unit_price", _l("Unit price")),
    Column("line_total", _l("Line total")),
)


@blueprint.get("/orders/lookup")
@permission_required("read")
def lookup() -> Any:
    """Find a purchase or sales order by its number: straight to it when there is one."""
    number = (request.args.get("number") or "").strip()
    found = []
    if number:
        with orders.db().read() as s:
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
    with orders.db().read() as s:
        items = item_choices(s, text)
        return vary_on_htmx(render_template("office/_item_options.html", items=items))


@blueprint.post("/sales-orders/new")
@permission_required("orders")
def create_order() -> Any:
    form = orders.read_form(("number", "customer", "warehouse", "ship_to"))
    lines = check_line_rows(form)
    ROOM.check_new(form)
    values = form.values
    if len(values["ship_to"]) > 1000:
        form.errors["ship_to"] = _("The address is too long")
    return ROOM.commit(
        form, lambda s: create_sales_order(
            s, values["number"], values["customer"], lines, current_user.id,
            values["warehouse"] or None, values["ship_to"] or None).number,
        lambda number: _("Sales order %(number)s created", number=number))


@blueprint.get("/sales-orders/<number>")
@permission_required("read")
def order(number: str) -> Any:
    with orders.db().read() as s:
        so = orders.find_or_404(get_sales_order, s, number)
        picked = picked_per_line(s, so)
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            return orders.lines_file(fmt, LINE_COLUMNS, so.lines, so.number,
                              lambda ln: {"picked": picked.get(ln.id, 0),
                                          "shipped": ln.shipped})
        unallocated = unallocated_per_line(s, so)
        return render_template(
            "office/sales/order.html", so=so, total=orders.order_value(so.lines), picked=picked,
            unallocated=unallocated, pick_lists=pick_lists_of(s, so),
            steps=sales_order_steps(s, so),
            may_allocate=so.status in ALLOCATABLE and bool(unallocated),
            may_cancel=so.status in SO_CANCELLABLE and units_picked(s, so) == 0,
            may_ship=so.status in SHIPPABLE)


@blueprint.post("/sales-orders/<number>/allocate")
@permission_required("orders")
def allocate(number: str) -> WerkzeugResponse:
    settings = current_app.config["WMS_SETTINGS"]
    try:
        with orders.db().write() as s:
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
        return ROOM.back(number)
    except WmsError as error:
        flash(refusal(error), "error")
        return ROOM.back(number)
    flash(ngettext("Pick list made with %(num)s task", "Pick list made with %(num)s tasks",
                   tasks), "info")
    if shortages:
        flash(_("Short: %(lines)s", lines=", ".join(f"{sku} × {qty}"
                                                     for sku, qty in shortages)), "error")
    return ROOM.back(number)


@blueprint.post("/sales-orders/<number>/cancel")
@permission_required("orders")
def cancel_order(number: str) -> WerkzeugResponse:
    reason = request.form.get("reason") or ""
    return ROOM.act(number, lambda s: cancel_sales_order(s, number, reason, current_user.id),
                    lambda _r: _(
                        "Sales order %(number)s cancelled; its reserved stock is free again",
                        number=number))


@blueprint.post("/sales-orders/<number>/ship")
@permission_required("ship")
def ship(number: str) -> WerkzeugResponse:
    """Ship what was picked (and packed): the units leave the warehouse."""

    def shipped(s: Any) -> int:
        _order, moves = ship_order(s, number, current_user.id)
        return sum(move.qty for move in moves)

    return ROOM.act(number, shipped, lambda units: ngettext(
        "Sales order %(number)s shipped: %(num)s unit left the warehouse",
        "Sales order %(number)s shipped: %(num)s units left the warehouse",
        units, number=number))
