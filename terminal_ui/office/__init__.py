"""The back office: PC and tablet pages for the owner, the buyer, the clerk and the
supervisor, one room (blueprint) per subject, on the same services as the handheld pages
and the API. The menu lists the rooms a person's role may open."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

# The rooms, by module under terminal_ui.office; each module has a `blueprint`.
ROOMS = ("print_jobs", "home", "items", "layout", "partners", "purchasing", "sales",
         "replenishment", "reports", "forecast", "suppliers_eval", "map", "returns", "imports",
         "users", "audit", "gateway_status")


@dataclass(frozen=True)
class OfficeEntry:
    endpoint: str
    label: object
    permission: str


# The office menu in reading order; an entry shows when its room is there and the
# person's role may open it.
OFFICE_MENU = (
    OfficeEntry("office_home.index", _l("Today"), "office"),
    OfficeEntry("office_items.items", _l("Items"), "office"),
    OfficeEntry("office_layout.warehouses", _l("Warehouses and bins"), "office"),
    OfficeEntry("office_partners.suppliers", _l("Suppliers"), "office"),
    OfficeEntry("office_partners.customers", _l("Customers"), "office"),
    OfficeEntry("office_purchasing.orders", _l("Purchase orders"), "office"),
    OfficeEntry("office_replenishment.rows", _l("Replenishment"), "office"),
    OfficeEntry("office_sales.orders", _l("Sales orders"), "read"),
    OfficeEntry("office_forecast.index", _l("Forecast"), "office"),
    OfficeEntry("office_suppliers_eval.ranking", _l("Supplier evaluation"), "office"),
    OfficeEntry("office_map.index", _l("Warehouse map"), "office"),
    OfficeEntry("office_returns.returns", _l("Returns"), "office"),
    OfficeEntry("office_returns.quarantine", _l("Quarantine"), "office"),
    OfficeEntry("office_reports.sales_page", _l("Sales"), "office"),
    OfficeEntry("office_reports.turnover_page", _l("Turnover"), "office"),
    OfficeEntry("office_reports.abc", _l("ABC classes"), "office"),
    OfficeEntry("office_reports.schedule", _l("Count schedule"), "office"),
    OfficeEntry("office_reports.slow", _l("Slow movers"), "office"),
    OfficeEntry("office_reports.age", _l("Stock age"), "office"),
    OfficeEntry("office_imports.index", _l("Import and export"), "master_data"),
    OfficeEntry("office_users.users", _l("Users"), "admin"),
    OfficeEntry("office_audit.events", _l("Audit trail"), "audit"),
    OfficeEntry("office.print_jobs", _l("Print queue"), "read"),
    OfficeEntry("office_status.index", _l("Gateway status"), "status"),
)


def office_menu_for(user: object) -> list[OfficeEntry]:
    """The office rooms this user's role may open."""
    views = current_app.view_functions
    return [entry for entry in OFFICE_MENU if entry.endpoint in views
            and user.may(entry.permission)]  # type: ignore[attr-defined]


def register_office(app: Flask) -> None:
    """Register every office room and give the templates the office menu."""
    for name in ROOMS:
        module = importlib.import_module(f"terminal_ui.office.{name}")
        app.register_blueprint(module.blueprint)
    app.jinja_env.globals["office_menu_for"] = office_menu_for
