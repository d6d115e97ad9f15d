"""An item's fields as the office names them: on the item's form, in its history and in
the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "sku": _l("SKU"), "name": _l("Name"), "name_zh": _l("Chinese name"),
    "name_en": _l("English name"), "category": _l("Category"), "uom": _l("Unit"),
    "tracking": _l("Lot tracking"), "expiry": _l("Has an expiry date"),
    "min_shelf_life_days": _l("Minimum shelf life on receipt (days)"),
    "barcodes": _l("Unit barcodes"), "pack_size": _l("Pack size (units in a case)"),
    "case_barcodes": _l("Case barcodes"), "unit_cost": _l("Unit cost"),
    "supplier": _l("Default supplier"), "lead_time_days": _l("Lead time (days)"),
    "review_period_days": _l("Review period (days)"),
    "instability_factor": _l("Instability factor"),
    "demand_window_days": _l("Demand window (days)"),
    "forecast_method": _l("Forecast method"),
    "safety_stock": _l("Safety stock (empty: computed)"),
    "reorder_point": _l("Reorder point"), "min_qty": _l("Minimum"), "max_qty": _l("Maximum"),
    "home_location": _l("Home bin"), "zone_code": _l("Zone"), "abc_class": _l("ABC class"),
    "active": _l("Active"),
}
