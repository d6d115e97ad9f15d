"""Picking: choose an order, then each task in walking order: scan the bin, scan the item
(or its lot label), confirm the quantity. A wrong bin, item or lot is refused and changes
nothing; a shortage is recorded and the picker moves on."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    apply_once,
    carried,
    db,
    decode,
    empty_scan,
    info,
    not_recognised,
    ok,
    quantity_entry,
    refusal,
    refused,
    scanned,
    step,
    unchanged,
)
from wms.errors import WmsError
from wms.models import PickList
from wms.services.allocation import create_pick_list
from wms.services.floor_lists import open_pick_list_of, orders_to_pick
from wms.services.picking import (
    ItemNames,
    PickOutcome,
    TaskView,
    check_bin,
    check_item_scan,
    confirm_pick,
    open_tasks,
    report_short,
)
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
            return _all_picked(where, banner)
        task = tasks[0]
        if "task" in fields and str(fields["task"]) != str(task.id):
            stage, fields = "bin", {}
        return _show_task(pick_list_id, task, len(tasks), stage, banner, **fields)


def _show_task(pick_list_id: int, view: TaskView, left: int, stage: str,
               banner: Banner | None = None, **fields: Any) -> Response:
    if stage == "qty":  # what reading the quantity needs, so the confirmation reads nothing
        fields = {"sku": view.sku, "remaining": view.remaining, **fields}
    return step(TEMPLATE, title=_title(), stage=stage, task=view, left=left,
                banner=banner, input_mode="numeric" if stage == "qty" else "scan",
                fields={"list": pick_list_id, "task": view.id, "stage": stage, **fields})


def _all_picked(where: str, banner: Banner | None) -> Response:
    return _choose(ok(_("All picked: take the goods to %(code)s", code=where),
                      banner.text if banner else ""))


def _next_json(outcome: PickOutcome) -> dict[str, Any]:
    """The next task as the reply stores it (a resent scan shows the same next step)."""
    t = outcome.next_task
    reply: dict[str, Any] = {"packing": outcome.packing, "left": outcome.tasks_left, "next": None}
    if t is not None:
        reply["next"] = {
            "id": t.id, "seq": t.seq, "location": t.location, "sku": t.sku, "lot": t.lot,
            "expiry": t.expiry.isoformat() if t.expiry else None, "qty": t.qty,
            "picked": t.picked, "short": t.short, "list": t.pick_list_id,
            "names": [t.item.name, t.item.name_zh, t.item.name_en]}
    return reply


def _next_step(pick_list_id: int, reply: dict[str, Any], banner: Banner) -> Response:
    """The step after a confirmation, from the reply alone."""
    t = reply["next"]
    if t is None:
        return _all_picked(reply["packing"], banner)
    task = TaskView(t["id"], t["seq"], t["location"], t["sku"],
                    ItemNames(*t["names"]),
                    t["lot"], date.fromisoformat(t["expiry"]) if t["expiry"] else None,
                    t["qty"], t["picked"], t["short"], t["list"])
    return _show_task(pick_list_id, task, reply["left"], "bin", banner)


@blueprint.get("/")
@permission_required("pick")
def start() -> Response:
    return _choose()


@blueprint.post("/")
@permission_required("pick")
def scan() -> Response:
    form = request.form
    if empty_scan("qty"):
        return unchanged()
    carried(("list", "task", "remaining", "counted"))
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
    try:
        code = check_bin(task.location, scanned())
    except WmsError as error:
        return _show_task(pick_list_id, task, _left(pick_list_id), "bin", refusal(error))
    return _task_step(pick_list_id, "item", task=task.id, bin=code,
                      banner=ok(_("Bin %(code)s", code=code)))


def _left(pick_list_id: int) -> int:
    with db().read() as s:
        return len(open_tasks(s, pick_list_id))


def _at_item(pick_list_id: int, form: Any) -> Response:
    task = _task(pick_list_id, form.get("task", ""))
    if task is None:
        return _task_step(pick_list_id, "bin")
    keep = {"task": task.id, "bin": form.get("bin")}
    result = decode(scanned())
    try:
        check_item_scan(result, sku=task.sku, lot=task.lot)
    except WmsError as error:
        banner = refusal(error)
        if result.kind == "location":
            banner = refused(_("Scan the item, not a bin"), banner.detail)
        elif result.kind != "item":
            banner = not_recognised(result, task.sku)
        return _task_step(pick_list_id, "item", **keep, banner=banner)
    return _task_step(pick_list_id, "qty", **keep, lot=result.lot or task.lot, counted=result.units,
                      banner=ok(task.sku))


def _at_qty(pick_list_id: int, form: Any) -> Response:
    """The quantity of the task: read from the step's fields and the entry alone, then one
    transaction confirms it and names the next task (the service checks everything again)."""
    task_id, sku = form.get("task", ""), form.get("sku", "")
    if not task_id.isdigit() or not sku:
        return _task_step(pick_list_id, "bin")
    remaining = int(form.get("remaining", "0") or 0)
    counted = int(form.get("counted", "0") or 0)
    keep = {"task": task_id, "bin": form.get("bin"), "lot": form.get("lot") or None}
    entry = quantity_entry(scanned(), sku=sku, lot=keep["lot"], counted=counted,
                           default=remaining)
    if entry.refusal is not None:
        return _task_step(pick_list_id, "qty", **keep, counted=counted, banner=entry.refusal)
    if entry.counted is not None and entry.counted < remaining:
        return _task_step(pick_list_id, "qty", **keep, counted=entry.counted,
                          banner=ok(_("%(n)s counted", n=entry.counted)))
    qty = entry.qty if entry.qty is not None else entry.counted
    if qty is None or qty > remaining:
        return _task_step(pick_list_id, "qty", **keep, counted=counted, banner=refused(
            _("Check the quantity"),
            _("This task needs %(n)s, not %(qty)s", n=remaining, qty=qty)))
    fields = {"task": int(task_id), "bin": keep["bin"], "lot": keep["lot"], "qty": qty}

    def pick(session: Any) -> dict[str, Any]:
        outcome = confirm_pick(session, task_id=int(task_id), location=keep["bin"] or "",
                               sku=sku, qty=qty, user_id=current_user.id, lot=keep["lot"])
        return {"picked": qty, "sku": sku, "remaining": outcome.remaining,
                "status": outcome.order_status, **_next_json(outcome)}

    try:
        reply = apply_once(form.get("scan_id", ""), fields, pick)
    except WmsError as error:
        stage = "qty" if error.details.get("field") == "qty" else "bin"
        return _task_step(pick_list_id, stage, task=task_id,
                          banner=refusal(error, sku=sku))
    return _next_step(pick_list_id, reply, ok(
        _("Picked %(qty)s × %(sku)s", qty=reply["picked"], sku=reply["sku"])))


def _short(pick_list_id: int, form: Any) -> Response:
    """The rest of the task reported short, in one transaction that names the next task."""
    task_id = form.get("task", "")
    if not task_id.isdigit():
        return _task_step(pick_list_id, "bin")

    def short(session: Any) -> dict[str, Any]:
        outcome = report_short(session, task_id=int(task_id), user_id=current_user.id)
        return {"short": outcome.shorted, "sku": outcome.sku, **_next_json(outcome)}

    try:
        reply = apply_once(form.get("scan_id", ""), {"task": int(task_id), "short": True}, short)
    except WmsError as error:
        return _task_step(pick_list_id, "bin", task=task_id, banner=refusal(error))
    return _next_step(pick_list_id, reply, info(
        _("Recorded %(qty)s × %(sku)s short", qty=reply["short"], sku=reply["sku"])))
