"""The office's home: today's numbers at a glance, each a link to where the work is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from terminal_ui.auth import permission_required
from terminal_ui.office.gateway_status import trouble_line
from wms.db import Database
from wms.reports.replenishment import WarehouseAlerts, alerts_by_warehouse
from wms.services.shelf_life import warehouse_today
from wms.services.todays_numbers import TodaysNumbers, todays_numbers

blueprint = Blueprint("office_home", __name__, url_prefix="/office")


@dataclass(frozen=True)
class Target:
    """A page a number links to: its endpoint, the permission it needs, its query."""

    endpoint: str
    permission: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Tile:
    label: object
    value: str
    href: str | None


SUPERVISOR = Target("supervisor.overview", "approve")

# Each number's pages, best first: the office room when it is there, else a floor page.
TARGETS: dict[str, tuple[Target, ...]] = {
    "orders_to_pick": (Target("office_sales.orders", "read", (("status", "open"),)),
                       SUPERVISOR),
    "receipts_due": (Target("office_purchasing.orders", "office", (("status", "open"),)),
                     SUPERVISOR),
    "receipts_this_week": (Target("office_purchasing.orders", "office",
                                  (("status", "open"),)), SUPERVISOR),
    "quarantine": (Target("office_returns.quarantine", "office"), Target("lookup.start",
                                                                         "read")),
    "counts_waiting": (SUPERVISOR,),
}

LABELS = {
    "orders_to_pick": _l("Sales orders to pick"),
    "receipts_due": _l("Receipts due today or overdue"),
    "receipts_this_week": _l("Receipts expected this week"),
    "quarantine": _l("In quarantine"),
    "counts_waiting": _l("Counts waiting for approval"),
}


# A warehouse's replenishment alerts link to its list of items with an alert.
ALERTS_TARGETS = (Target("office_replenishment.rows", "office", (("alert", "any"),)),)


def _href(name: str, targets: tuple[Target, ...] | None = None,
          **extra: str) -> str | None:
    views = current_app.view_functions
    for target in targets or TARGETS[name]:
        if target.endpoint in views and current_user.may(target.permission):
            args: dict[str, Any] = {**dict(target.args), **extra}
            return url_for(target.endpoint, **args)
    return None


def alert_tiles(alerts: list[WarehouseAlerts]) -> list[Tile]:
    """Each warehouse's replenishment alerts (below safety stock, below the reorder point,
    above the maximum), linking to that warehouse's items with an alert."""
    return [Tile(_("Replenishment alerts in %(warehouse)s", warehouse=w.warehouse),
                 str(w.total), _href("alerts", ALERTS_TARGETS, warehouse=w.warehouse))
            for w in alerts]


def tiles(numbers: TodaysNumbers, alerts: list[WarehouseAlerts] | None = None) -> list[Tile]:
    """The numbers in reading order, each with the page it links to (if the person may
    open one)."""
    values: dict[str, Any] = {
        "orders_to_pick": numbers.orders_to_pick,
        "receipts_due": numbers.receipts_due,
        "receipts_this_week": numbers.receipts_this_week,
        "quarantine": _("%(units)s in %(lots)s", units=ngettext(
            "%(num)s unit", "%(num)s units", numbers.quarantine_units), lots=ngettext(
            "%(num)s lot", "%(num)s lots", numbers.quarantine_lots)),
        "counts_waiting": numbers.counts_waiting,
    }
    found = [Tile(LABELS[name], str(value), _href(name)) for name, value in values.items()]
    return found[:3] + alert_tiles(alerts or []) + found[3:]


@blueprint.get("/")
@permission_required("office")
def index() -> str:
    db: Database = current_app.extensions["wms.db"]
    timezone = current_app.config["WMS_SETTINGS"].timezone
    today = warehouse_today(timezone)
    with db.read() as s:
        numbers = todays_numbers(s, today)
        alerts = alerts_by_warehouse(s, today, timezone)
    print_queue = url_for("office.print_jobs") if "office.print_jobs" in \
        current_app.view_functions else None
    return render_template("office/home/index.html", tiles=tiles(numbers, alerts), today=today,
                           print_queue=print_queue, trouble=trouble_line())
