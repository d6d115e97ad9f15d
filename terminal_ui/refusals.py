"""Domain errors in the floor's own words: a short headline and what was expected and
scanned, in the user's language. The English text of the error is never shown raw."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from terminal_ui.i18n import day
from wms.errors import WmsError


def _detail(error: WmsError, context: dict[str, str]) -> str:
    facts = {**{k: str(v) for k, v in error.details.items() if v is not None}, **context}
    if error.code in ("expired_lot", "short_shelf_life"):
        return _shelf_life_detail(error.code, facts)
    expected, scanned = facts.get("expected"), facts.get("scanned")
    if expected and scanned:
        return _("Expected %(expected)s, scanned %(scanned)s", expected=expected,
                 scanned=scanned)
    if "free" in facts and "location" in facts:
        return _("%(location)s has room for %(free)s more", location=facts["location"],
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
        found = _("This lot has only %(n)s days left", n=facts.get("days_left", "—"))
    return _("%(found)s: quarantine it, or a supervisor overrides", found=found)


def describe(error: WmsError, **context: str) -> tuple[str, str]:
    """(headline, detail) for a refusal."""
    headline = headline_for(error.code)
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
        "wrong_location": _("Wrong bin"),
        "wrong_item": _("Wrong item"),
        "wrong_lot": _("Wrong lot"),
        "location_full": _("Bin full"),
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
    }.get(code or "", "")
