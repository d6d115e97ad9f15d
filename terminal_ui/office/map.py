"""The office's warehouse map: the bins of a warehouse by zone, aisle, bay and level,
coloured by fill (units against capacity), by pick frequency or by days since the last
count, blocked and quarantine bins marked; a click on a bin shows what it holds (an htmx
partial; without script, the bin form does the same)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from terminal_ui.auth import permission_required
from terminal_ui.office.map_drawing import draw_zones
from wms.db import Database
from wms.errors import WarehouseNotAllowed, WmsError
from wms.models import Warehouse
from wms.reports.warehouse_map import COLORS, DEFAULT_PICK_DAYS, warehouse_map
from wms.services.lookup import find_location
from wms.services.shelf_life import warehouse_today
from wms.services.stock_queries import stock_rows

blueprint = Blueprint("office_map", __name__, url_prefix="/office/map")

COLOR_LABELS = {"fill": _l("Fill"), "picks": _l("Picks"),
                "count_age": _l("Days since last count")}


def legend(color: str, most_picks: int) -> list[tuple[str, str]]:
    """(band class, meaning) of each colour band of the view."""
    if color == "fill":
        return [("b0", _("empty")), ("b1", _("up to 25 %")), ("b2", _("up to 50 %")),
                ("b3", _("up to 75 %")), ("b4", _("up to 100 %")), ("b5", _("over capacity")),
                ("bn", _("no capacity set"))]
    if color == "picks":
        quarter = most_picks / 4
        return [("b0", _("not picked"))] + [
            (f"b{n}", ngettext("up to %(num)s pick", "up to %(num)s picks", round(quarter * n)))
            for n in range(1, 5)]
    return [("b1", _("within 7 days")), ("b2", _("within 30 days")),
            ("b3", _("within 90 days")), ("b4", _("longer ago")), ("bn", _("never counted"))]


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _days() -> int:
    text = request.args.get("days") or ""
    return int(text) if text.isdigit() and len(text) <= 4 else DEFAULT_PICK_DAYS


@blueprint.get("/")
@permission_required("office")
def index() -> Any:
    """The map of the chosen warehouse (the first one by default) in the chosen colours."""
    settings = current_app.config["WMS_SETTINGS"]
    asked = request.args.get("color") or "fill"
    color = asked if asked in COLORS else "fill"
    with _db().read() as s:
        warehouses = list(s.execute(select(Warehouse.code, Warehouse.name)
                                    .order_by(Warehouse.code)))
        chosen = request.args.get("warehouse") or (warehouses[0][0] if warehouses else "")
        drawn, problem, status = None, None, 200
        if chosen:
            try:
                drawn = warehouse_map(s, chosen, color,
                                      today=warehouse_today(settings.timezone),
                                      timezone=settings.timezone, days=_days())
            except WmsError as error:
                problem, status = error.message, 404 if error.status == 404 else 422
    zones = draw_zones(drawn.bins) if drawn else []
    return render_template("office/map/index.html", warehouses=warehouses, chosen=chosen,
                           color=color, colors=COLOR_LABELS, drawn=drawn, zones=zones,
                           legend=legend(color, drawn.most_picks if drawn else 0),
                           problem=problem, days=_days()), status


@blueprint.get("/bin")
@permission_required("office")
def bin_contents() -> Any:
    """What one bin holds: the partial for a click on the map, or a page of its own."""
    code = (request.args.get("code") or "").strip()[:40]
    status, location, rows, problem = 200, None, [], None
    with _db().read() as s:
        try:
            location = find_location(s, code)
            rows = stock_rows(s, location=location.code)
        except WarehouseNotAllowed as error:
            status, problem = 403, _("You may not work in warehouse %(warehouse)s.",
                                     warehouse=error.details.get("warehouse", ""))
        except WmsError:
            status, problem = 404, _("No location has the code %(code)s.", code=code)
    template = ("office/map/_bin.html" if request.headers.get("HX-Request")
                else "office/map/bin.html")
    response = make_response(render_template(template, location=location, rows=rows,
                                             problem=problem, code=code), status)
    response.vary.add("HX-Request")
    return response
