"""The office's audit trail (admin, supervisor): who did what, when and from which device,
filtered by person, action, subject, device and days, with each change's old and new
values; paged, and exported as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from terminal_ui.auth import permission_required
from terminal_ui.i18n import LANGUAGES, status_label
from terminal_ui.office.item_fields import FIELD_LABELS as ITEM_FIELDS
from terminal_ui.office.layout import kind_label
from terminal_ui.office.order_forms import DISPOSITION_LABELS as RECEIPT_DISPOSITIONS
from terminal_ui.office.partners import FIELD_LABELS as PARTNER_FIELDS
from terminal_ui.office.partners import tier_label
from terminal_ui.office.replenishment import FORECAST_METHOD_LABELS
from terminal_ui.office.returns import DISPOSITIONS as RETURN_DISPOSITIONS
from terminal_ui.office.tables import file_response, page_window
from terminal_ui.office.users import FIELD_LABELS as USER_FIELDS
from terminal_ui.office.users import role_label
from terminal_ui.reason_labels import reason_label
from terminal_ui.refusals import headline_for
from wms.db import Database
from wms.services.audit import AuditFilter, AuditRow, audit_actions, audit_events
from wms.tabular import Column

blueprint = Blueprint("office_audit", __name__, url_prefix="/office/audit")

# Actions in the reader's words; an action without a label shows its code.
ACTION_LABELS = {
    "login": _l("Signed in"),
    "login.failed": _l("Sign-in failed"),
    "user.create": _l("User added"),
    "user.update": _l("User changed"),
    "user.deactivate": _l("User deactivated"),
    "user.reactivate": _l("User reactivated"),
    "user.secrets": _l("New password or PIN"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "item.create": _l("Item created"),
    "item.update": _l("Item changed"),
    "item.deactivate": _l("Item deactivated"),
    "item.reactivate": _l("Item made active again"),
    "location.create": _l("Location created"),
    "supplier.create": _l("Supplier added"),
    "supplier.update": _l("Supplier changed"),
    "customer.create": _l("Customer added"),
    "customer.update": _l("Customer changed"),
    "location.update": _l("Location changed"),
    "purchase_order.create": _l("Purchase order created"),
    "purchase_order.close": _l("Purchase order closed"),
    "purchase_order.cancel": _l("Purchase order cancelled"),
    "sales_order.create": _l("Sales order created"),
    "sales_order.cancel": _l("Sales order cancelled"),
    "pick_list.create": _l("Pick list made"),
    "sales_order.pack": _l("Sales order packed"),
    "sales_order.ship": _l("Sales order shipped"),
    "return.customer": _l("Customer return"),
    "return.supplier": _l("Return to a supplier"),
    "quarantine.release": _l("Released from quarantine"),
    "count.approve": _l("Count approved"),
    "print_job.reprint": _l("Print job reprinted"),
    "print_job.cancel": _l("Print job cancelled"),
    "count.start": _l("Count started"),
    "abc.apply": _l("ABC classes applied"),
    "count.submit": _l("Count submitted"),
    "item.labels": _l("Item labels printed"),
    "layout.create": _l("Bins generated"),
    "purchase_order.edit": _l("Purchase order changed"),
    "purchase_order.send": _l("Purchase order sent"),
    "receipt.expiry_override": _l("Expired or short-dated lot received by override"),
    "transfer.create": _l("Transfer started"),
    "warehouse.create": _l("Warehouse created"),
    "warehouse.update": _l("Warehouse changed"),
    "import.items": _l("Items imported"),
    "import.locations": _l("Locations imported"),
    "import.suppliers": _l("Suppliers imported"),
    "import.customers": _l("Customers imported"),
    "import.opening-stock": _l("Opening stock imported"),
}


def action_label(action: str) -> str:
    """An action in the reader's language, or its code."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


# The facts an event keeps, in the reader's words. The fields of a record (an item, a
# supplier or customer, a user) are named as the record's own page names them.
FACT_LABELS: dict[str, LazyString] = {
    "address": _l("Address"), "how": _l("Signed in with"), "token": _l("API token"),
    "stations": _l("Stations"), "gateway": _l("Gateway"), "revoked": _l("Revoked"),
    "status": _l("Status"), "cancel_reason": _l("Reason"), "reason": _l("Reason"),
    "released": _l("Units released"), "customer": _l("Customer"), "supplier": _l("Supplier"),
    "sales_order": _l("Sales order"), "purchase_order": _l("Purchase order"),
    "number": _l("Number"), "expected_date": _l("Expected date"),
    "warehouse": _l("Warehouse"), "lines": _l("Lines"), "sku": _l("SKU"), "qty": _l("Qty"),
    "unit_price": _l("Unit price"), "lot": _l("Lot"), "from": _l("From"), "to": _l("To"),
    "disposition": _l("Disposition"), "units": _l("Units"), "locations": _l("Locations"),
    "adjustments": _l("Adjustments"), "receipt": _l("Receipt"), "refusal": _l("Refused as"),
    "printer": _l("Printer"), "jobs": _l("Print jobs"), "new": _l("New print job"),
    "pick_list": _l("Pick list"), "suggested": _l("Suggested bin"), "move": _l("Move"),
    "moves": _l("Moves"), "rows": _l("Rows"), "created": _l("Created"),
    "updated": _l("Changed"), "unchanged": _l("Unchanged"), "keys": _l("Codes"),
    "period": _l("Period"), "thresholds": _l("Thresholds"), "classes": _l("Classes"),
    "changed": _l("Changed"), "name": _l("Name"), "zone": _l("Zone"), "kind": _l("Kind"),
    "capacity": _l("Capacity"), "walk_seq": _l("Walking order"), "blocked": _l("Blocked"),
    "zones": _l("Zones"), "aisles": _l("Aisles"), "bays": _l("Bays"), "levels": _l("Levels"),
    "start_seq": _l("First walking order"), "bins": _l("Locations"), "first": _l("First"),
    "last": _l("Last"), "expiry": _l("Expiry"), "days_left": _l("Days left"),
    "needed": _l("Days needed"),
}
RECORD_FIELDS: dict[str, Mapping[str, LazyString]] = {
    "item": ITEM_FIELDS, "supplier": PARTNER_FIELDS, "customer": PARTNER_FIELDS,
    "user": USER_FIELDS, "token": USER_FIELDS, "login": USER_FIELDS,
}
SIGN_IN_LABELS = {"password_hash": _l("user name and password"),
                  "pin_hash": _l("badge and PIN")}
DISPOSITION_LABELS = {**RECEIPT_DISPOSITIONS, **RETURN_DISPOSITIONS}


def _labelled(labels: Mapping[str, LazyString]) -> Callable[[str], str]:
    return lambda code: str(labels.get(code, code))


# Facts whose values are codes, and how the reader's language names each code.
VALUE_LABELS: dict[str, Callable[[str], str]] = {
    "role": role_label, "locale": lambda code: LANGUAGES.get(code, code),
    "kind": kind_label, "status": status_label, "tier": tier_label,
    "reason": reason_label, "cancel_reason": reason_label,
    "how": _labelled(SIGN_IN_LABELS), "disposition": _labelled(DISPOSITION_LABELS),
    "forecast_method": _labelled(FORECAST_METHOD_LABELS), "refusal": headline_for,
}


def fact_label(name: str, action: str = "") -> str:
    """A fact of an event in the reader's language, or its code."""
    label = RECORD_FIELDS.get(action.split(".")[0], {}).get(name) or FACT_LABELS.get(name)
    return str(label) if label is not None else name


def shown(value: object, name: str | None = None) -> str:
    """A fact's value as the page and the file show it: a code the reader's language names
    in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(shown(v, name) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{fact_label(k)}: {shown(v, k)}" for k, v in value.items())
    if isinstance(value, str) and name in VALUE_LABELS:
        return VALUE_LABELS[name](value)
    return str(value)


def changes(details: dict[str, Any] | None, action: str = "") -> list[tuple[str, str, str]]:
    """(field, old, new) for every field of a change's old and new values."""
    if not details:
        return []
    old, new = details.get("old"), details.get("new")
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    fields = list(dict.fromkeys([*old, *new]))
    return [(fact_label(name, action), shown(old.get(name), name), shown(new.get(name), name))
            for name in fields]


def other_details(details: dict[str, Any] | None, action: str = "") -> list[tuple[str, str]]:
    """The facts of an event besides its old and new values."""
    return [(fact_label(key, action), shown(value, key))
            for key, value in (details or {}).items()
            if not (key in ("old", "new") and isinstance(value, dict))]


def details_text(details: dict[str, Any] | None, action: str = "") -> str:
    """An event's details in one line, for a file."""
    parts = [f"{name}: {old} -> {new}" for name, old, new in changes(details, action)]
    parts += [f"{key}: {value}" for key, value in other_details(details, action)]
    return "; ".join(parts)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filter() -> tuple[AuditFilter, date | None, date | None]:
    args = request.args
    zone = ZoneInfo(current_app.config["WMS_SETTINGS"].timezone)
    first, last = _day(args.get("from")), _day(args.get("to"))

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    def text(name: str) -> str | None:
        return (args.get(name) or "").strip()[:128] or None

    wanted = AuditFilter(user=text("user"), action=text("action"), subject=text("subject"),
                         device=text("device"),
                         since=midnight(first) if first else None,
                         until=midnight(last + timedelta(days=1)) if last else None)
    return wanted, first, last


def _columns() -> list[Column]:
    return [Column("at", _("When")), Column("user", _("Who")), Column("action", _("Action")),
            Column("subject", _("Subject")), Column("device", _("Device")),
            Column("details", _("Details"))]


def _file_row(row: AuditRow) -> dict[str, Any]:
    return {"at": row.at, "user": row.user, "action": action_label(row.action),
            "subject": row.subject, "device": row.device,
            "details": details_text(row.details, row.action)}


@blueprint.get("/")
@permission_required("audit")
def events() -> Any:
    window = page_window()
    wanted, first, last = _filter()
    db: Database = current_app.extensions["wms.db"]
    with db.read() as s:
        rows, total = audit_events(s, wanted, limit=window.limit, offset=window.offset)
        if window.fmt:
            return file_response(window.fmt, _columns(), [_file_row(r) for r in rows],
                                 "audit-trail")
        actions = audit_actions(s)
    return render_template("office/audit/events.html", rows=rows, total=total, window=window,
                           actions=actions, action_label=action_label, changes=changes,
                           other_details=other_details, first=first, last=last)
