"""A station event (a code and its parameters, as stored) in the viewer's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from terminal_ui.reason_labels import reason_label
from terminal_ui.refusals import headline_for, scan_problem


def _messages(p: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """(headline, detail) per event code; `p` are the event's parameters."""
    scanned = _("Scanned %(scanned)s", scanned=p.get("scanned", "—"))
    return {
        "receiving_order": (_("Receiving %(number)s", number=p.get("number")),
                            p.get("supplier", "")),
        "received_accept": (_("Received %(qty)s × %(sku)s", qty=p.get("qty"), sku=p.get("sku")),
                            p.get("lot", "")),
        "received_quarantine": (_("%(qty)s × %(sku)s to quarantine", qty=p.get("qty"),
                                  sku=p.get("sku")), p.get("lot", "")),
        "received_reject": (_("%(qty)s × %(sku)s rejected", qty=p.get("qty"), sku=p.get("sku")),
                            p.get("lot", "")),
        "order_closed": (_("Order %(number)s closed at this station", number=p.get("number")),
                         _("The receiving note is printing") if p.get("jobs") else ""),
        "order_closed_already": (_("This order is closed"), p.get("number", "")),
        "scan_order_first": (_("Scan the order number first"), scanned),
        "needs_lot_label": (_("%(sku)s needs its lot: scan the GS1 label", sku=p.get("sku")),
                            scanned),
        "needs_expiry_label": (_("%(sku)s needs its expiry: scan the GS1 label",
                                 sku=p.get("sku")), scanned),
        "not_on_order": (_("Not on this order"), _("%(sku)s is not on %(number)s",
                                                   sku=p.get("sku"), number=p.get("number"))),
        "not_for_dock": (_("Not an order or an item"), scanned),
        "not_for_packing": (_("Not an order or an item"), scanned),
        "packing_order": (_("Packing %(number)s", number=p.get("number")),
                          p.get("customer", "")),
        "packed_already": (_("%(number)s is packed already", number=p.get("number")), ""),
        "not_picked_yet": (_("%(number)s is not picked yet", number=p.get("number")), ""),
        "wrong_item_for_order": (_("Wrong item"), _("%(sku)s is not in %(number)s",
                                                    sku=p.get("sku"), number=p.get("number"))),
        "extra_item": (_("Extra item"), _("%(number)s has only %(qty)s × %(sku)s",
                                          number=p.get("number"), qty=p.get("qty"),
                                          sku=p.get("sku"))),
        "verified": (_("%(sku)s: %(done)s of %(of)s", sku=p.get("sku"), done=p.get("done"),
                       of=p.get("of")), ""),
        "packed": (_("%(number)s packed", number=p.get("number")),
                   _("Packing slip and shipping label are printing")),
        "device_connected": (_("Scanner %(device)s connected", device=p.get("device")), ""),
        "device_disconnected": (_("Scanner %(device)s disconnected", device=p.get("device")),
                                _("Plug it back in; nothing scanned is lost")),
        "inspection": (_("Next scan: %(choice)s", choice=inspection_label(
            str(p.get("disposition")))), reason_label(p.get("reason"))),
        "repeat_ignored": (_("Same code read again: not counted"), _(
            "%(scanned)s was read twice in a moment by %(device)s; scan it again to count "
            "another", scanned=p.get("scanned", "—"), device=p.get("device") or "—")),
        "scan_badge_first": (_("Scan your badge first"), scanned),
        "signed_in": (_("Signed in: %(name)s", name=p.get("name")), ""),
        "signed_out": (_("%(name)s signed out", name=p.get("name")),
                       _("Scan your badge to start")),
        "badge_not_allowed": (_("%(name)s may not work at this station", name=p.get("name")),
                              ""),
        "scan_item_before_quantity": (_("Scan the item first, then its quantity"),
                                      _("Scanned %(scanned)s", scanned="x" + str(p.get("qty")))),
        "quantity_not_more": (_("The quantity is the total for the item just scanned"), _(
            "%(sku)s: %(done)s counted already, scanned x%(qty)s; scan more than %(done)s",
            sku=p.get("sku"), done=p.get("done"), qty=p.get("qty"))),
        "bad_check_digit": (scan_problem("bad_check_digit"), scanned),
        "bad_gs1": (scan_problem("bad_gs1"), scanned),
        "unknown_item": (scan_problem("unknown_item"), scanned),
        "unknown_code": (_("Not an order or an item"), scanned),
        "empty": (scan_problem("empty"), ""),
    }


def inspection_label(disposition: str) -> str:
    return {"accept": _("accept"), "quarantine": _("quarantine"),
            "reject": _("reject")}.get(disposition, disposition)


def describe_event(message: str, params: dict[str, Any]) -> tuple[str, str]:
    """(headline, detail) of a station event."""
    found = _messages(params or {}).get(message)
    if found is not None:
        return found
    detail = params.get("scanned", "") if params else ""
    return headline_for(message), str(detail)
