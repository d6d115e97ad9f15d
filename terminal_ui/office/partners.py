"""The office's suppliers and customers: lists with a search, create and edit, deactivate,
and each one's orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.office.tables import file_response, page_window
from wms.db import Database
from wms.errors import Conflict, Invalid, UnknownRecord, WmsError
from wms.models import Customer, Supplier
from wms.services.lookup import find_customer, find_supplier
from wms.services.masterdata import PARTNER_FIELDS, upsert_partner
from wms.services.partners import (
    create_partner,
    customer_orders,
    list_partners,
    supplier_orders,
)
from wms.tabular import Column

blueprint = Blueprint("office_partners", __name__, url_prefix="/office")

# Tiers the pages suggest, as the reader's language names them; any other tier a business
# uses is shown as typed.
TIER_LABELS: dict[str, LazyString] = {
    "strategic": _l("strategic"), "regular": _l("regular"), "trial": _l("trial"),
    "vip": _l("VIP"), "standard": _l("standard"),
}
SUPPLIER_TIERS = ("strategic", "regular", "trial")
CUSTOMER_TIERS = ("vip", "standard")

FIELD_LABELS: dict[str, LazyString] = {
    "code": _l("Code"), "name": _l("Name"), "tier": _l("Tier"), "contact": _l("Contact"),
    "phone": _l("Phone"), "email": _l("E-mail"), "lead_time_days": _l("Lead time (days)"),
    "address": _l("Address"), "notes": _l("Notes"), "active": _l("Active"),
}


@dataclass(frozen=True)
class PartnerKind:
    """What differs between the supplier and the customer pages."""

    model: Any
    name: str  # the endpoint's stem: "supplier" or "customer"
    title: LazyString
    one: LazyString
    new: LazyString
    tiers: tuple[str, ...]
    orders_title: LazyString
    order_endpoint: str
    order_path: str

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields its form edits (activity has a button of its own)."""
        return tuple(f for f in PARTNER_FIELDS[self.model] if f != "active")


SUPPLIERS = PartnerKind(Supplier, "supplier", _l("Suppliers"), _l("Supplier"),
                        _l("New supplier"), SUPPLIER_TIERS, _l("Purchase orders"),
                        "office_purchasing.order", "/office/purchase-orders/")
CUSTOMERS = PartnerKind(Customer, "customer", _l("Customers"), _l("Customer"),
                        _l("New customer"), CUSTOMER_TIERS, _l("Sales orders"),
                        "office_sales.order", "/office/sales-orders/")


def tier_label(tier: str | None) -> str:
    """A tier in the reader's language (a tier of the business's own as typed)."""
    return "" if not tier else str(TIER_LABELS.get(tier, tier))


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _order_link(kind: PartnerKind, number: str) -> str:
    """Where an order's own page is: its office room's endpoint when there is one."""
    if kind.order_endpoint in current_app.view_functions:
        try:
            return url_for(kind.order_endpoint, number=number)
        except BuildError:
            pass
    return kind.order_path + number


def _page(template: str, kind: PartnerKind, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(
        template, kind=kind, tier_label=tier_label, tier_labels=TIER_LABELS,
        field_labels=FIELD_LABELS, **context), status)
    response.vary.add("HX-Request")
    return response


def _problem(error: WmsError) -> str:
    field = str(error.details.get("field", ""))
    if isinstance(error, Conflict):
        return _("%(code)s exists already", code=error.details.get("code", ""))
    return str({
        "code": _("Code: 1 to 32 characters"),
        "name": _("Name: required, at most 200 characters"),
        "email": _("E-mail: an address like name@example.com"),
        "lead_time_days": _("Lead time: a whole number of days from 0 to 3650"),
        "tier": _("Tier: at most 32 characters"),
        "phone": _("Phone: at most 64 characters"),
        "contact": _("Contact: at most 200 characters"),
        "address": _("Address: at most 1000 characters"),
        "notes": _("Notes: at most 4000 characters"),
    }.get(field, _("Not accepted")))


def _form_values(kind: PartnerKind) -> dict[str, Any]:
    """The form's fields as the service takes them; empty text clears a field."""
    values: dict[str, Any] = {}
    for field in kind.fields:
        text = request.form.get(field, "")
        if field == "lead_time_days":
            text = text.strip()
            if text and not (text.isdigit() and len(text) <= 6):
                raise Invalid("lead_time_days: a whole number", field="lead_time_days")
            values[field] = int(text) if text else None
        else:
            values[field] = text
    return values


# ---------------------------------------------------------------- lists


def _list(kind: PartnerKind) -> Response:
    window = page_window()
    q = request.args.get("q", "")[:200]
    active = {"yes": True, "no": False}.get(request.args.get("active", ""))
    with _db().read() as s:
        rows, total = list_partners(s, kind.model, q=q, active=active, limit=window.limit,
                                    offset=window.offset)
        if window.fmt:
            columns = ["code", *kind.fields, "active"]
            data = [{**{f: getattr(row, f) for f in columns},
                     "active": _("yes") if row.active else _("no")} for row in rows]
            return file_response(window.fmt, [Column(f, str(FIELD_LABELS[f]))
                                              for f in columns], data, f"{kind.name}s")
        template = "office/partners/_list.html" if request.headers.get("HX-Request") \
            else "office/partners/list.html"
        return _page(template, kind, rows=rows, total=total, window=window, q=q,
                     active=request.args.get("active", ""))


@blueprint.get("/suppliers")
@permission_required("office")
def suppliers() -> Response:
    return _list(SUPPLIERS)


@blueprint.get("/customers")
@permission_required("office")
def customers() -> Response:
    return _list(CUSTOMERS)


# ---------------------------------------------------------------- create


def _create(kind: PartnerKind) -> Response | WerkzeugResponse:
    if request.method == "GET":
        return _page("office/partners/form.html", kind, partner=None, form={}, problem=None)
    code = request.form.get("code", "").strip()
    try:
        values = _form_values(kind)
        with _db().write() as s:
            create_partner(s, kind.model, code, values, current_user.id)
    except WmsError as error:
        return _page("office/partners/form.html", kind, 422, partner=None, form=request.form,
                     problem=_problem(error))
    flash(_("%(code)s saved", code=code), "info")
    return redirect(url_for(f"office_partners.{kind.name}", code=code), 303)


@blueprint.route("/suppliers/new", methods=["GET", "POST"])
@permission_required("master_data")
def new_supplier() -> Response | WerkzeugResponse:
    return _create(SUPPLIERS)


@blueprint.route("/customers/new", methods=["GET", "POST"])
@permission_required("master_data")
def new_customer() -> Response | WerkzeugResponse:
    return _create(CUSTOMERS)


# ---------------------------------------------------------------- one partner


def _show(kind: PartnerKind, code: str) -> Response | WerkzeugResponse | tuple[str, int]:
    problem = None
    status = 200
    if request.method == "POST":
        if not current_user.may("master_data"):
            return render_template("errors/forbidden.html"), 403
        try:
            values = _form_values(kind)
            with _db().write() as s:
                _find(kind, s, code)
                upsert_partner(s, kind.model, code, values, current_user.id)
            flash(_("%(code)s saved", code=code), "info")
            return redirect(url_for(f"office_partners.{kind.name}", code=code), 303)
        except UnknownRecord:
            abort(404)
        except WmsError as error:
            problem, status = _problem(error), 422
    with _db().read() as s:
        try:
            partner = _find(kind, s, code)
        except UnknownRecord:
            abort(404)
        orders = (supplier_orders if kind is SUPPLIERS else customer_orders)(s, partner)
        return _page("office/partners/partner.html", kind, status, partner=partner,
                     orders=[(order, _order_link(kind, order.number)) for order in orders],
                     form=request.form if problem else {}, problem=problem)


def _find(kind: PartnerKind, session: Any, code: str) -> Any:
    return (find_supplier if kind is SUPPLIERS else find_customer)(session, code)


@blueprint.route("/suppliers/<code>", methods=["GET", "POST"])
@permission_required("office")
def supplier(code: str) -> Response | WerkzeugResponse | tuple[str, int]:
    return _show(SUPPLIERS, code)


@blueprint.route("/customers/<code>", methods=["GET", "POST"])
@permission_required("office")
def customer(code: str) -> Response | WerkzeugResponse | tuple[str, int]:
    return _show(CUSTOMERS, code)


def _set_active(kind: PartnerKind, code: str) -> WerkzeugResponse:
    active = request.form.get("active") == "1"
    with _db().write() as s:
        try:
            _find(kind, s, code)
        except UnknownRecord:
            abort(404)
        upsert_partner(s, kind.model, code, {"active": active}, current_user.id)
    flash(_("%(code)s is active again", code=code) if active
          else _("%(code)s deactivated", code=code), "info")
    return redirect(url_for(f"office_partners.{kind.name}", code=code), 303)


@blueprint.post("/suppliers/<code>/active")
@permission_required("master_data")
def supplier_active(code: str) -> WerkzeugResponse:
    return _set_active(SUPPLIERS, code)


@blueprint.post("/customers/<code>/active")
@permission_required("master_data")
def customer_active(code: str) -> WerkzeugResponse:
    return _set_active(CUSTOMERS, code)
