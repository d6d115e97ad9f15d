"""The office's warehouses, zones and bins: the warehouses, each one's zones and bins
(filtered, paged, exported), the layout generator with a preview, bin edits one at a time
or many at once, and bin labels for many bins at once."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.office.tables import file_response, page_window
from wms.db import Database
from wms.errors import Conflict, Invalid, UnknownRecord, WmsError
from wms.models import LOCATION_KINDS
from wms.services.layout import (
    EDITABLE_KINDS,
    MAX_LAYOUT_BINS,
    BinChanges,
    BinFilter,
    LayoutRequest,
    create_layout,
    find_warehouse,
    list_bins,
    list_warehouses,
    list_zones,
    next_walk_seq,
    parse_zones,
    preview_layout,
    save_warehouse,
    update_bins,
)
from wms.services.lookup import find_location
from wms.services.print_jobs import queue_bin_labels
from wms.site_config import SiteConfig
from wms.tabular import Column

blueprint = Blueprint("office_layout", __name__, url_prefix="/office")

KIND_LABELS = {
    "storage": _l("storage"), "dock": _l("dock"), "staging": _l("staging"),
    "packing": _l("packing"), "quarantine": _l("quarantine"), "in_transit": _l("in transit"),
}
# How many bins of a preview the page lists one by one (the counts cover them all).
PREVIEW_LISTED = 500
# The largest zone the preview draws as a grid of aisles and bays.
DRAWN_AISLES, DRAWN_BAYS = 40, 40


def kind_label(kind: str) -> str:
    """A location kind in the reader's language."""
    return str(KIND_LABELS.get(kind, kind))


def _db() -> Database:
    return current_app.extensions["wms.db"]


def _site() -> SiteConfig:
    return current_app.extensions["wms.site"]


def _problem(error: WmsError) -> str:
    """A refusal of this room in the reader's language."""
    field = str(error.details.get("field", ""))
    if isinstance(error, Conflict) and "existing" in error.details:
        return _("%(n)s of these bins exist already (the first is %(code)s): nothing was "
                 "created. Choose other zones or aisles.", n=error.details["existing"],
                 code=error.details.get("first", ""))
    if isinstance(error, Conflict) and "warehouse" in error.details:
        return _("Warehouse %(code)s exists already", code=error.details["warehouse"])
    if isinstance(error, UnknownRecord):
        return _("Not found")
    problems = {
        "code": _("Code: 1 to 20 letters, digits, - or _"),
        "name": _("Name: 1 to 200 characters"),
        "zones": _("Zones: one or more zone codes of 1 to 4 capital letters or digits, "
                   "starting with a letter, none twice (for example A B C)"),
        "zone": _("Zones: one or more zone codes of 1 to 4 capital letters or digits, "
                  "starting with a letter, none twice (for example A B C)"),
        "aisle": _("Aisles: a whole number from 1 to 99"),
        "aisles": _("Aisles: a whole number from 1 to 99"),
        "bay": _("Bays: a whole number from 1 to 99"),
        "bays": _("Bays: a whole number from 1 to 99"),
        "level": _("Levels: a whole number from 1 to 99"),
        "levels": _("Levels: a whole number from 1 to 99"),
        "start_seq": _("First walking position: a whole number of at least 1"),
        "capacity": _("Capacity: a whole number of at least 0, or empty for no limit"),
        "kind": _("Kind: choose one of the list"),
        "printer": _("Choose a printer"),
        "bins": _("Choose at least one bin"),
    }
    if field == "bins" and error.details.get("asked"):
        return _("At most %(max)s bins at once; this layout has %(n)s",
                 max=MAX_LAYOUT_BINS, n=error.details["asked"])
    if field == "bins" and error.details.get("location"):
        return _("No bin %(code)s", code=error.details["location"])
    return str(problems.get(field, _("Not accepted")))


def _whole(text: str | None, field: str, *, empty: int | None = None) -> int | None:
    """A whole number typed in a form field; empty gives `empty`, anything else Invalid."""
    text = (text or "").strip()
    if not text:
        return empty
    if not text.isdigit() or len(text) > 10:
        raise Invalid(f"{field}: a whole number", field=field)
    return int(text)


def _partial_or_page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


# ---------------------------------------------------------------- warehouses


WAREHOUSE_COLUMNS = (("code", _l("Code")), ("name", _l("Name")), ("zones", _l("Zones")),
                     ("bins", _l("Locations")), ("blocked", _l("Blocked")))


@blueprint.get("/warehouses")
@permission_required("office")
def warehouses() -> Response:
    window = page_window()
    with _db().read() as s:
        rows = list_warehouses(s)
    if window.fmt:
        return file_response(window.fmt, [Column(k, str(h)) for k, h in WAREHOUSE_COLUMNS],
                             [vars(row) for row in rows], "warehouses")
    end = None if window.limit is None else window.offset + window.limit
    return _partial_or_page("office/layout/warehouses.html", rows=rows[window.offset:end],
                            total=len(rows), window=window, form={}, problem=None)


@blueprint.post("/warehouses")
@permission_required("master_data")
def create_warehouse() -> WerkzeugResponse | Response:
    form = request.form
    try:
        with _db().write() as s:
            warehouse = save_warehouse(s, form.get("code", ""), form.get("name", ""),
                                       current_user.id, create=True)
            code = warehouse.code
    except WmsError as error:
        window = page_window()
        with _db().read() as s:
            rows = list_warehouses(s)
        return _partial_or_page("office/layout/warehouses.html", 422, rows=rows[:window.limit],
                                total=len(rows), window=window, form=form,
                                problem=_problem(error))
    flash(_("Warehouse %(code)s created", code=code), "info")
    return redirect(url_for("office_layout.warehouse", code=code), 303)


@blueprint.post("/warehouses/<code>/name")
@permission_required("master_data")
def rename_warehouse(code: str) -> WerkzeugResponse:
    try:
        with _db().write() as s:
            save_warehouse(s, code, request.form.get("name", ""), current_user.id,
                           create=False)
        flash(_("Saved"), "info")
    except WmsError as error:
        flash(_problem(error), "error")
    return redirect(url_for("office_layout.warehouse", code=code), 303)


# ---------------------------------------------------------------- one warehouse's bins


BIN_COLUMNS = (("code", _l("Bin")), ("zone", _l("Zone")), ("kind", _l("Kind")),
               ("capacity", _l("Capacity")), ("walk_seq", _l("Walking order")),
               ("blocked", _l("Blocked")))


def _bin_filter(code: str) -> BinFilter:
    args = request.args
    kind = args.get("kind") or None
    blocked = {"yes": True, "no": False}.get(args.get("blocked", ""))
    return BinFilter(warehouse=code, zone=args.get("zone") or None,
                     kind=kind if kind in LOCATION_KINDS else None, blocked=blocked,
                     code=args.get("q") or None)


@blueprint.get("/warehouses/<code>")
@permission_required("office")
def warehouse(code: str) -> Response:
    window = page_window()
    wanted = _bin_filter(code)
    with _db().read() as s:
        try:
            found = find_warehouse(s, code)
        except UnknownRecord:
            abort(404)
        bins, total = list_bins(s, wanted, window.limit, window.offset)
        if window.fmt:
            rows = [{"code": b.code, "zone": b.zone.code if b.zone else "",
                     "kind": kind_label(b.kind), "capacity": b.capacity,
                     "walk_seq": b.walk_seq, "blocked": _("yes") if b.blocked else ""}
                    for b in bins]
            return file_response(window.fmt, [Column(k, str(h)) for k, h in BIN_COLUMNS],
                                 rows, f"bins-{found.code}")
        template = "office/layout/_bins.html" if request.headers.get("HX-Request") \
            else "office/layout/warehouse.html"
        return _partial_or_page(
            template, warehouse=found, zones=list_zones(s, found),
            bins=bins, total=total, window=window, wanted=wanted, kinds=LOCATION_KINDS,
            editable_kinds=EDITABLE_KINDS, printers=sorted(_site().printers),
            kind_label=kind_label)


def _back(code: str) -> str:
    """The warehouse page with the filters and page the form was sent from."""
    back = request.form.get("back", "")
    prefix = url_for("office_layout.warehouse", code=code)
    return back if back.startswith(prefix) else prefix


@blueprint.post("/warehouses/<code>/bins")
@permission_required("master_data")
def bins_action(code: str) -> WerkzeugResponse:
    """The bins ticked on the warehouse page: block, unblock, capacity, kind or labels."""
    form = request.form
    codes = form.getlist("bin")
    action = form.get("action", "")
    try:
        with _db().write() as s:
            if action == "labels":
                jobs = queue_bin_labels(s, codes, form.get("printer", ""), _site(),
                                        current_user.id)
                message = ngettext("%(num)s bin label queued for printer %(printer)s",
                                   "%(num)s bin labels queued for printer %(printer)s",
                                   len(jobs), printer=form.get("printer", ""))
            else:
                changes = _bulk_changes(action, form)
                changed = update_bins(s, codes, changes, current_user.id)
                message = ngettext("%(num)s bin changed", "%(num)s bins changed", changed)
        flash(message, "info")
    except WmsError as error:
        flash(_problem(error), "error")
    return redirect(_back(code), 303)


def _bulk_changes(action: str, form: Any) -> BinChanges:
    if action in ("block", "unblock"):
        return BinChanges(blocked=action == "block")
    if action == "capacity":
        return BinChanges(set_capacity=True, capacity=_whole(form.get("capacity"),
                                                             "capacity"))
    if action == "kind":
        return BinChanges(kind=form.get("kind") or "")
    raise Invalid("action: block, unblock, capacity, kind or labels", field="action")


@blueprint.route("/bins/<code>", methods=["GET", "POST"])
@permission_required("office")
def bin_page(code: str) -> Response | WerkzeugResponse | tuple[str, int]:
    """One bin: its capacity, kind and block, edited by master-data roles."""
    problem = None
    status = 200
    if request.method == "POST":
        if not current_user.may("master_data"):
            return render_template("errors/forbidden.html"), 403
        form = request.form
        try:
            changes = BinChanges(set_capacity=True,
                                 capacity=_whole(form.get("capacity"), "capacity"),
                                 kind=form.get("kind") or "",
                                 blocked=form.get("blocked") == "on")
            with _db().write() as s:
                changed = update_bins(s, [code], changes, current_user.id)
            flash(_("Saved") if changed else _("Nothing changed"), "info")
            return redirect(url_for("office_layout.bin_page", code=code), 303)
        except WmsError as error:
            problem, status = _problem(error), 422
    with _db().read() as s:
        try:
            location = find_location(s, code)
        except WmsError:
            abort(404)
        return _partial_or_page("office/layout/bin.html", status, location=location,
                                kinds=EDITABLE_KINDS, kind_label=kind_label, problem=problem,
                                form=request.form if problem else None)


# ---------------------------------------------------------------- the layout generator


def _layout_request(form: Any, default_seq: int) -> LayoutRequest:
    return LayoutRequest(
        zones=parse_zones(form.get("zones", "")),
        aisles=_whole(form.get("aisles"), "aisles", empty=0) or 0,
        bays=_whole(form.get("bays"), "bays", empty=0) or 0,
        levels=_whole(form.get("levels"), "levels", empty=0) or 0,
        start_seq=_whole(form.get("start_seq"), "start_seq", empty=default_seq) or 0,
        capacity=_whole(form.get("capacity"), "capacity"),
        kind=form.get("kind") or "storage")


def _grid(preview: Any) -> list[dict[str, Any]]:
    """Each zone of the preview drawn as aisles x bays: the walking position of each bay's
    first level, and which way the aisle is walked."""
    request_ = preview.request
    if request_.aisles > DRAWN_AISLES or request_.bays > DRAWN_BAYS:
        return []
    first: dict[tuple[str, int, int], int] = {}
    for spec in preview.bins:
        first.setdefault((spec.zone, spec.aisle, spec.bay), spec.walk_seq)
    return [{"zone": zone, "aisles": [
        {"aisle": aisle, "forward": aisle % 2 == 1,
         "bays": [first[(zone, aisle, bay)] for bay in range(1, request_.bays + 1)]}
        for aisle in range(1, request_.aisles + 1)]} for zone in request_.zones]


@blueprint.route("/warehouses/<code>/layout", methods=["GET", "POST"])
@permission_required("master_data")
def layout(code: str) -> Response | WerkzeugResponse:
    """The generator's form; a POST with `preview` shows what it would create (the htmx
    partial), a POST with `create` writes it."""
    form = request.form if request.method == "POST" else request.args
    with _db().read() as s:
        try:
            found = find_warehouse(s, code)
        except UnknownRecord:
            abort(404)
        default_seq = next_walk_seq(s, found)
        warehouse_code, warehouse_name = found.code, found.name
    context: dict[str, Any] = {"warehouse_code": warehouse_code,
                               "warehouse_name": warehouse_name, "form": form,
                               "default_seq": default_seq, "kinds": EDITABLE_KINDS,
                               "kind_label": kind_label, "preview": None, "problem": None,
                               "listed": PREVIEW_LISTED, "grid": []}
    if request.method == "GET":
        return _partial_or_page("office/layout/generator.html", **context)
    creating = "create" in request.form
    try:
        wanted = _layout_request(form, default_seq)
        if creating:
            with _db().write() as s:
                made = create_layout(s, warehouse_code, wanted, current_user.id)
            flash(ngettext("%(num)s bin created, walking order %(first)s to %(last)s",
                           "%(num)s bins created, walking order %(first)s to %(last)s",
                           len(made.bins), first=made.bins[0].walk_seq,
                           last=made.bins[-1].walk_seq), "info")
            return redirect(url_for("office_layout.warehouse", code=warehouse_code), 303)
        with _db().read() as s:
            context["preview"] = preview_layout(s, warehouse_code, wanted)
        context["grid"] = _grid(context["preview"])
        status = 200
    except WmsError as error:
        context["problem"] = _problem(error)
        status = 422
    template = "office/layout/_preview.html" if request.headers.get("HX-Request") \
        and not creating else "office/layout/generator.html"
    return _partial_or_page(template, status, **context)
