"""The back office's returns room: a customer's goods taken back at a dock, goods sent back
to a supplier, the list of returns; and the quarantine page, with release, return to the
supplier and scrap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
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
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.i18n import item_name
from terminal_ui.office.tables import file_response, page_window, vary_on_htmx
from terminal_ui.reason_labels import reason_choices, reason_label
from terminal_ui.refusals import describe
from wms.db import Database
from wms.errors import Invalid, WmsError
from wms.models import Location, Supplier
from wms.money import money
from wms.reasons import CUSTOMER_RETURN_REASONS, SCRAP_REASONS, SUPPLIER_RETURN_REASONS
from wms.services.orders import get_sales_order
from wms.services.returns import (
    CustomerReturnLine,
    Returnable,
    SupplierReturnLine,
    list_returns,
    quarantined_stock,
    receive_customer_return,
    release_from_quarantine,
    returnable,
    send_supplier_return,
)
from wms.services.scrap import scrap_stock
from wms.tabular import Column

blueprint = Blueprint("office_returns", __name__, url_prefix="/office/returns")

DISPOSITIONS = {"restock": _l("Restock at the dock"), "quarantine": _l("Quarantine"),
                "scrap": _l("Scrap")}
KINDS = {"customer": _l("From a customer"), "supplier": _l("To a supplier")}
BLANK_LINES = 5


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _htmx() -> bool:
    """Whether an htmx request asks for the list alone (the page's table partial)."""
    return request.headers.get("HX-Request") == "true"


def _refuse(error: WmsError) -> None:
    """The refusal as a message in the reader's language, the service's words after it."""
    headline, detail = describe(error)
    flash(f"{headline}: {detail} ({error.message})" if detail else
          f"{headline}: {error.message}", "error")


def _whole(text: str | None, field: str) -> int:
    """A typed quantity: blank is 0; anything but a whole number is refused."""
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 9:
        raise Invalid(f"{field}: {text!r} is not a whole number", field="qty")
    return int(text)


# ---------------------------------------------------------------- the list


def _return_columns() -> list[Column]:
    return [Column("id", _("Return")), Column("kind", _("Kind")),
            Column("partner", _("Customer or supplier")), Column("order", _("Order")),
            Column("location", _("Location")), Column("lines", _("Lines")),
            Column("units", _("Units")), Column("value", _("Value")),
            Column("at", _("When")), Column("user", _("By"))]


@blueprint.get("/")
@permission_required("office")
def returns() -> Any:
    kind = request.args.get("kind") or None
    if kind not in (None, *KINDS):
        kind = None
    window = page_window()
    with _db().read() as s:
        rows, total = list_returns(s, kind=kind, limit=window.limit, offset=window.offset)
    if window.fmt:
        return file_response(window.fmt, _return_columns(), [
            {"id": r.id, "kind": str(KINDS[r.kind]), "partner": r.partner,
             "order": r.order or "", "location": r.location or "", "lines": r.lines,
             "units": r.units, "value": money(r.value), "at": r.at.isoformat(),
             "user": r.user or ""} for r in rows], "returns")
    return vary_on_htmx(render_template(
        "office/returns/_returns_table.html" if _htmx() else "office/returns/returns.html",
        rows=rows, total=total, window=window, kind=kind,
        kinds=KINDS, money=money))


# ---------------------------------------------------------------- a customer's return


def _docks(s: Any) -> list[str]:
    return list(s.scalars(select(Location.code).where(Location.kind == "dock")
                          .order_by(Location.code)))


@blueprint.route("/customer", methods=["GET", "POST"])
@permission_required("returns")
def customer_return() -> Any:
    form = request.form if request.method == "POST" else request.args
    number = (form.get("sales_order") or "").strip()
    customer = (form.get("customer") or "").strip()
    shipped: list[Returnable] = []
    with _db().read() as s:
        docks = _docks(s)
        if number:
            try:
                order = get_sales_order(s, number)
                shipped = [r for r in returnable(s, order) if r.remaining > 0]
                customer = customer or order.customer.code
                if not shipped:
                    flash(_("Sales order %(number)s has nothing that may still come back",
                            number=number), "error")
            except WmsError as error:
                _refuse(error)
                number = ""
    if request.method == "POST" and request.form.get("step") == "book":
        outcome = _book_customer_return(customer, number)
        if outcome is not None:
            return outcome
    return render_template(
        "office/returns/customer.html", number=number, customer=customer, shipped=shipped,
        docks=docks, dock=form.get("location") or (docks[0] if docks else ""),
        dispositions=DISPOSITIONS, reasons=reason_choices(CUSTOMER_RETURN_REASONS),
        blank=range(BLANK_LINES), form=request.form)


def _book_customer_return(customer: str, number: str) -> WerkzeugResponse | None:
    f = request.form
    try:
        lines = []
        for sku, lot, qty, disposition, reason in zip(
                f.getlist("sku"), f.getlist("lot"), f.getlist("qty"), f.getlist("disposition"),
                f.getlist("reason"), strict=False):
            n = _whole(qty, "qty")
            if sku.strip() and n:
                lines.append(CustomerReturnLine(sku.strip(), n, disposition, reason,
                                                lot.strip() or None,
                                                (f.get("note") or "").strip() or None))
        if not customer:
            raise Invalid("customer: say which customer sends the goods back",
                          field="customer")
        if not lines:
            raise Invalid("lines: type the quantity of at least one line", field="qty")
        with _db().write() as s:
            result = receive_customer_return(
                s, customer=customer, sales_order=number or None,
                location=f.get("location", ""), lines=lines, user_id=current_user.id)
            rid = result.stock_return.id
        flash(_("Return %(id)s booked", id=rid), "info")
        return redirect(url_for("office_returns.returns"))
    except WmsError as error:
        _refuse(error)
        return None


# ---------------------------------------------------------------- a return to a supplier


@blueprint.route("/supplier", methods=["GET", "POST"])
@permission_required("returns")
def supplier_return() -> Any:
    f = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            lines = []
            for sku, lot, qty, source, reason in zip(
                    f.getlist("sku"), f.getlist("lot"), f.getlist("qty"), f.getlist("from"),
                    f.getlist("reason"), strict=False):
                n = _whole(qty, "qty")
                if sku.strip() and n:
                    lines.append(SupplierReturnLine(sku.strip(), n, source.strip(), reason,
                                                    lot.strip() or None,
                                                    (f.get("note") or "").strip() or None))
            if not lines:
                raise Invalid("lines: type the quantity of at least one line", field="qty")
            with _db().write() as s:
                result = send_supplier_return(
                    s, supplier=f.get("supplier", ""), lines=lines, user_id=current_user.id,
                    purchase_order=(f.get("purchase_order") or "").strip() or None)
                rid = result.stock_return.id
            flash(_("Return %(id)s booked", id=rid), "info")
            return redirect(url_for("office_returns.returns"))
        except WmsError as error:
            _refuse(error)
    with _db().read() as s:
        suppliers = list(s.execute(select(Supplier.code, Supplier.name)
                                   .where(Supplier.active.is_(True)).order_by(Supplier.code)))
    return render_template(
        "office/returns/supplier.html", suppliers=suppliers, form=f,
        reasons=reason_choices(SUPPLIER_RETURN_REASONS), blank=range(BLANK_LINES))


# ---------------------------------------------------------------- quarantine


def _quarantine_columns() -> list[Column]:
    return [Column("sku", _("Item")), Column("name", _("Name")), Column("lot", _("Lot")),
            Column("qty", _("Quantity")), Column("location", _("Location")),
            Column("reason", _("Why")), Column("since", _("Since")),
            Column("value", _("Value"))]


@blueprint.get("/quarantine")
@permission_required("office")
def quarantine() -> Any:
    window = page_window()
    sku = (request.args.get("sku") or "").strip()[:64] or None
    with _db().read() as s:
        rows, total = quarantined_stock(s, limit=window.limit, offset=window.offset, sku=sku)
        suppliers = list(s.execute(select(Supplier.code, Supplier.name)
                                   .where(Supplier.active.is_(True)).order_by(Supplier.code)))
    if window.fmt:
        return file_response(window.fmt, _quarantine_columns(), [
            {"sku": r.sku, "name": item_name(r), "lot": r.lot or "", "qty": r.qty,
             "location": r.location, "reason": reason_label(r.reason, r.note),
             "since": r.since.isoformat() if r.since else "", "value": money(r.value)}
            for r in rows], "quarantine")
    return vary_on_htmx(render_template(
        "office/returns/_quarantine_table.html" if _htmx() else "office/returns/quarantine.html",
        rows=rows, total=total, window=window, sku=sku,
        suppliers=suppliers, money=money, reason_label=reason_label,
        supplier_reasons=reason_choices(SUPPLIER_RETURN_REASONS),
        scrap_reasons=reason_choices(SCRAP_REASONS)))


def _quarantine_action(act: Callable[[Any, int], str]) -> WerkzeugResponse:
    f = request.form
    try:
        qty = _whole(f.get("qty"), "qty")
        if qty <= 0:
            raise Invalid("qty: type how many units", field="qty")
        with _db().write() as s:
            message = act(s, qty)
        flash(message, "info")
    except WmsError as error:
        _refuse(error)
    return redirect(url_for("office_returns.quarantine"))


@blueprint.post("/quarantine/release")
@permission_required("release")
def release() -> WerkzeugResponse:
    f = request.form

    def act(s: Any, qty: int) -> str:
        release_from_quarantine(s, sku=f.get("sku", ""), lot=f.get("lot") or None, qty=qty,
                                from_location=f.get("from", ""), to_location=f.get("to", ""),
                                user_id=current_user.id)
        return _("Released %(qty)s × %(sku)s to %(to)s", qty=qty, sku=f.get("sku"),
                 to=f.get("to", "").strip().upper())

    return _quarantine_action(act)


@blueprint.post("/quarantine/return")
@permission_required("returns")
def return_to_supplier() -> WerkzeugResponse:
    f = request.form

    def act(s: Any, qty: int) -> str:
        result = send_supplier_return(s, supplier=f.get("supplier", ""), user_id=current_user.id,
                                      lines=[SupplierReturnLine(
                                          f.get("sku", ""), qty, f.get("from", ""),
                                          f.get("reason", ""), f.get("lot") or None,
                                          (f.get("note") or "").strip() or None)])
        return _("Return %(id)s booked", id=result.stock_return.id)

    return _quarantine_action(act)


@blueprint.post("/quarantine/scrap")
@permission_required("scrap")
def scrap() -> WerkzeugResponse:
    f = request.form

    def act(s: Any, qty: int) -> str:
        scrap_stock(s, sku=f.get("sku", ""), qty=qty, location=f.get("from", ""),
                    reason=f.get("reason", ""), lot=f.get("lot") or None,
                    note=(f.get("note") or "").strip() or None, user_id=current_user.id)
        return _("Scrapped %(qty)s × %(sku)s", qty=qty, sku=f.get("sku"))

    return _quarantine_action(act)
