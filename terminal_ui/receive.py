"""Receiving at the dock: scan a purchase order (or receive blind), then items; a GS1 code
fills lot and expiry by itself; quantity by keypad or by scanning each unit; then accept,
quarantine or reject with a reason. Each confirmed line is booked at once, against a
running tally that shows what is still expected and what came over.

The lines of one delivery are one receipt, as at the dock station: the step fields carry the
open receipt, each line is booked into it (its lot label queued as it is booked), and
"Finish receiving" (or the DONE command card) closes it, queuing its one receiving note. A
receipt left open by leaving the page is closed by the first line this handheld books into
another receipt, or when the receiver signs out."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask import session as browser_session
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.reason_labels import reason_choices
from terminal_ui.scan_pages import (
    Banner,
    apply_and_show,
    apply_once,
    carried,
    db,
    decode,
    empty_scan,
    expected_scanned,
    expiry_entry,
    lot_entry,
    not_recognised,
    ok,
    parse_qty,
    quantity_entry,
    reading,
    refusal,
    refused,
    scanned,
    step,
    unchanged,
)
from wms.errors import WarehouseNotAllowed, WmsError
from wms.models import Location, PurchaseOrder
from wms.reasons import INSPECTION_REASONS, OTHER
from wms.services.floor_lists import open_purchase_orders, purchase_tally
from wms.services.lookup import find_item
from wms.services.orders import get_purchase_order
from wms.services.receiving import (
    OVERRIDING_ROLES,
    ReceiptLineInput,
    check_on_order,
    close_receipt,
    receive,
    receiving_location,
)
from wms.services.scan_steps import parse_expiry
from wms.services.shelf_life import warehouse_today

blueprint = Blueprint("receive", __name__, url_prefix="/receive")
# What each step (or button) needs carried from the steps before it.
NEEDS = {"lot": ("dock", "sku"), "expiry": ("dock", "sku"), "qty": ("dock", "sku"),
         "reason": ("dock", "sku")}
TEMPLATE = "receive/_step.html"
BLIND = "BLIND"
REASONS = reason_choices(INSPECTION_REASONS)


def _docks(session: Session | None = None) -> list[str]:
    with reading(session) as s:
        return list(s.scalars(select(Location.code).where(Location.kind == "dock")
                              .order_by(Location.code)))


def _show(stage: str, fields: dict[str, Any], banner: Banner | None = None,
          session: Session | None = None, order: PurchaseOrder | None = None) -> Response:
    """A receiving step with the order's tally (when receiving against an order; `order`
    when the caller has it read already)."""
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields["stage"] = stage
    note = fields.pop("note", "")  # shown in its own field, not carried as a hidden one
    if "dock" not in fields:
        fields["dock"] = (_docks(session) or [""])[0]
    po = fields.get("po")
    with reading(session) as s:
        tally = item = None
        if po and po != BLIND:
            order = order or get_purchase_order(s, po)
            tally = purchase_tally(order)
        if fields.get("sku"):
            item = find_item(s, fields["sku"])
        orders = open_purchase_orders(s) if stage == "choose" else []
        return step(TEMPLATE, title=_("Receive"), stage=stage, fields=fields, banner=banner,
                    order=order, tally=tally, item=item, orders=orders, reasons=REASONS,
                    note=note, may_override=current_user.role in OVERRIDING_ROLES,
                    input_mode="numeric" if stage in ("qty", "expiry") else "scan")


@blueprint.get("/")
@permission_required("receive")
def start() -> Response:
    return _show("choose", {})


@blueprint.post("/")
@permission_required("receive")
def scan() -> Response:
    form = request.form
    if empty_scan("qty"):
        return unchanged()
    action = form.get("action")
    fields = carried(("po", "dock", "receipt", "sku", "lot", "expiry", "counted", "qty",
                      "disposition"),
                     NEEDS.get(form.get("stage", "item"), ()))
    if action == "finish":
        return _finish(fields)
    if action == "blind":
        return _show("item", {"po": BLIND, "dock": fields["dock"]})
    if not fields["po"]:
        return _choose(fields)
    if action == "cancel_line":
        return _show("item", _item_fields(fields))
    stage = form.get("stage", "item")
    if action in ("accept", "override", "quarantine", "reject") or stage == "reason":
        return _disposition(fields, action or "", form)
    return {"item": _at_item, "lot": _at_lot, "expiry": _at_expiry,
            "qty": _at_qty}.get(stage, _at_item)(fields)


def _choose(fields: dict[str, Any]) -> Response:
    text = (request.form.get("order") or scanned()).strip().upper()
    if not text:
        return _show("choose", fields, refused(_("Scan a purchase order or tap one")))
    result = decode(text)
    if result.kind == "location":
        return _change_dock("choose", fields, result.location or "")
    try:
        with db().read() as s:
            order = get_purchase_order(s, text)
            status = order.status
    except WmsError as error:
        return _show("choose", fields, refusal(error, number=text))
    not_receivable = {"closed": _("This order is closed"),
                      "cancelled": _("This order was cancelled"),
                      "draft": _("This order has not been sent to the supplier yet")}
    if status in not_receivable:
        return _show("choose", fields, refused(not_receivable[status], text))
    return _show("item", {"po": text, "dock": fields["dock"]},
                 ok(_("Order %(number)s", number=text)))


def _change_dock(stage: str, fields: dict[str, Any], code: str) -> Response:
    """A scanned dock becomes the receiving location; any other location is refused."""
    try:
        with db().read() as s:
            dock = receiving_location(s, code).code
    except WarehouseNotAllowed as error:
        return _show(stage, fields, refusal(error))
    except WmsError:
        return _show(stage, fields, refused(_("Receive at a dock"),
                                            _("Expected %(expected)s, scanned %(scanned)s",
                                              expected=", ".join(_docks()), scanned=code)))
    return _show(stage, {**fields, "dock": dock}, ok(_("Dock %(code)s", code=dock)))


def _item_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {"po": fields["po"], "dock": fields["dock"], "receipt": fields.get("receipt")}


# The receipt this handheld has open, kept beside the step fields so that a receipt left
# open by leaving the page is still closed (at sign-out, or by the next receipt's first line).
OPEN_RECEIPT = "receive.receipt"


def _open_receipt(fields: dict[str, Any]) -> int | None:
    """The receipt this handheld has open: the step's, else one left open on leaving."""
    found = fields.get("receipt") or browser_session.get(OPEN_RECEIPT)
    return int(found) if found else None


@user_logged_out.connect
def _finish_on_sign_out(app: Flask, user: Any = None, **_extra: Any) -> None:
    """Signing out finishes the receipt the handheld has open, so that its receiving note
    names the receiver who booked it."""
    receipt_id = browser_session.pop(OPEN_RECEIPT, None)
    if receipt_id and user is not None:
        with app.extensions["wms.db"].write() as work_session:
            close_receipt(work_session, int(receipt_id), app.extensions["wms.site"], user.id)


def _finish(fields: dict[str, Any]) -> Response:
    """Close the open receipt (its receiving note is queued) and go back to the orders."""
    receipt_id = _open_receipt(fields)
    after = {"dock": fields["dock"]}
    if receipt_id is None:
        return _show("choose", after, ok(_("Receipt finished")))
    site = current_app.extensions["wms.site"]

    def close(work_session: Session) -> dict[str, Any]:
        jobs = close_receipt(work_session, receipt_id, site, current_user.id)
        return {"receipt": receipt_id, "jobs": [job.id for job in jobs]}

    apply_once(request.form.get("scan_id", ""), {"finish": receipt_id}, close)
    browser_session.pop(OPEN_RECEIPT, None)
    return _show("choose", after, ok(_("Receipt finished")))


def _at_item(fields: dict[str, Any]) -> Response:
    text = scanned()
    result = decode(text)
    base = _item_fields(fields)
    if result.kind == "command" and result.command == "DONE":
        return _finish(fields)
    if result.kind == "location":
        return _change_dock("item", base, result.location or "")
    if result.kind != "item":
        return _show("item", base, not_recognised(result, _("an item barcode")))
    try:
        with db().read() as s:
            item = find_item(s, result.sku or "")
            tracked, needs_expiry = item.tracking == "lot", item.expiry
            if fields["po"] != BLIND:
                check_on_order(get_purchase_order(s, fields["po"]), item)
    except WmsError as error:
        if error.details.get("not_on_order"):
            return _show("item", base, refused(_("Not on this order"), _(
                "%(sku)s is not on %(number)s", sku=error.details["sku"],
                number=error.details["number"])))
        return _show("item", base, refusal(error))
    line = {**base, "sku": result.sku, "lot": result.lot,
            "expiry": result.expiry.isoformat() if result.expiry else None,
            "counted": result.counts}
    banner = ok(result.sku or "", _("Lot %(lot)s", lot=result.lot) if result.lot else "")
    if tracked and not result.lot:
        return _show("lot", line, banner)
    if needs_expiry and not result.expiry:
        return _show("expiry", line, banner)
    return _show("qty", line, banner)


def _at_lot(fields: dict[str, Any]) -> Response:
    found = lot_entry(scanned(), sku=fields["sku"])
    if isinstance(found, Banner):
        return _show("lot", fields, found)
    fields["lot"] = found.lot
    if found.expiry:
        fields["expiry"] = found.expiry.isoformat()
    if found.units:  # the label counts its units (GS1 AI 37)
        fields["counted"] = found.units
    with db().read() as s:
        needs_expiry = find_item(s, fields["sku"]).expiry
    if needs_expiry and not fields.get("expiry"):
        return _show("expiry", fields, ok(_("Lot %(lot)s", lot=fields["lot"])))
    return _show("qty", fields, ok(_("Lot %(lot)s", lot=fields["lot"])))


def _at_expiry(fields: dict[str, Any]) -> Response:
    found = expiry_entry(scanned(), sku=fields["sku"], lot=fields.get("lot"))
    if isinstance(found, Banner):
        return _show("expiry", fields, found)
    fields["expiry"] = found.expiry.isoformat() if found.expiry else None
    return _show("qty", fields)


def _at_qty(fields: dict[str, Any]) -> Response:
    counted = int(fields.get("counted") or 0)
    entry = quantity_entry(scanned(), sku=fields["sku"], lot=fields.get("lot"),
                           counted=counted, default=counted,
                           expiry=parse_expiry(fields.get("expiry") or ""))
    if entry.refusal is not None:
        return _show("qty", fields, entry.refusal)
    if entry.counted is not None:
        fields["counted"] = entry.counted
        return _show("qty", fields, ok(_("%(n)s counted", n=entry.counted)))
    return _book({**fields, "qty": entry.qty}, "accept", None)


def _disposition(fields: dict[str, Any], action: str, form: Any) -> Response:
    at_reason = form.get("stage") == "reason"  # text typed there is the note, not a quantity
    text = "" if at_reason else scanned()
    note = (form.get("note") or (scanned() if at_reason else "")).strip()
    qty = parse_qty(text) if text else (int(fields.get("qty") or 0) or
                                        int(fields.get("counted") or 0))
    if not qty:
        return _show("qty", fields, refused(_("Type a quantity of at least 1"),
                                            expected_scanned(_("the quantity"), text)))
    fields["qty"] = qty
    if action in ("accept", "override"):
        return _book(fields, "accept", None, override=action == "override")
    disposition = action or fields.get("disposition") or ""
    reason = form.get("reason")
    if disposition not in ("quarantine", "reject"):
        return _show("qty", fields)
    if reason not in REASONS:
        return _show("reason", {**fields, "disposition": disposition, "note": note})
    if reason == OTHER and not note:
        return _show("reason", {**fields, "disposition": disposition},
                     refused(_("Type what happened, then tap Other")))
    return _book(fields, disposition, reason, note=note)


def _book(fields: dict[str, Any], disposition: str, reason: str | None,
          override: bool = False, note: str = "") -> Response:
    settings = current_app.config["WMS_SETTINGS"]
    site = current_app.extensions["wms.site"]
    po = None if fields["po"] == BLIND else fields["po"]
    line = ReceiptLineInput(fields["sku"], int(fields["qty"]), fields.get("lot") or None,
                            date.fromisoformat(fields["expiry"]) if fields.get("expiry") else None,
                            disposition, reason, note=note or None,
                            override_expiry=override)

    open_receipt = _open_receipt(fields)

    def book(work_session: Session) -> dict[str, Any]:
        result = receive(work_session, location=fields["dock"], purchase_order=po,
                         user_id=current_user.id, lines=[line],
                         tolerance_pct=settings.over_receipt_tolerance_pct, site=site,
                         receipt_id=open_receipt, keep_open=True,
                         min_shelf_life_days=settings.min_shelf_life_days,
                         today=warehouse_today(settings.timezone))
        if open_receipt is not None and result.receipt.id != open_receipt:
            # another delivery (or dock) than the open receipt's: that receipt is complete
            close_receipt(work_session, open_receipt, site, current_user.id)
        return {"receipt": result.receipt.id, "qty": line.qty, "sku": line.sku,
                "disposition": disposition, "order": result.order.id if result.order else None}

    request_fields = {**{k: fields.get(k) for k in ("po", "dock", "receipt", "sku", "lot",
                                                    "expiry")},
                      "qty": line.qty, "disposition": disposition, "reason": reason,
                      "override_expiry": override, "note": note}

    def show(work_session: Session, reply: dict[str, Any]) -> Response:
        browser_session[OPEN_RECEIPT] = reply["receipt"]
        text = {
            "accept": _("Received %(qty)s × %(sku)s"),
            "quarantine": _("%(qty)s × %(sku)s to quarantine"),
            "reject": _("%(qty)s × %(sku)s rejected"),
        }[reply["disposition"]] % {"qty": reply["qty"], "sku": reply["sku"]}
        order = work_session.get(PurchaseOrder, reply["order"]) if reply.get("order") else None
        return _show("item", {**_item_fields(fields), "receipt": reply["receipt"]}, ok(text),
                     work_session, order)

    try:
        return apply_and_show(request.form.get("scan_id", ""), request_fields, book, show)
    except WmsError as error:
        if error.code in ("expired_lot", "short_shelf_life"):
            fields = {**fields, "expiry_hold": error.code}
        return _show("qty", fields, refusal(error, sku=fields["sku"]))

