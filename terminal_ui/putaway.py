"""Putaway: scan what was received, see the suggested bin and why (home bin, consolidate,
nearest free), scan the bin to confirm. Another valid bin is allowed and recorded; a full or
blocked bin is refused with the reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    DamagedStep,
    apply_and_show,
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
from wms.services.audit import record
from wms.services.floor_lists import Holding, waiting_for_putaway
from wms.services.lookup import find_item
from wms.services.moving import move_stock
from wms.services.putaway import suggest_putaway

blueprint = Blueprint("putaway", __name__, url_prefix="/putaway")
# What each step (or button) needs carried from the steps before it.
NEEDS = {"qty": ("from", "sku"), "bin": ("from", "sku", "qty")}
TEMPLATE = "putaway/_step.html"
WHY = {"home": _l("the item's home bin"), "consolidate": _l("joins the same item"),
       "nearest_free": _l("nearest free bin")}


def _show(stage: str, fields: dict[str, Any], banner: Banner | None = None,
          session: Session | None = None) -> Response:
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields["stage"] = stage
    with reading(session) as s:
        waiting = waiting_for_putaway(s) if stage == "item" else []
        item = find_item(s, fields["sku"]) if fields.get("sku") else None
        advice = None
        if stage == "bin":
            advice = suggest_putaway(s, sku=fields["sku"], qty=int(fields["qty"]),
                                     lot=fields.get("lot"), from_location=fields["from"])
            if advice.suggestions:
                fields["suggested"] = advice.suggestions[0].code
        return step(TEMPLATE, title=_("Putaway"), stage=stage, fields=fields, banner=banner,
                    waiting=waiting, item=item, advice=advice, why=WHY,
                    input_mode="numeric" if stage == "qty" else "scan")


@blueprint.get("/")
@permission_required("move")
def start() -> Response:
    return _show("item", {})


@blueprint.post("/")
@permission_required("move")
def scan() -> Response:
    form = request.form
    if empty_scan("qty"):
        return unchanged()
    if form.get("action") == "cancel":
        return _show("item", {})
    stage = form.get("stage", "item")
    fields = carried(("from", "sku", "lot", "available", "qty", "suggested"),
                     NEEDS.get(stage, ()))
    if form.get("pick"):
        chosen = form["pick"].split("|", 2)
        if len(chosen) != 3:
            raise DamagedStep("pick")
        return _chosen(*chosen)
    return {"item": _at_item, "qty": _at_qty, "bin": _at_bin}.get(stage, _at_item)(fields)


def _chosen(location: str, sku: str, lot: str) -> Response:
    """Goods chosen from the waiting list (or found by their scan)."""
    holding = _waiting(sku, lot or None, location)
    if holding is None:
        return _show("item", {}, refused(_("Nothing of this is waiting for putaway"), sku))
    return _show("qty", {"from": holding.location, "sku": holding.sku, "lot": holding.lot,
                         "available": holding.free}, ok(holding.sku))


def _waiting(sku: str, lot: str | None, location: str | None = None) -> Holding | None:
    with db().read() as s:
        for holding in waiting_for_putaway(s):
            if holding.sku == sku and holding.free > 0 and (lot is None or holding.lot == lot) \
                    and (location is None or holding.location == location):
                return holding
    return None


def _at_item(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind == "location":
        return _show("item", {"from": result.location},
                     ok(_("From %(code)s", code=result.location)))
    if result.kind != "item":
        return _show("item", {}, not_recognised(result, _("a received item")))
    holding = _waiting(result.sku or "", result.lot, fields.get("from"))
    if holding is None:
        return _show("item", {}, refused(_("Nothing of this is waiting for putaway"),
                                         result.sku or ""))
    return _show("qty", {"from": holding.location, "sku": holding.sku, "lot": holding.lot,
                         "available": holding.free}, ok(holding.sku))


def _at_qty(fields: dict[str, Any]) -> Response:
    available = int(fields.get("available") or 0)
    qty = typed_quantity(scanned(), sku=fields["sku"], lot=fields.get("lot"), default=available,
                         maximum=available)
    if isinstance(qty, Banner):
        return _show("qty", fields, qty)
    return _show("bin", {**fields, "qty": qty})


def _at_bin(fields: dict[str, Any]) -> Response:
    """The scanned bin goes straight to the move (which finds it): one transaction moves the
    goods, stores the reply and shows what waits next; only a refusal reads the scan again."""
    text = scanned()
    suggested = fields.get("suggested")
    expected = suggested or _("a bin")
    target = bin_code(text)
    if target is None:
        return _show("bin", fields, not_a_bin(text, expected))

    def put_away(session: Any) -> dict[str, Any]:
        moves = move_stock(session, sku=fields["sku"], qty=int(fields["qty"]),
                           from_code=fields["from"], to_code=target, lot=fields.get("lot"),
                           user_id=current_user.id)
        if suggested and target != suggested:
            record(session, current_user.id, "putaway.other_bin", target, suggested=suggested,
                   sku=fields["sku"], move=moves[0].id)
        return {"qty": sum(m.qty for m in moves), "sku": fields["sku"], "bin": target,
                "suggested": suggested}

    request_fields = {k: fields.get(k) for k in ("from", "sku", "lot", "qty")} | {"to": target}
    def show(session: Session, reply: dict[str, Any]) -> Response:
        detail = ""
        if reply["suggested"] and reply["bin"] != reply["suggested"]:
            detail = _("Suggested %(suggested)s; your bin is recorded",
                       suggested=reply["suggested"])
        return _show("item", {}, ok(_("Put %(qty)s × %(sku)s in %(bin)s", qty=reply["qty"],
                                      sku=reply["sku"], bin=reply["bin"]), detail), session)

    try:
        return apply_and_show(request.form.get("scan_id", ""), request_fields, put_away, show)
    except UnknownLocation as error:
        return _show("bin", fields, not_a_bin(text, expected, error))
    except WmsError as error:
        return _show("bin", fields, refusal(error, location=target))
