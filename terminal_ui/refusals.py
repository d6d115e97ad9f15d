"""Domain errors in the floor's own words: a short headline and what was expected and
scanned, in the user's language. The English text of the error is never shown raw."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from terminal_ui.i18n import day
from wms.errors import WmsError

SCAN_SHOWN = 40  # characters of a scan a refusal repeats; a longer one ends in an ellipsis


def short(text: object, limit: int = SCAN_SHOWN) -> str:
    """A scan or value as a refusal repeats it: one line, at most `limit` characters."""
    line = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _detail(error: WmsError, context: dict[str, str]) -> str:
    facts = {**{k: short(v) for k, v in error.details.items() if v is not None},
             **{k: short(v) for k, v in context.items()}}
    if error.code in ("expired_lot", "short_shelf_life"):
        return _shelf_life_detail(error.code, facts)
    expected, scanned = facts.get("expected"), facts.get("scanned")
    if error.code == "unexpected_scan":
        return _unexpected_detail(facts)
    if error.code == "wrong_item" and error.details.get("label") and expected and scanned:
        return _("This label is %(scanned)s, the line is %(expected)s", scanned=scanned,
                 expected=expected)
    if error.code == "invalid" and facts.get("field") == "qty" and facts.get("maximum"):
        return _("At most %(maximum)s; typed %(qty)s", maximum=facts["maximum"],
                 qty=facts.get("qty", "—"))
    if error.code == "over_return" and "remaining" in facts:
        return _("%(sku)s: %(n)s more may come back", sku=facts.get("sku", "—"),
                 n=facts["remaining"])
    if expected and scanned:
        return _("Expected %(expected)s, scanned %(scanned)s", expected=expected,
                 scanned=scanned)
    if "free" in facts and "location" in facts:
        return _("%(location)s has room for only %(free)s more", location=facts["location"],
                 free=facts["free"])
    for name in ("location", "sku", "lot", "number", "warehouse", "barcode"):
        if facts.get(name):
            return facts[name]
    return ""


def _shelf_life_detail(code: str, facts: dict[str, str]) -> str:
    """What is wrong with the lot and the two ways on: quarantine, or a supervisor."""
    expiry = facts.get("expiry", "")
    try:
        shown = day(date.fromisoformat(expiry))
    except ValueError:
        shown = expiry or "—"
    if code == "expired_lot":
        found = _("This lot expired on %(date)s", date=shown)
    else:
        left = str(facts.get("days_left", ""))
        found = ngettext("This lot has only %(num)s day left",
                         "This lot has only %(num)s days left", int(left)) \
            if left.lstrip("-").isdigit() else _("This lot has only %(n)s days left", n="—")
    return _("%(found)s: quarantine it, or a supervisor overrides", found=found)


def describe(error: WmsError, **context: str) -> tuple[str, str]:
    """(headline, detail) for a refusal."""
    headline = headline_for(error.code)
    if error.code == "forbidden" and error.details.get("warehouse"):
        return _("Not your warehouse"), _(
            "You may not work in warehouse %(warehouse)s (%(location)s)",
            warehouse=short(error.details["warehouse"]),
            location=short(error.details.get("location", "")))
    if error.details.get("inactive"):
        return _("Item deactivated"), _(
            "%(sku)s is no longer ordered or received",
            sku=short(error.details.get("sku", "")))
    if error.code == "unexpected_scan":
        headline = _unexpected_headline(str(error.details.get("expected")),
                                        str(error.details.get("kind")))
    detail = _detail(error, context)
    if error.code == "invalid" and not detail:
        detail = _field_problem(error)
    return headline, detail


def headline_for(code: str) -> str:
    """The headline of a domain error code."""
    return {
        "unknown_item": _("Unknown item"),
        "unknown_location": _("Unknown bin"),
        "unknown_order": _("Unknown order"),
        "unknown_count": _("Unknown count"),
        "not_found": _("Not found"),
        "insufficient_stock": _("Not enough stock"),
        "over_receipt": _("More than the order allows"),
        "over_return": _("More than the order shipped"),
        "wrong_location": _("Wrong bin"),
        "wrong_item": _("Wrong item"),
        "wrong_lot": _("Wrong lot"),
        "location_full": _("Not enough room in the bin"),
        "location_blocked": _("Bin blocked"),
        "expired_lot": _("Lot expired"),
        "short_shelf_life": _("Lot expires too soon"),
        "conflict": _("Not possible now"),
        "idempotency_key_reused": _("Scan sent twice with different data"),
        "forbidden": _("Your role may not do this"),
        "unauthorized": _("Please sign in first"),
    }.get(code, _("Not accepted"))


def _field_problem(error: WmsError) -> str:
    field = str(error.details.get("field", ""))
    return {
        "qty": _("Check the quantity"),
        "lot": _("This item needs its lot: scan the lot label"),
        "expiry": _("This item needs its expiry date"),
        "to": _("Choose another bin"),
    }.get(field, _("Check what was scanned"))


def scan_problem(code: str | None) -> str:
    """Why a scan could not be read (the decoder's problem code), or "" when unknown."""
    return {
        "bad_check_digit": _("The barcode's check digit is wrong"),
        "bad_gs1": _("Not a readable GS1 code"),
        "unknown_item": _("No item has this barcode"),
        "empty": _("The scan was empty"),
        "unknown_code": _("Unknown code"),
        "control_characters": _("Unreadable characters in the scan"),
    }.get(code or "", "")


def _unexpected_headline(expected: str, kind: str) -> str:
    if expected == "quantity":
        return {"too_many": _("Too many"), "zero": _("Type a quantity of at least 1")}.get(
            kind, _("Type the quantity or scan the item again"))
    if expected == "expiry":
        return _("Type the expiry date as YYYYMMDD")
    return _("Scan or type the lot")


def expected_name(expected: str) -> str:
    """What a step asks for, as the refusal names it."""
    return {"lot": _("the lot"), "expiry": _("the expiry date"),
            "quantity": _("the quantity")}.get(expected, expected)


def scanned_as(kind: str, code: str) -> str:
    """What a scan turned out to be, in a few words."""
    return {
        "location": _("bin %(code)s", code=code),
        "item_barcode": _("the barcode of %(code)s", code=code),
        "badge": _("a badge"),
        "command": _("the command card %(code)s", code=code),
        "lpn": _("pallet %(code)s", code=code),
        "order": _("order %(code)s", code=code),
        "gs1_unknown_item": _("the GS1 label of an unknown item"),
        "unreadable": _("an unreadable code"),
    }.get(kind, code or "—")


def _unexpected_detail(facts: dict[str, str]) -> str:
    expected, kind, code = facts.get("expected", ""), facts.get("kind", ""), facts.get(
        "scanned", "")
    if kind == "too_many":
        return _("At most %(maximum)s; typed %(qty)s", maximum=facts.get("maximum", ""),
                 qty=facts.get("qty", ""))
    if kind == "zero":
        return ""
    if expected == "lot" and kind == "quantity":
        return _("%(code)s looks like a quantity: scan the lot label", code=code)
    if expected == "lot" and kind == "item_barcode":
        return _("This is the barcode of %(code)s, not its lot: scan the lot label", code=code)
    if expected == "expiry" and kind == "item_barcode":
        return _("The label of %(code)s has no expiry date: type it", code=code)
    return _("Expected %(expected)s, scanned %(scanned)s", expected=expected_name(expected),
             scanned=scanned_as(kind, code))
