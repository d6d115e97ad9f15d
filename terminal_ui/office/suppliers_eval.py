"""The office's supplier evaluation: suppliers side by side over a period (on-time, fill
and reject rates as bars, the average lead time), and one supplier's figures with the
prices of its order lines; both tables export to CSV and XLSX."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from terminal_ui.auth import permission_required
from terminal_ui.office.charts import grouped_bar_chart, percent
from terminal_ui.office.tables import file_response
from wms.db import Database
from wms.errors import UnknownRecord
from wms.reports.suppliers import (
    SupplierEvaluation,
    clamp_period,
    supplier_evaluation,
    supplier_ranking,
)
from wms.services.shelf_life import warehouse_today
from wms.tabular import FORMATS, Column

blueprint = Blueprint("office_suppliers_eval", __name__,
                      url_prefix="/office/supplier-evaluation")

RATES = (("on_time_rate", _l("On time"), "on-time"), ("fill_rate", _l("Fill rate"), "fill"),
         ("reject_rate", _l("Reject rate"), "reject"))


def _day(name: str) -> date | None:
    text = request.args.get(name) or ""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period() -> tuple[date, date]:
    """The period the query asks for; a year ending today by default."""
    last = _day("to") or warehouse_today(current_app.config["WMS_SETTINGS"].timezone)
    first = _day("from") or max(last, date(1901, 1, 1)) - timedelta(days=364)
    return clamp_period(first, last)


def _inverted(first: date, last: date) -> tuple[str | None, int]:
    """A message and 422 for a period that ends before it starts (it has no lines due)."""
    if last < first:
        return _("The period ends on or after the day it starts."), 422
    return None, 200


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _timezone() -> str:
    return str(current_app.config["WMS_SETTINGS"].timezone)


def _columns() -> list[Column]:
    return [Column("supplier", _("Supplier")), Column("name", _("Name")),
            Column("lines_due", _("Lines due")), Column("on_time_rate", _("On time")),
            Column("fill_rate", _("Fill rate")), Column("reject_rate", _("Reject rate")),
            Column("avg_lead_time_days", _("Average lead time (days)"))]


def _file_row(e: SupplierEvaluation) -> dict[str, Any]:
    return {"supplier": e.code, "name": e.name, "lines_due": e.lines_due,
            "on_time_rate": e.on_time_rate, "fill_rate": e.fill_rate,
            "reject_rate": e.reject_rate, "avg_lead_time_days": e.avg_lead_time_days}


@blueprint.get("/")
@permission_required("office")
def ranking() -> Any:
    """Every supplier with lines due in the period, best first, with the bar chart."""
    first, last = _period()
    problem, status = _inverted(first, last)
    with _db().read() as s:
        rows = supplier_ranking(s, first, last, _timezone())
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return file_response(fmt, _columns(), [_file_row(e) for e in rows],
                             "supplier-evaluation")
    chart = grouped_bar_chart(
        "suppliers", _("Suppliers side by side"), [e.code for e in rows],
        [(str(label), css) for _k, label, css in RATES],
        [[None if getattr(e, key) is None else float(getattr(e, key))
          for key, _l2, _c in RATES] for e in rows], top=1.0, axis=percent)
    return render_template("office/suppliers_eval/ranking.html", rows=rows, first=first,
                           last=last, chart=chart, problem=problem), status


@blueprint.get("/<code>")
@permission_required("office")
def supplier(code: str) -> Any:
    """One supplier's figures over the period and the prices it was paid."""
    first, last = _period()
    problem, status = _inverted(first, last)
    try:
        with _db().read() as s:
            evaluation = supplier_evaluation(s, code, first, last, _timezone())
    except UnknownRecord:
        abort(404)
    fmt = request.args.get("format")
    if fmt in FORMATS and evaluation is not None:
        return file_response(fmt, [Column("sku", _("SKU")), Column("date", _("Day")),
                                   Column("unit_price", _("Unit price"))],
                             [{"sku": p.sku, "date": p.day, "unit_price": p.unit_price}
                              for p in evaluation.price_history], f"prices-{code}")
    return render_template("office/suppliers_eval/supplier.html", e=evaluation, code=code,
                           first=first, last=last, problem=problem), status
