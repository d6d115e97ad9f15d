"""What the purchase and sales order rooms share. Each room is its own blueprint with its
own URLs and words; an `OrderRoom` says what differs (the partner, the statuses, the list
query, the templates) and does the rest the same way for both: the list that filters by
status and partner, pages and exports; the new order's form and its extra line rows; the
order's lines as a file and their value; an action on an order that comes back to it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
from terminal_ui.i18n import item_name
from terminal_ui.office.order_forms import (
    LineRow,
    OrderForm,
    blank_rows,
    in_language,
    read_line_rows,
    refusal,
)
from terminal_ui.office.tables import file_response, page_window, vary_on_htmx
from wms.db import Database
from wms.errors import UnknownOrder, WmsError
from wms.money import money
from wms.services.order_lists import (
    OrderPage,
    OrderRow,
    item_choices,
    partner_choices,
    suggest_number,
    warehouse_choices,
)
from wms.services.shelf_life import warehouse_today
from wms.tabular import Column


def db() -> Database:
    return current_app.extensions["wms.db"]


def find_or_404(get: Callable[[Any, str], Any], session: Any, number: str) -> Any:
    """The order `number` as `get` finds it; a 404 page when there is none."""
    try:
        return get(session, number)
    except UnknownOrder:
        abort(404)


def order_value(lines: Iterable[Any]) -> str:
    """What the priced lines of an order are worth, as money ("0.00" when none is priced)."""
    total = sum((ln.qty * ln.unit_price for ln in lines if ln.unit_price is not None),
                start=0)
    return money(total) or "0.00"


def read_form(fields: Sequence[str]) -> OrderForm:
    """The order form as posted: its `fields` stripped, and its line rows."""
    return OrderForm({name: (request.form.get(name) or "").strip() for name in fields},
                     read_line_rows())


def lines_file(fmt: str, columns: Sequence[Column], lines: Iterable[Any], name: str,
               progress: Callable[[Any], dict[str, Any]]) -> Response:
    """An order's lines as a file: SKU, item, unit, quantity, what `progress` says of the
    line (received, picked…), unit price and line total."""
    rows = [{"sku": ln.item.sku, "name": item_name(ln.item), "uom": ln.item.uom, "qty": ln.qty,
             **progress(ln), "unit_price": money(ln.unit_price) or "",
             "line_total": money(ln.qty * ln.unit_price) if ln.unit_price is not None
             else ""} for ln in lines]
    return file_response(fmt, in_language(columns), rows, name)


def list_columns(partner: Any, partner_name: Any, done: Any, *,
                 expected: bool = False) -> tuple[Column, ...]:
    """The columns of the list as a file: order, partner, its name, status, warehouse, the
    expected date when `expected`, created, lines, units ordered, units `done` (received or
    shipped) and value; the headers are given in the reader's language later."""
    return (
        Column("number", _l("Order")), Column("partner", partner),
        Column("partner_name", partner_name), Column("status", _l("Status")),
        Column("warehouse", _l("Warehouse")),
        *((Column("expected_date", _l("Expected date")),) if expected else ()),
        Column("created_at", _l("Created")), Column("lines", _l("Lines")),
        Column("qty", _l("Ordered")), Column("done", done), Column("total", _l("Value")),
    )


def _list_row(r: OrderRow) -> dict[str, Any]:
    return {"number": r.number, "partner": r.partner, "partner_name": r.partner_name,
            "status": r.status, "warehouse": r.warehouse or "",
            "expected_date": r.expected_date.isoformat() if r.expected_date else "",
            "created_at": r.created_at.isoformat(timespec="seconds"),
            "lines": r.lines, "qty": r.units, "done": r.done, "total": money(r.value)}


@dataclass(frozen=True)
class OrderRoom:
    """One order room: what is its own; the views below are the same for both rooms."""

    blueprint: Blueprint
    templates: str  # the room's template folder: "office/purchasing"
    kind: str  # "purchase" or "sales", for the suggested number
    partner: str  # the query string's and the form's name for the partner
    partner_model: type
    statuses: tuple[str, ...]
    list_orders: Callable[..., OrderPage]
    list_columns: Sequence[Column]  # keys: those of the list rows above
    file_name: str
    list_permission: str
    choose_partner: Any  # what a form without a partner is told, in the reader's language

    def template(self, name: str) -> str:
        return f"{self.templates}/{name}"

    def back(self, number: str) -> WerkzeugResponse:
        """To the order's page."""
        return redirect(url_for(f"{self.blueprint.name}.order", number=number))

    def add_routes(self, path: str) -> None:
        """The list (`path`), the new order's form (`path`/new) and one more line row for
        that form (`path`/line) on the room's blueprint."""
        self.blueprint.add_url_rule(
            path, "orders", permission_required(self.list_permission)(self.orders))
        self.blueprint.add_url_rule(
            f"{path}/new", "new_order", permission_required("orders")(self.new_order))
        self.blueprint.add_url_rule(
            f"{path}/line", "line_row", permission_required("orders")(line_row))

    def orders(self) -> Response:
        """The list for the office; for anyone else only the box that finds an order."""
        if not current_user.may("office"):
            return vary_on_htmx(render_template(self.template("orders.html"), page=None))
        window = page_window()
        status = request.args.get("status") or None
        status = status if status in self.statuses else None
        partner = (request.args.get(self.partner) or "").strip()[:32] or None
        with db().read() as s:
            page = self.list_orders(s, status=status, limit=window.limit,
                                    offset=window.offset, **{self.partner: partner})
            if window.fmt:
                return file_response(window.fmt, in_language(self.list_columns),
                                     map(_list_row, page.rows), self.file_name)
            partners = partner_choices(s, self.partner_model)
        name = "_rows.html" if request.headers.get("HX-Request") else "orders.html"
        return vary_on_htmx(render_template(
            self.template(name), page=page, window=window, status=status, partner=partner,
            statuses=self.statuses, partners=partners))

    def form_context(self, s: Any, form: OrderForm, **extra: Any) -> dict[str, Any]:
        return {"form": form, "partners": partner_choices(s, self.partner_model),
                "warehouses": warehouse_choices(s), "item_options": item_choices(s, ""),
                **extra}

    def new_order(self) -> str:
        settings = current_app.config["WMS_SETTINGS"]
        with db().read() as s:
            number = suggest_number(s, self.kind, warehouse_today(settings.timezone))
            form = OrderForm({"number": number}, blank_rows())
            return render_template(self.template("form.html"), **self.form_context(s, form))

    def refused(self, form: OrderForm, **extra: Any) -> tuple[str, int]:
        """The form again with its problems in the banner (422)."""
        for problem in form.problems():
            flash(problem, "error")
        with db().read() as s:
            if not form.lines:
                form.lines = blank_rows(1)
            return render_template(self.template("form.html"),
                                   **self.form_context(s, form, **extra)), 422

    def check_new(self, form: OrderForm) -> None:
        """A new order names its partner and its number."""
        if not form.values[self.partner]:
            form.errors[self.partner] = str(self.choose_partner)
        if not form.values["number"]:
            form.errors["number"] = _("Type an order number of 1 to 40 characters")

    def commit(self, form: OrderForm, write: Callable[[Any], str], done: Callable[[str], str],
               **extra: Any) -> Any:
        """The checked form saved by `write` (which returns the order's number), `done` said
        of it and back to the order; or the form again with its problems (and a 404 page
        for an order that is not there)."""
        if not form.ok:
            return self.refused(form, **extra)
        try:
            with db().write() as s:
                number = write(s)
        except UnknownOrder:
            abort(404)
        except WmsError as error:
            form.errors["service"] = refusal(error)
            return self.refused(form, **extra)
        flash(done(number), "info")
        return self.back(number)

    def act(self, number: str, act: Callable[[Any], Any],
            done: Callable[[Any], str]) -> WerkzeugResponse:
        """Do `act` on the order in one transaction and say `done` of what it returned, or
        the refusal; then back to the order's page (a 404 page for no such order)."""
        try:
            with db().write() as s:
                result = act(s)
            flash(done(result), "info")
        except UnknownOrder:
            abort(404)
        except WmsError as error:
            flash(refusal(error), "error")
        return self.back(number)


def line_row() -> Response:
    """One more empty line row for the order form (htmx)."""
    return vary_on_htmx(render_template("office/_order_line.html", row=LineRow()))
