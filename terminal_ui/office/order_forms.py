"""What the purchase and sales order forms share: the line rows (item, quantity, unit
price) read from the form and checked one by one, refusals in the reader's language, and
the order's lines as a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from terminal_ui.i18n import status_label
from terminal_ui.reason_labels import reason_label
from terminal_ui.refusals import describe
from wms.errors import WmsError
from wms.money import money, parse_money
from wms.services.orders import OrderLineInput
from wms.tabular import Column

MAX_QTY = 1_000_000_000
MAX_LINES = 200
# Empty rows a new form shows, so a few lines can be typed before asking for more.
NEW_ROWS = 3


@dataclass
class LineRow:
    """One line of the form as typed, with what is wrong with it."""

    sku: str = ""
    qty: str = ""
    unit_price: str = ""
    error: str = ""


@dataclass
class OrderForm:
    """The typed values of an order form, its line rows and the problems found."""

    values: dict[str, str] = field(default_factory=dict)
    lines: list[LineRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(line.error for line in self.lines)

    def problems(self) -> list[str]:
        """Every problem, the form's first and then each line's, for the banner."""
        found = list(self.errors.values())
        found += [_("Line %(n)s: %(problem)s", n=n, problem=line.error)
                  for n, line in enumerate(self.lines, start=1) if line.error]
        return found


def blank_rows(count: int = NEW_ROWS) -> list[LineRow]:
    """Empty line rows for a new form."""
    return [LineRow() for _ in range(count)]


def read_line_rows() -> list[LineRow]:
    """The line rows the form posted, blank rows left out."""
    skus = request.form.getlist("sku")
    qtys = request.form.getlist("qty")
    prices = request.form.getlist("unit_price")
    rows = []
    for index in range(max(len(skus), len(qtys), len(prices))):
        row = LineRow(*(values[index].strip() if index < len(values) else ""
                        for values in (skus, qtys, prices)))
        if row.sku or row.qty or row.unit_price:
            rows.append(row)
    return rows[:MAX_LINES + 1]


def check_line_rows(form: OrderForm) -> list[OrderLineInput]:
    """The checked lines; each bad row gets its problem (a form without lines one too)."""
    lines = []
    if not form.lines:
        form.errors["lines"] = _("Add at least one line: an item and a quantity")
    if len(form.lines) > MAX_LINES:
        form.errors["lines"] = _("At most %(n)s lines", n=MAX_LINES)
    for row in form.lines:
        qty = int(row.qty) if row.qty.isdigit() and len(row.qty) < 11 else 0
        price: Decimal | None = None
        if not row.sku:
            row.error = _("choose an item")
        elif not 0 < qty <= MAX_QTY:
            row.error = _("type the quantity as a whole number above 0")
        elif row.unit_price:
            price = parse_money(row.unit_price)
            if price is None:
                row.error = _("type the unit price as an amount, like 12.50")
        if not row.error:
            lines.append(OrderLineInput(row.sku, qty, price))
    return lines


def check_date(form: OrderForm, name: str) -> date | None:
    """The date typed in field `name` (YYYY-MM-DD), or None; a problem when it is not one."""
    text = form.values.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = _("Type the date as YYYY-MM-DD")
        return None


def rows_of(lines: Sequence[object]) -> list[LineRow]:
    """An order's lines as form rows, to edit them."""
    return [LineRow(line.item.sku, str(line.qty),  # type: ignore[attr-defined]
                    money(line.unit_price) or "")  # type: ignore[attr-defined]
            for line in lines]


def refusal(error: WmsError) -> str:
    """A service's refusal of an order change, in the reader's language."""
    details = error.details
    if error.code == "unknown_item":
        return _("No item has the SKU or barcode %(sku)s", sku=details.get("sku", ""))
    if error.code == "unknown_location" and details.get("warehouse"):
        return _("No warehouse %(code)s", code=details["warehouse"])
    if error.code == "not_found" and details.get("supplier"):
        return _("No supplier %(code)s", code=details["supplier"])
    if error.code == "not_found" and details.get("customer"):
        return _("No customer %(code)s", code=details["customer"])
    if error.code == "invalid" and details.get("field") == "supplier":
        return _("Choose a supplier")
    if error.code == "invalid" and details.get("field") == "customer":
        return _("Choose a customer")
    if error.code == "invalid" and details.get("field") == "reason":
        return _("Say why the order is cancelled")
    if error.code == "invalid" and details.get("field") == "number":
        return _("Type an order number of 1 to 40 characters")
    if error.code == "conflict" and details.get("received"):
        return _("Goods were received against this order: it can no longer be changed or "
                 "cancelled")
    if error.code == "conflict" and details.get("picked"):
        return _("Units of this order were picked: it can no longer be cancelled")
    if error.code == "conflict" and details.get("status"):
        return _("This order is %(status)s: not possible now",
                 status=status_label(str(details["status"])))
    if error.code == "conflict" and details.get("number"):
        return _("An order %(number)s exists already", number=details["number"])
    headline, detail = describe(error)
    return f"{headline} {detail}".strip()


STEP_LABELS = {
    "created": _l("created"), "edited": _l("edited"), "sent": _l("sent to the supplier"),
    "cancelled": _l("cancelled"), "closed": _l("closed"), "allocated": _l("allocated"),
    "picked": _l("picked"), "packed": _l("packed"), "shipped": _l("shipped"),
}
DISPOSITION_LABELS = {
    "accept": _l("accepted"), "quarantine": _l("quarantined"), "reject": _l("rejected"),
}


def order_template_helpers() -> dict[str, Any]:
    """What the order pages' templates use: money, and steps and dispositions in words."""
    return {
        "money": money,
        "step_label": lambda code: str(STEP_LABELS.get(code, code)),
        "disposition_label": lambda code: str(DISPOSITION_LABELS.get(code, code)),
        "reason_label": reason_label,
    }


def in_language(columns: Sequence[Column]) -> list[Column]:
    """A file's columns with their headers in the reader's language."""
    return [Column(column.key, str(column.header)) for column in columns]
