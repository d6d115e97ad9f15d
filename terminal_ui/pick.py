"""Picking: choose an order, then each task in walking order: scan the bin, scan the item
(or its lot label), confirm the quantity. A wrong bin, item or lot is refused and changes
nothing; a shortage is recorded and the picker moves on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from locations import InvalidLocationCode, normalize_location_code
from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    apply_once,
    db,
    decode,
    info,
    not_recognised,
    ok,
    quantity_entry,
    refusal,
    refused,
    scanned,
    step,
)
from wms.errors import WmsError
from wms.models import PickList
from wms.services.allocation import create_pick_list
from wms.services.floor_lists import (
    TaskView,
    open_pick_list_of,
    open_tasks,
    orders_to_pick,
)
from wms.services.picking import confirm_pick, report_short
from wms.services.shelf_life import warehouse_today

blueprint = Blueprint("pick", __name__, url_prefix="/pick")
TEMPLATE = "pick/_step.html"


def _title() -> str:
    return _("Pick")


def _choose(banner: Banner | None = None) -> Response:
    with db().read() as s:
        orders = orders_to_pick(s)
        return step(TEMPLATE, title=_title(), stage="choose", orders=orders, banner=banner)


def _task_step(pick_list_id: int, stage: str, banner: Banner | None = None,
               **fields: Any) -> Response:
    """The list's next open task at `stage` (bin, item, qty or short)."""
    with db().read() as s:
        tasks = open_tasks(s, pick_list_id)
        if not tasks:
            pick_list = s.get(PickList, pick_list_id)
            where = pick_list.packing_location.code if pick_list else ""
            return _choose(ok(_("All picked: take the goods to %(code)s", code=where),
                              banner.text if banner else ""))
        task = tasks[0]
        if "task" in fields and str(fields["task"]) != str(task.id):
            stage, fields = "bin", {}
        return step(TEMPLATE, title=_title(), stage=stage, task=task, left=len(tasks),
                    banner=banner, input_mode="numeric" if stage == "qty" else "scan",
                    fields={"list": pick_list_id, "task": task.id, "stage": stage, **fields})


@blueprint.get("/")
@permission_required("pick")
def start() -> Response:
    return _choose()


@blueprint.post("/")
@permission_required("pick")
def scan() -> Response:
    form = request.form
    if not form.get("list", "").isdigit():
        return _open_order(form.get("order") or scanned())
    pick_list_id = int(form["list"])
    stage = form.get("stage", "bin")
    action = form.get("action")
    if action == "short":
        return _task_step(pick_list_id, "short", task=form.get("task"))
    if action == "short_confirm":
        return _short(pick_list_id, form)
    if action in ("back", "skip_to_bin"):
        return _task_step(pick_list_id, "bin", task=form.get("task"))
    if action == "orders":
        return _choose()
    handler = {"bin": _at_bin, "item": _at_item, "qty": _at_qty}.get(stage, _at_bin)
    return handler(pick_list_id, form)


def _open_order(text: str) -> Response:
    number = text.strip().upper()
    if not number:
        return _choose(refused(_("Scan an order number or tap an order")))
    with db().read() as s:
        existing = open_pick_list_of(s, number)
    if existing is not None:
        return _task_step(existing, "bin", banner=info(_("Order %(number)s", number=number)))
    scan_id = request.form.get("scan_id", "")

    def allocate(session: Any) -> dict[str, Any]:
        settings = current_app.config["WMS_SETTINGS"]
        result = create_pick_list(session, number, current_user.id,
                                  home_warehouse=settings.home_warehouse or None,
                                  today=warehouse_today(settings.timezone))
        return {"pick_list": result.pick_list.id,
                "warehouse": result.pick_list.packing_location.warehouse.code,
                "short": [[s.sku, s.qty] for s in result.shortages]}

    try:
        reply = apply_once(scan_id, {"order": number}, allocate)
    except WmsError as error:
        return _choose(refusal(error, number=number))
    banner = info(_("Order %(number)s from %(warehouse)s", number=number,
                    warehouse=reply["warehouse"]))
    if reply["short"]:
        banner = refused(_("Not all of the order is in stock in %(warehouse)s",
                           warehouse=reply["warehouse"]),
                         ", ".join(f"{sku} × {qty}" for sku, qty in reply["short"]))
    return _task_step(reply["pick_list"], "bin", banner=banner)


def _task(pick_list_id: int, task_id: str) -> TaskView | None:
    with db().read() as s:
        return next((t for t in open_tasks(s, pick_list_id) if str(t.id) == task_id), None)


def _at_bin(pick_list_id: int, form: Any) -> Response:
    task = _task(pick_list_id, form.get("task", ""))
    if task is None:
        return _task_step(pick_list_id, "bin")
    text = scanned()
    try:
        code = normalize_location_code(text)
    except InvalidLocationCode:
        code = text.upper()
    if code != task.location:
        return _task_step(pick_list_id, "bin", task=task.id, banner=refused(
            _("Wrong bin"), _("Expected %(expected)s, scanned %(scanned)s",
                              expected=task.location, scanned=text or "—")))
    return _task_step(pick_list_id, "item", task=task.id, bin=code,
                      banner=ok(_("Bin %(code)s", code=code)))


def _at_item(pick_list_id: int, form: Any) -> Response:
    task = _task(pick_list_id, form.get("task", ""))
    if task is None:
        return _task_step(pick_list_id, "bin")
    keep = {"task": task.id, "bin": form.get("bin")}
    result = decode(scanned())
    if result.kind == "location":
        return _task_step(pick_list_id, "item", **keep, banner=refused(
            _("Scan the item, not a bin"),
            _("Expected %(expected)s, scanned %(scanned)s", expected=task.sku,
              scanned=result.text)))
    if result.kind != "item":
        return _task_step(pick_list_id, "item", **keep,
                          banner=not_recognised(result, task.sku))
    if result.sku != task.sku:
        return _task_step(pick_list_id, "item", **keep, banner=refused(
            _("Wrong item"), _("Expected %(expected)s, scanned %(scanned)s",
                               expected=task.sku, scanned=result.sku)))
    if result.lot and task.lot and result.lot != task.lot:
        return _task_step(pick_list_id, "item", **keep, banner=refused(
            _("Wrong lot"), _("Expected %(expected)s, scanned %(scanned)s",
                              expected=task.lot, scanned=result.lot)))
    return _task_step(pick_list_id, "qty", **keep, lot=result.lot, counted=1,
                      banner=ok(task.sku))


def _at_qty(pick_list_id: int, form: Any) -> Response:
    task = _task(pick_list_id, form.get("task", ""))
    if task is None:
        return _task_step(pick_list_id, "bin")
    text = scanned()
    counted = int(form.get("counted", "0") or 0)
    keep = {"task": task.id, "bin": form.get("bin"), "lot": form.get("lot") or None}
    entry = quantity_entry(text, sku=task.sku, lot=task.lot, counted=counted,
                           default=task.remaining)
    if entry.refusal is not None:
        return _task_step(pick_list_id, "qty", **keep, counted=counted, banner=entry.refusal)
    if entry.counted is not None and entry.counted < task.remaining:
        return _task_step(pick_list_id, "qty", **keep, counted=entry.counted,
                          banner=ok(_("%(n)s counted", n=entry.counted)))
    qty = entry.qty if entry.qty is not None else entry.counted
    if qty is None or qty > task.remaining:
        return _task_step(pick_list_id, "qty", **keep, counted=counted, banner=refused(
            _("Check the quantity"),
            _("This task needs %(n)s, not %(qty)s", n=task.remaining, qty=qty)))
    fields = {"task": task.id, "bin": keep["bin"], "lot": keep["lot"], "qty": qty}

    def pick(session: Any) -> dict[str, Any]:
        outcome = confirm_pick(session, task_id=task.id, location=keep["bin"] or "",
                               sku=task.sku, qty=qty, user_id=current_user.id, lot=keep["lot"])
        return {"picked": qty, "sku": task.sku, "remaining": outcome.remaining,
                "status": outcome.order_status}

    try:
        reply = apply_once(form.get("scan_id", ""), fields, pick)
    except WmsError as error:
        return _task_step(pick_list_id, "bin", task=task.id,
                          banner=refusal(error, sku=task.sku))
    return _task_step(pick_list_id, "bin", banner=ok(
        _("Picked %(qty)s × %(sku)s", qty=reply["picked"], sku=reply["sku"])))


def _short(pick_list_id: int, form: Any) -> Response:
    task = _task(pick_list_id, form.get("task", ""))
    if task is None:
        return _task_step(pick_list_id, "bin")

    def short(session: Any) -> dict[str, Any]:
        report_short(session, task_id=task.id, user_id=current_user.id)
        return {"short": task.remaining, "sku": task.sku}

    try:
        reply = apply_once(form.get("scan_id", ""), {"task": task.id, "short": True}, short)
    except WmsError as error:
        return _task_step(pick_list_id, "bin", task=task.id, banner=refusal(error))
    return _task_step(pick_list_id, "bin", banner=info(
        _("Recorded %(qty)s × %(sku)s short", qty=reply["short"], sku=reply["sku"])))
