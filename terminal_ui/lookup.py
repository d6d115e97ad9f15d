"""Stock lookup: scan a bin or an item and see what is where, with quantities."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from terminal_ui.auth import permission_required
from terminal_ui.scan_pages import (
    Banner,
    db,
    decode,
    empty_scan,
    not_recognised,
    scanned,
    step,
    unchanged,
)
from wms.services.floor_lists import holdings
from wms.services.lookup import find_item

blueprint = Blueprint("lookup", __name__, url_prefix="/lookup")
TEMPLATE = "lookup/_step.html"


def _show(banner: Banner | None = None, **found: object) -> Response:
    return step(TEMPLATE, title=_("Stock lookup"), banner=banner, **found)


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
    with db().read() as s:
        if result.kind == "location":
            rows = holdings(s, location=result.location)
            return _show(location=result.location, rows=rows,
                         total=sum(r.qty for r in rows))
        if result.kind == "item":
            item = find_item(s, result.sku or "")
            rows = holdings(s, item_id=item.id)
            return _show(item=item, rows=rows, total=sum(r.qty for r in rows))
    return _show(not_recognised(result, _("a bin or an item")))
