"""Moves and transfers: scan the bin to take from, the item, the quantity and the bin to put
in. A bin in another warehouse sends the goods in transit there; scanning the transfer's
number (TRF-n) at the other warehouse takes them in."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    apply_and_show,
    apply_once,
    bin_code,
    carried,
    db,
    decode,
    empty_scan,
    not_a_bin,
    not_recognised,
    ok,
    reading,
    refusal,
    refused,
    scanned,
    step,
    typed_quantity,
    unchanged,
)
from wms.errors import UnknownLocation, WmsError
from wms.services.floor_lists import holdings
from wms.services.lookup import find_item
from wms.services.moving import move_to_bin
from wms.services.transfers import get_transfer, receive_transfer

blueprint = Blueprint("move", __name__, url_prefix="/move")
TEMPLATE = "move/_step.html"
# What each step needs carried from the steps before it.
NEEDS = {"item": ("from",), "qty": ("from", "sku"), "to": ("from", "sku", "qty"),
         "receive": ("transfer",)}
TRANSFER = re.compile(r"^TRF-?(\d{1,9})$", re.IGNORECASE)


def _show(stage: str, fields: dict[str, Any], banner: Banner | None = None,
          session: Session | None = None) -> Response:
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields["stage"] = stage
    with reading(session) as s:
        in_bin = holdings(s, location=fields["from"]) if fields.get("from") else []
        item = find_item(s, fields["sku"]) if fields.get("sku") else None
        transfer = get_transfer(s, int(fields["transfer"])) if fields.get("transfer") else None
        return step(TEMPLATE, title=_("Move"), stage=stage, fields=fields, banner=banner,
                    in_bin=in_bin, item=item, transfer=transfer,
                    input_mode="numeric" if stage == "qty" else "scan")


@blueprint.get("/")
@permission_required("move")
def start() -> Response:
    return _show("from", {})


@blueprint.post("/")
@permission_required("move")
def scan() -> Response:
    form = request.form
    if empty_scan("qty"):
        return unchanged()
    if form.get("action") == "cancel":
        return _show("from", {})
    stage = form.get("stage", "from")
    fields = carried(("from", "sku", "lot", "available", "qty", "transfer"),
                     NEEDS.get(stage, ()))
    return {"from": _at_from, "item": _at_item, "qty": _at_qty, "to": _at_to,
            "receive": _at_receive}.get(stage, _at_from)(fields)


def _at_from(fields: dict[str, Any]) -> Response:
    text = scanned()
    transfer = TRANSFER.match(text)
    if transfer:
        try:
            with db().read() as s:
                found = get_transfer(s, int(transfer.group(1)))
                status = found.status
        except WmsError as error:
            return _show("from", {}, refusal(error))
        if status != "in_transit":
            return _show("from", {}, refused(_("This transfer was received already"), text))
        return _show("receive", {"transfer": transfer.group(1)}, ok(text.upper()))
    result = decode(text)
    if result.kind != "location":
        return _show("from", {}, not_recognised(result, _("a bin")))
    return _show("item", {"from": result.location}, ok(_("From %(code)s", code=result.location)))


def _at_item(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    base = {"from": fields["from"]}
    if result.kind != "item":
        return _show("item", base, not_recognised(result, _("an item barcode")))
    with db().read() as s:
        item = find_item(s, result.sku or "")
        free = sum(h.free for h in holdings(s, location=fields["from"], item_id=item.id)
                   if result.lot is None or h.lot == result.lot)
    if free <= 0:
        return _show("item", base, refused(_("Not enough stock"), _(
            "%(bin)s holds no free %(sku)s", bin=fields["from"], sku=result.sku)))
    return _show("qty", {**base, "sku": result.sku, "lot": result.lot, "available": free},
                 ok(result.sku or ""))


def _at_qty(fields: dict[str, Any]) -> Response:
    available = int(fields.get("available") or 0)
    qty = typed_quantity(scanned(), sku=fields["sku"], lot=fields.get("lot"), default=available,
                         maximum=available)
    if isinstance(qty, Banner):
        return _show("qty", fields, qty)
    return _show("to", {**fields, "qty": qty})


def _at_to(fields: dict[str, Any]) -> Response:
    """The scanned bin goes straight into the one transaction that moves (or, to another
    warehouse, sends) the goods and shows the next step; only a refusal reads the scan again."""
    text = scanned()
    target = bin_code(text)
    if target is None:
        return _show("to", fields, not_a_bin(text, _("a bin")))
    qty = int(fields["qty"])

    def move(session: Session) -> dict[str, Any]:
        moved = move_to_bin(session, sku=fields["sku"], qty=qty, from_code=fields["from"],
                            to_code=target, lot=fields.get("lot"), user_id=current_user.id)
        if moved.transfer is not None:
            return {"transfer": moved.transfer.id, "warehouse": moved.to_warehouse, "qty": qty,
                    "sku": fields["sku"]}
        return {"qty": qty, "sku": fields["sku"], "to": target}

    request_fields = {k: fields.get(k) for k in ("from", "sku", "lot", "qty")} | {"to": target}
    def show(session: Session, reply: dict[str, Any]) -> Response:
        if "transfer" in reply:
            return _show("from", {}, ok(
                _("Sent %(qty)s × %(sku)s to %(warehouse)s as TRF-%(id)s", qty=reply["qty"],
                  sku=reply["sku"], warehouse=reply["warehouse"], id=reply["transfer"]),
                _("Scan TRF-%(id)s there to take the goods in", id=reply["transfer"])), session)
        return _show("from", {}, ok(_("Moved %(qty)s × %(sku)s to %(bin)s", qty=reply["qty"],
                                      sku=reply["sku"], bin=reply["to"])), session)

    try:
        return apply_and_show(request.form.get("scan_id", ""), request_fields, move, show)
    except UnknownLocation as error:
        return _show("to", fields, not_a_bin(text, _("a bin"), error))
    except WmsError as error:
        return _show("to", fields, refusal(error, location=target))


def _at_receive(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind != "location":
        return _show("receive", fields, not_recognised(result, _("a bin")))
    transfer_id = int(fields["transfer"])

    def take_in(session: Any) -> dict[str, Any]:
        _transfer, moves = receive_transfer(session, transfer_id, result.location or "",
                                            current_user.id)
        return {"units": sum(m.qty for m in moves), "bin": result.location}

    try:
        reply = apply_once(request.form.get("scan_id", ""),
                           {"transfer": transfer_id, "to": result.location}, take_in)
    except WmsError as error:
        return _show("receive", fields, refusal(error, location=result.location or ""))
    return _show("from", {}, ok(ngettext("TRF-%(id)s: %(num)s unit into %(bin)s",
                                         "TRF-%(id)s: %(num)s units into %(bin)s",
                                         reply["units"], id=transfer_id, bin=reply["bin"])))
