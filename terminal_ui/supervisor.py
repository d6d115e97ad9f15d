"""The supervisor's page: count variances to approve, orders being picked, shortages,
expired stock and each warehouse's replenishment alerts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.office.gateway_status import trouble_line
from terminal_ui.office.replenishment import alert_label, figure
from terminal_ui.refusals import describe
from terminal_ui.scan_pages import apply_once, db, new_scan_id
from wms.errors import WmsError
from wms.reports.replenishment import alerted_by_warehouse, alerts_by_warehouse
from wms.services.counting import Thresholds, approve_count, variances_of
from wms.services.floor_lists import (
    counts_to_approve,
    counts_to_work,
    expired_stock,
    orders_to_pick,
    units_short,
)
from wms.services.shelf_life import warehouse_today

blueprint = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def _thresholds() -> Thresholds:
    settings = current_app.config["WMS_SETTINGS"]
    return Thresholds(settings.count_variance_pct, settings.count_variance_units)


# Alerted items listed per warehouse on this page; the rest are a link away.
ALERTS_SHOWN = 20


@blueprint.get("/")
@permission_required("approve")
def overview() -> str:
    timezone = current_app.config["WMS_SETTINGS"].timezone
    today = warehouse_today(timezone)
    with db().read() as s:
        alerted = alerted_by_warehouse(s, today, timezone)
        alerts = [(w, [row for row in alerted if row.warehouse == w.warehouse][:ALERTS_SHOWN])
                  for w in alerts_by_warehouse(s, today, timezone, alerted)]
        to_approve = [(count, variances_of(s, count, _thresholds()))
                      for count in counts_to_approve(s)]
        return render_template(
            "supervisor/overview.html", to_approve=to_approve, counting=counts_to_work(s),
            picking=orders_to_pick(s), shortages=units_short(s),
            expired=expired_stock(s, today), alerts=alerts,
            alert_label=alert_label, figure=figure, replenishment_page="office_replenishment.rows"
            in current_app.view_functions, scan_id=new_scan_id(),
            trouble=trouble_line())


@blueprint.post("/counts/<int(max=2147483647):count_id>/approve")
@permission_required("approve")
def approve(count_id: int) -> Response:
    def work(session: Any) -> dict[str, Any]:
        _count, moves = approve_count(session, count_id, current_user.id)
        return {"adjustments": len(moves)}

    try:
        reply = apply_once(request.form.get("scan_id", ""), {"approve": count_id}, work)
        flash(ngettext("Count %(id)s approved: %(num)s adjustment posted",
                       "Count %(id)s approved: %(num)s adjustments posted",
                       reply["adjustments"], id=count_id), "ok")
    except WmsError as error:
        headline, detail = describe(error)
        flash(f"{headline} {detail}".strip(), "error")
    return redirect(url_for("supervisor.overview"))
