"""Scrap (supervisors): scan the bin, the item, the quantity, then choose the reason; the
units leave stock with the reason on the ledger."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.reason_labels import reason_choices
from terminal_ui.scan_pages import (
    Banner,
    apply_once,
    carried,
    db,
    decode,
    empty_scan,
    not_recognised,
    ok,
    refusal,
    refused,
    scanned,
    step,
    typed_quantity,
    unchanged,
)
from wms.errors import WmsError
from wms.reasons import OTHER, SCRAP_REASONS
from wms.services.floor_lists import holdings
from wms.services.lookup import find_item
from wms.services.scrap import scrap_stock

blueprint = Blueprint("scrap", __name__, url_prefix="/scrap")
# What each step (or button) needs carried from the steps before it.
NEEDS = {"item": ("bin",), "qty": ("bin", "sku"), "reason": ("bin", "sku", "qty")}
TEMPLATE = "scrap/_step.html"
REASONS = reason_choices(SCRAP_REASONS)


def _show(stage: str, fields: dict[str, Any], banner: Banner | None = None) -> Response:
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields["stage"] = stage
    note = fields.pop("note", "")  # shown in its own field, not carried as a hidden one
    with db().read() as s:
        item = find_item(s, fields["sku"]) if fields.get("sku") else None
        return step(TEMPLATE, title=_("Scrap"), stage=stage, fields=fields, banner=banner,
                    item=item, reasons=REASONS, note=note,
                    input_mode="numeric" if stage == "qty" else "scan")


@blueprint.get("/")
@permission_required("scrap")
def start() -> Response:
    return _show("bin", {})


@blueprint.post("/")
@permission_required("scrap")
def scan() -> Response:
    form = request.form
    if empty_scan():
        return unchanged()
    if form.get("action") == "cancel":
        return _show("bin", {})
    stage = "reason" if form.get("reason") else form.get("stage", "bin")
    fields = carried(("bin", "sku", "lot", "available", "qty"), NEEDS.get(stage, ()))
    if form.get("reason"):
        return _book(fields, form["reason"], _note())
    return {"bin": _at_bin, "item": _at_item, "qty": _at_qty, "reason": _at_reason}.get(
        stage, _at_bin)(fields)


def _at_bin(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind != "location":
        return _show("bin", {}, not_recognised(result, _("a bin")))
    return _show("item", {"bin": result.location}, ok(_("Bin %(code)s", code=result.location)))


def _at_item(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind != "item":
        return _show("item", {"bin": fields["bin"]}, not_recognised(result, _("an item barcode")))
    with db().read() as s:
        item = find_item(s, result.sku or "")
        free = sum(h.free for h in holdings(s, location=fields["bin"], item_id=item.id)
                   if result.lot is None or h.lot == result.lot)
    if free <= 0:
        return _show("item", {"bin": fields["bin"]}, refused(_("Not enough stock"), _(
            "%(bin)s holds no free %(sku)s", bin=fields["bin"], sku=result.sku)))
    return _show("qty", {"bin": fields["bin"], "sku": result.sku, "lot": result.lot,
                         "available": free}, ok(result.sku or ""))


def _at_qty(fields: dict[str, Any]) -> Response:
    qty = typed_quantity(scanned(), sku=fields["sku"], lot=fields.get("lot"), default=None,
                         maximum=int(fields.get("available") or 0))
    if isinstance(qty, Banner):
        return _show("qty", fields, qty)
    return _show("reason", {**fields, "qty": qty})


def _note() -> str:
    """The free-text note of the reason step (typed in its field, or in the scan input)."""
    return (request.form.get("note") or scanned()).strip()


def _at_reason(fields: dict[str, Any]) -> Response:
    return _show("reason", {**fields, "note": _note()}, refused(_("Tap the reason")))


def _book(fields: dict[str, Any], reason: str, note: str) -> Response:
    if reason not in REASONS or not fields.get("qty"):
        return _show("reason", {**fields, "note": note}, refused(_("Tap the reason")))
    if reason == OTHER and not note:
        return _show("reason", fields, refused(_("Type what happened, then tap Other")))
    qty = int(fields["qty"])

    def scrap(session: Any) -> dict[str, Any]:
        scrap_stock(session, sku=fields["sku"], qty=qty, location=fields["bin"],
                    reason=reason, note=note or None, lot=fields.get("lot"),
                    user_id=current_user.id)
        return {"qty": qty, "sku": fields["sku"]}

    request_fields = {k: fields.get(k) for k in ("bin", "sku", "lot")} | {
        "qty": qty, "reason": reason, "note": note}
    try:
        reply = apply_once(request.form.get("scan_id", ""), request_fields, scrap)
    except WmsError as error:
        return _show("reason", {**fields, "note": note}, refusal(error))
    return _show("bin", {}, ok(_("Scrapped %(qty)s × %(sku)s", qty=reply["qty"],
                                 sku=reply["sku"])))
