"""The office's forecast page: an item's daily demand drawn against the forecast of the
method the buyer picks (moving average or exponential smoothing), the error (MAPE) of each
method over the history so the buyer sees which fits, and the history as a table that
exports to CSV and XLSX. Beside it, the method the item's replenishment forecasts its daily
demand with (moving average, exponential smoothing or automatic: the better fit), the
figure that gives, and a form that sets it (an audited change of the item)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.office.charts import Chart, line_chart
from terminal_ui.office.replenishment import FORECAST_METHOD_LABELS, figure, method_label
from terminal_ui.office.tables import file_response
from wms.db import Database
from wms.errors import Invalid, WmsError
from wms.reports.forecast import (
    DEFAULT_ALPHA,
    DEFAULT_DAYS,
    DEFAULT_WINDOW,
    Forecast,
    ForecastQuery,
    ItemForecast,
    forecast,
    item_forecast,
)
from wms.services.items import set_forecast_method
from wms.services.shelf_life import warehouse_today
from wms.tabular import FORMATS, Column

blueprint = Blueprint("office_forecast", __name__, url_prefix="/office/forecast")

METHOD_LABELS = {"moving_average": _l("Moving average"),
                 "exp_smoothing": _l("Exponential smoothing")}
# The methods an item keeps for its replenishment (stored as these codes).
ITEM_METHOD_LABELS = FORECAST_METHOD_LABELS


def _whole(name: str, default: int) -> int:
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not (text.isdigit() and len(text) <= 5):
        raise Invalid(name, field=name)
    return int(text)


def _query() -> ForecastQuery:
    settings = current_app.config["WMS_SETTINGS"]
    args = request.args
    try:
        alpha = Decimal(args.get("alpha") or DEFAULT_ALPHA)
    except InvalidOperation:
        raise Invalid("alpha", field="alpha") from None
    if not alpha.is_finite():
        raise Invalid("alpha", field="alpha")
    return ForecastQuery(sku=(args.get("sku") or "").strip()[:64],
                         today=warehouse_today(settings.timezone),
                         timezone=settings.timezone,
                         method=args.get("method") or "moving_average",
                         window=_whole("window", DEFAULT_WINDOW), alpha=alpha,
                         days=_whole("days", DEFAULT_DAYS))


def _problem(error: WmsError) -> str:
    field = str(error.details.get("field", ""))
    return str({
        "method": _l("Choose moving average or exponential smoothing."),
        "window": _l("The window is a whole number of days, from 1 to 3660."),
        "alpha": _l("Alpha is a number above 0 and at most 1, e.g. 0.3."),
        "days": _l("The history is a whole number of days, from 1 to 3660."),
    }.get(field, _l("No item has this SKU or barcode.")))


def _chart(result: Forecast) -> Chart:
    labels = [d.day.strftime("%m-%d") for d in result.history]
    fitted = [None if d.fitted is None else float(d.fitted) for d in result.history]
    return line_chart("forecast", _("Daily demand and forecast"), labels,
                      [(_("Demand"), "demand", [float(d.demand) for d in result.history]),
                       (_("Forecast"), "forecast", fitted)])


def _columns() -> list[Column]:
    return [Column("date", _("Day")), Column("demand", _("Demand")),
            Column("forecast", _("Forecast"))]


@blueprint.get("/")
@permission_required("office")
def index() -> Any:
    """The forecast of the item the query names (the form alone without one)."""
    db: Database = current_app.extensions["wms.db"]
    result, problem, status = None, None, 200
    kept: ItemForecast | None = None
    sku = (request.args.get("sku") or "").strip()
    query = None
    try:
        query = _query()
        if sku:
            with db.read() as s:
                result = forecast(s, query)
                kept = item_forecast(s, result.item, query.today, query.timezone)
    except WmsError as error:
        problem, status = _problem(error), 422
    fmt = request.args.get("format")
    if result is not None and fmt in FORMATS:
        rows = [{"date": d.day, "demand": d.demand, "forecast": d.fitted}
                for d in result.history]
        return file_response(fmt, _columns(), rows, f"forecast-{result.item.sku}")
    return render_template("office/forecast/index.html", result=result, query=query,
                           problem=problem, chart=_chart(result) if result else None,
                           methods=METHOD_LABELS, kept=kept, figure=figure,
                           item_methods=ITEM_METHOD_LABELS), status


# The query of the page the method was set from, kept across the redirect back.
KEPT_ARGS = ("sku", "method", "window", "alpha", "days")


@blueprint.post("/method")
@permission_required("office")
def set_method() -> WerkzeugResponse:
    """Keep the method the item's replenishment forecasts its daily demand with."""
    db: Database = current_app.extensions["wms.db"]
    sku = (request.form.get("sku") or "").strip()[:64]
    code = request.form.get("forecast_method") or ""
    back: dict[str, Any] = {name: request.form[name] for name in KEPT_ARGS
                            if request.form.get(name)}
    try:
        with db.write() as s:
            item = set_forecast_method(s, sku, code, current_user.id)
            sku = item.sku
    except WmsError as error:
        field = str(error.details.get("field", ""))
        flash(_("Choose a method from the list.") if field == "forecast_method"
              else _("No item has this SKU or barcode."), "error")
    else:
        flash(_("%(sku)s: the replenishment now forecasts by %(method)s",
                sku=sku, method=method_label(code)), "ok")
    return redirect(url_for("office_forecast.index", **back))
