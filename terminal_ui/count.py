"""Blind cycle counts: scan a bin, scan each item and type or scan the quantity. The counter
never sees the expected quantity; a variance over the threshold sends the bins back for a
recount before a supervisor approves."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    apply_and_show,
    apply_once,
    carried,
    db,
    decode,
    empty_scan,
    info,
    lot_entry,
    not_recognised,
    ok,
    quantity_entry,
    reading,
    refusal,
    refused,
    scanned,
    step,
    unchanged,
)
from wms.errors import WmsError, WrongLocationScanned
from wms.services.counting import (
    Thresholds,
    bin_of_count,
    enter_count,
    get_count,
    start_count,
    submit_count,
    variances_of,
)
from wms.services.floor_lists import counted_so_far, counts_to_work, open_count_of_bin
from wms.services.lookup import find_item, find_location

blueprint = Blueprint("count", __name__, url_prefix="/count")
# What each step (or button) needs carried from the steps before it.
NEEDS = {"bin": ("count",), "item": ("count", "bin"), "lot": ("count", "bin", "sku"),
         "qty": ("count", "bin", "sku"), "bin_done": ("count",), "finish": ("count",),
         "cancel": ("count", "bin")}
TEMPLATE = "count/_step.html"


def _thresholds() -> Thresholds:
    settings = current_app.config["WMS_SETTINGS"]
    return Thresholds(settings.count_variance_pct, settings.count_variance_units)


def _show(stage: str, fields: dict[str, Any], banner: Banner | None = None,
          session: Session | None = None) -> Response:
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    fields["stage"] = stage
    with reading(session) as s:
        counts = counts_to_work(s) if stage == "choose" else []
        count = get_count(s, int(fields["count"])) if fields.get("count") else None
        bins = [cl.location.code for cl in count.locations] if count else []
        recount_bins: set[str] = set()
        if count is not None and count.status == "recount":
            recount_bins = {v.location for v in variances_of(s, count, _thresholds())
                            if v.recount}
        so_far = []
        if count is not None and fields.get("bin"):
            so_far = counted_so_far(s, count, bin_of_count(s, count, fields["bin"]).id)
        item = find_item(s, fields["sku"]) if fields.get("sku") else None
        return step(TEMPLATE, title=_("Count"), stage=stage, fields=fields, banner=banner,
                    counts=counts, count=count, bins=bins, recount_bins=recount_bins,
                    so_far=so_far, item=item,
                    input_mode="numeric" if stage == "qty" else "scan")


@blueprint.get("/")
@permission_required("count")
def start() -> Response:
    return _show("choose", {})


@blueprint.post("/")
@permission_required("count")
def scan() -> Response:
    form = request.form
    if empty_scan("qty"):
        return unchanged()
    action = form.get("action")
    stage = form.get("stage", "choose")
    fields = carried(("count", "bin", "sku", "lot", "counted", "open"),
                     NEEDS.get(action or "", NEEDS.get(stage, ())))
    if form.get("open"):
        return _show("bin", {"count": form["open"]})
    if action == "bin_done":
        return _show("bin", {"count": fields["count"]},
                     ok(_("Bin %(code)s counted", code=fields["bin"])))
    if action == "finish":
        return _finish(fields)
    if action == "cancel":
        return _show("item", {"count": fields["count"], "bin": fields["bin"]})
    return {"choose": _at_choose, "bin": _at_bin, "item": _at_item, "lot": _at_lot,
            "qty": _at_qty}.get(stage, _at_choose)(fields)


def _at_choose(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind != "location":
        return _show("choose", {}, not_recognised(result, _("a bin")))
    code = result.location or ""
    with db().read() as s:
        existing = open_count_of_bin(s, find_location(s, code).id)
        existing_id = existing.id if existing else None
    if existing_id is not None:
        return _show("item", {"count": existing_id, "bin": code},
                     ok(_("Bin %(code)s", code=code)))

    def open_count(session: Any) -> dict[str, Any]:
        return {"count": start_count(session, [code], current_user.id).id}

    try:
        reply = apply_once(request.form.get("scan_id", ""), {"start": code}, open_count)
    except WmsError as error:
        return _show("choose", {}, refusal(error, location=code))
    return _show("item", {"count": reply["count"], "bin": code},
                 ok(_("Bin %(code)s", code=code)))


def _at_bin(fields: dict[str, Any]) -> Response:
    result = decode(scanned())
    if result.kind != "location":
        return _show("bin", fields, not_recognised(result, _("a bin")))
    try:
        with db().read() as s:
            code = bin_of_count(s, get_count(s, int(fields["count"])), result.location or "").code
    except WrongLocationScanned as error:
        return _show("bin", fields, refused(_("This bin is not part of the count"),
                                            refusal(error).detail))
    except WmsError as error:
        return _show("bin", fields, refusal(error))
    return _show("item", {"count": fields["count"], "bin": code}, ok(_("Bin %(code)s", code=code)))


def _at_item(fields: dict[str, Any]) -> Response:
    base = {"count": fields["count"], "bin": fields["bin"]}
    result = decode(scanned())
    if result.kind == "location":
        return _at_bin(base)
    if result.kind != "item":
        return _show("item", base, not_recognised(result, _("an item barcode")))
    with db().read() as s:
        tracked = find_item(s, result.sku or "").tracking == "lot"
    line = {**base, "sku": result.sku, "lot": result.lot, "counted": result.qty or 1}
    if tracked and not result.lot:
        return _show("lot", line, ok(result.sku or ""))
    return _show("qty", line, ok(result.sku or ""))


def _at_lot(fields: dict[str, Any]) -> Response:
    found = lot_entry(scanned(), sku=fields["sku"])
    if isinstance(found, Banner):
        return _show("lot", fields, found)
    fields["lot"] = found.lot
    return _show("qty", fields, ok(_("Lot %(lot)s", lot=fields["lot"])))


def _at_qty(fields: dict[str, Any]) -> Response:
    counted = int(fields.get("counted") or 0)
    entry = quantity_entry(scanned(), sku=fields["sku"], lot=fields.get("lot"),
                           counted=counted, default=counted, allow_zero=True)
    if entry.refusal is not None:
        return _show("qty", fields, entry.refusal)
    if entry.counted is not None:
        fields["counted"] = entry.counted
        return _show("qty", fields, ok(_("%(n)s counted", n=entry.counted)))
    qty = entry.qty or 0
    request_fields = {k: fields.get(k) for k in ("count", "bin", "sku", "lot")} | {"qty": qty}

    def enter(session: Any) -> dict[str, Any]:
        enter_count(session, count_id=int(fields["count"]), location=fields["bin"],
                    sku=fields["sku"], qty=qty, user_id=current_user.id, lot=fields.get("lot"))
        return {"qty": qty, "sku": fields["sku"]}

    def show(session: Session, reply: dict[str, Any]) -> Response:
        return _show("item", {"count": fields["count"], "bin": fields["bin"]},
                     ok(_("Counted %(qty)s × %(sku)s", qty=reply["qty"], sku=reply["sku"])),
                     session)

    try:
        return apply_and_show(request.form.get("scan_id", ""), request_fields, enter, show)
    except WmsError as error:
        return _show("qty", fields, refusal(error, sku=fields["sku"]))


def _finish(fields: dict[str, Any]) -> Response:
    count_id = int(fields["count"])

    def submit(session: Any) -> dict[str, Any]:
        count, variances = submit_count(session, count_id, _thresholds(), current_user.id)
        return {"status": count.status,
                "recount": sorted({v.location for v in variances if v.recount})}

    try:
        reply = apply_once(request.form.get("scan_id", ""), {"finish": count_id}, submit)
    except WmsError as error:
        return _show("bin", {"count": count_id}, refusal(error))
    if reply["status"] == "recount":
        return _show("bin", {"count": count_id}, refused(
            _("Count again: the figures differ too much"),
            _("Bins to recount: %(bins)s", bins=", ".join(reply["recount"]))))
    return _show("choose", {}, info(_("Count sent for approval")))
