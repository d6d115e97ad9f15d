"""Stock lookup: scan a bin or an item and see what is where, with quantities by status
(available, reserved, picked and waiting for packing, quarantine, expired, in transit)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    db,
    decode,
    empty_scan,
    not_recognised,
    refusal,
    scanned,
    step,
    unchanged,
)
from wms.errors import WmsError
from wms.services.floor_lists import by_status, holdings
from wms.services.lookup import find_item
from wms.services.shelf_life import warehouse_today

blueprint = Blueprint("lookup", __name__, url_prefix="/lookup")
TEMPLATE = "lookup/_step.html"
STATUS_LABELS = {
    "available": _l("Available"), "reserved": _l("Reserved for picking"),
    "picked": _l("Picked, awaiting packing"), "quarantine": _l("Quarantine"),
    "expired": _l("Expired"), "in_transit": _l("In transit"),
}


def _show(banner: Banner | None = None, **found: Any) -> Response:
    return step(TEMPLATE, title=_("Stock lookup"), banner=banner, statuses=STATUS_LABELS,
                **found)


@blueprint.get("/")
@permission_required("read")
def start() -> Response:
    return _show()


@blueprint.post("/")
@permission_required("read")
def scan() -> Response:
    if empty_scan():
        return unchanged()
    result = decode(scanned())
    today = warehouse_today(current_app.config["WMS_SETTINGS"].timezone)
    try:
        with db().read() as s:
            if result.kind == "location":
                rows = holdings(s, location=result.location, today=today)
                return _show(location=result.location, rows=rows,
                             total=sum(r.qty for r in rows), totals=by_status(rows))
            if result.kind == "item":
                item = find_item(s, result.sku or "")
                rows = holdings(s, item_id=item.id, today=today)
                return _show(item=item, rows=rows, total=sum(r.qty for r in rows),
                             totals=by_status(rows))
    except WmsError as error:  # a bin of a warehouse this person may not work in, say
        return _show(refusal(error))
    return _show(not_recognised(result, _("a bin or an item")))
