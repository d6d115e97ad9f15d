"""The back office: replenishment. Per item (in one warehouse or all), on hand, on order,
the daily demand, safety stock, reorder point, the seeds' purchase quantity beside the
order-up-to quantity and the alert, filtered, paged and exported; tick the rows and make
draft purchase orders, one per supplier, for the buyer to edit and send."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.i18n import item_name
from terminal_ui.office.order_forms import in_language, refusal
from terminal_ui.office.tables import file_response, page_window
from wms.db import Database
from wms.errors import UnknownRecord, WmsError
from wms.reports.replenishment import (
    ALERTS,
    ReplenishmentQuery,
    ReplenishmentRow,
    replenishment,
)
from wms.services.item_list import categories
from wms.services.order_lists import warehouse_choices
from wms.services.replenishment_orders import make_draft_purchase_orders
from wms.services.shelf_life import warehouse_today
from wms.tabular import Column

blueprint = Blueprint("office_replenishment", __name__, url_prefix="/office/replenishment")

ALERT_LABELS = {
    "below_safety_stock": _l("Below safety stock"),
    "below_reorder_point": _l("Below reorder point"),
    "above_max": _l("Above maximum"),
}
SOURCE_LABELS = {"computed": _l("computed"), "fixed": _l("fixed")}
# How an item's daily demand is forecast (stored as these codes on the item).
FORECAST_METHOD_LABELS = {"moving_average": _l("Moving average"),
                          "exp_smoothing": _l("Exponential smoothing"),
                          "auto": _l("Automatic (the better fit)")}

COLUMNS = (
    Column("sku", _l("SKU")), Column("name", _l("Item")), Column("category", _l("Category")),
    Column("warehouse", _l("Warehouse")), Column("on_hand", _l("On hand")),
    Column("on_order", _l("On order")), Column("demand", _l("Demand")),
    Column("avg_daily_demand", _l("Average daily demand")),
    Column("demand_method", _l("Forecast by")),
    Column("lead_time_days", _l("Lead time (days)")),
    Column("review_period_days", _l("Review period (days)")),
    Column("safety_stock", _l("Safety stock")),
    Column("safety_stock_source", _l("Safety stock is")),
    Column("reorder_point", _l("Reorder point")),
    Column("suggested_qty", _l("Suggested quantity")),
    Column("order_up_to_qty", _l("Order-up-to quantity")),
    Column("pack_size", _l("Pack size")), Column("max_qty", _l("Maximum")),
    Column("supplier", _l("Supplier")), Column("alert", _l("Alert")),
)


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _vary(body: str, status: int = 200) -> Response:
    response = Response(body, status=status)
    response.headers["Vary"] = "HX-Request"
    return response


def method_label(code: str | None) -> str:
    """An item's forecast method in the reader's language (its code when unknown)."""
    label = FORECAST_METHOD_LABELS.get(code or "")
    return str(label) if label is not None else str(code or "—")


def alert_label(code: str | None) -> str:
    """An alert in the reader's language ("" for none)."""
    return str(ALERT_LABELS[code]) if code in ALERT_LABELS else ""


def figure(value: Decimal) -> str:
    """A computed figure as the reader's locale writes numbers, to two places at most
    (60, 8.57, 1,234.5); the exports and the API keep every place."""
    return format_decimal(value, "#,##0.##")


def _file_row(row: ReplenishmentRow) -> dict[str, Any]:
    return {"sku": row.sku, "name": item_name(row), "category": row.category or "",
            "warehouse": row.warehouse or "", "on_hand": row.on_hand,
            "on_order": row.on_order, "demand": row.demand,
            "avg_daily_demand": row.avg_daily_demand,
            "demand_method": method_label(row.demand_method),
            "lead_time_days": row.lead_time_days,
            "review_period_days": row.review_period_days, "safety_stock": row.safety_stock,
            "safety_stock_source": str(SOURCE_LABELS[row.safety_stock_source]),
            "reorder_point": row.reorder_point, "suggested_qty": row.suggested_qty,
            "order_up_to_qty": row.order_up_to_qty, "pack_size": row.pack_size,
            "max_qty": "" if row.max_qty is None else row.max_qty,
            "supplier": row.supplier or "", "alert": alert_label(row.alert)}


def _filters() -> ReplenishmentQuery:
    alert = request.args.get("alert") or None
    return ReplenishmentQuery(
        warehouse=(request.args.get("warehouse") or "").strip()[:20] or None,
        category=(request.args.get("category") or "").strip()[:64] or None,
        alert=alert if alert in ("any", *ALERTS) else None)


@blueprint.get("")
@permission_required("office")
def rows() -> Response:
    window = page_window()
    query = _filters()
    timezone = current_app.config["WMS_SETTINGS"].timezone
    status = 200
    with _db().read() as s:
        try:
            found = replenishment(s, warehouse_today(timezone), timezone, query)
        except UnknownRecord:
            flash(_("No warehouse %(code)s", code=query.warehouse), "error")
            query = ReplenishmentQuery(category=query.category, alert=query.alert)
            found, status = [], 422
        if window.fmt:
            return file_response(window.fmt, in_language(COLUMNS),
                                 [_file_row(row) for row in found], "replenishment")
        end = None if window.limit is None else window.offset + window.limit
        context = {"rows": found[window.offset:end], "total": len(found), "window": window,
                   "query": query, "warehouses": warehouse_choices(s),
                   "categories": categories(s), "alert_label": alert_label, "figure": figure,
                   "source_labels": SOURCE_LABELS, "method_label": method_label,
                   "may_order": current_user.may("orders")}
    template = ("office/replenishment/_rows.html" if request.headers.get("HX-Request")
                else "office/replenishment/rows.html")
    return _vary(render_template(template, **context), status)


@blueprint.post("/purchase-orders")
@permission_required("orders")
def make_drafts() -> Any:
    skus = [sku for sku in request.form.getlist("sku") if sku.strip()][:10_000]
    warehouse = (request.form.get("warehouse") or "").strip()[:20] or None
    back = url_for("office_replenishment.rows", warehouse=warehouse or None)
    if not skus:
        flash(_("Tick the items to order"), "error")
        return redirect(back)
    timezone = current_app.config["WMS_SETTINGS"].timezone
    try:
        with _db().write() as s:
            made = make_draft_purchase_orders(s, warehouse_today(timezone), timezone,
                                              current_user.id, skus=skus, warehouse=warehouse)
    except WmsError as error:
        refused = error.details.get("skus")
        problem = (_("These items are not active: %(skus)s",
                     skus=", ".join(str(sku) for sku in refused))
                   if isinstance(refused, list) else refusal(error))
        flash(_("Nothing was ordered: %(problem)s", problem=problem), "error")
        return redirect(back)
    return _drafts_page(made.numbers, made.without_supplier)


def _drafts_page(numbers: list[str], without_supplier: list[str]) -> WerkzeugResponse | str:
    if not numbers and not without_supplier:
        flash(_("None of the ticked items needs ordering"), "info")
        return redirect(url_for("office_replenishment.rows"))
    return render_template("office/replenishment/drafts.html", numbers=numbers,
                           without_supplier=without_supplier)
