"""Station screens: a tablet or PC beside a fixed scanner. The screen follows the station's
scans as they arrive from the bridge (it asks every second whether anything is new), shows
the order in hand, each scan's outcome (a refusal loudly), the scanners' connection and,
at the packing bench, the documents being printed. A scan can also be typed here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from terminal_ui.reason_labels import reason_choices, reason_label
from terminal_ui.refusals import describe
from terminal_ui.scan_pages import apply_once, db, new_scan_id, scanned
from terminal_ui.station_messages import describe_event, inspection_label
from wms.errors import WmsError
from wms.services.print_jobs import list_jobs
from wms.services.stations import (
    PERMISSION,
    choose_inspection,
    handle_scan,
    next_disposition,
    person_at,
    station_version,
    station_view,
)
from wms.site_config import StationConfig

blueprint = Blueprint("stations", __name__, url_prefix="/stations")
# The screen's reason buttons (no note is typed at a station, so no "other").
REASONS = reason_choices(("damaged", "wrong_item", "expired", "quality"))


def _site() -> Any:
    return current_app.extensions["wms.site"]


def _station(name: str) -> StationConfig:
    station = _site().stations.get(name)
    if station is None:
        abort(404)
    if not current_user.may(PERMISSION[station.kind]):
        abort(403)
    return station


def _live(station: StationConfig, since: int | None, status: int = 200,
          notice: tuple[str, str] | None = None) -> Response:
    with db().read() as s:
        view = station_view(s, station)
        jobs = []
        if station.kind == "packing":
            printers = {name for kind in ("packing_slip", "shipping_label")
                        for name in _site().printers_for(kind)}
            jobs = [job for printer in sorted(printers)
                    for job in list_jobs(s, printer=printer, gateway=_site().gateway,
                                         limit=4)]
        events = [(e, *describe_event(e.message, e.params)) for e in view.events]
        body = render_template("stations/_live.html", view=view, events=events, jobs=jobs,
                               since=since, reasons=REASONS, inspection_label=inspection_label,
                               reason_label=reason_label,
                               scan_id=new_scan_id(), notice=notice,
                               pending=next_disposition(view.data),
                               person=person_at(view.data,
                                                current_app.config["WMS_SETTINGS"].shift_hours))
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/")
@login_required
def index() -> str:
    stations = [s for s in _site().stations.values() if current_user.may(PERMISSION[s.kind])]
    return render_template("stations/index.html", stations=stations)


@blueprint.get("/<name>")
@login_required
def page(name: str) -> str:
    station = _station(name)
    live = _live(station, None).get_data(as_text=True)
    return render_template("stations/page.html", station=station, live=live)


@blueprint.get("/<name>/live")
@login_required
def live(name: str) -> Response:
    """The live part of the screen, or 204 when nothing happened since `since`."""
    station = _station(name)
    since = request.args.get("since", type=int)
    with db().read() as s:
        if since is not None and station_version(s, station) == since:
            return make_response("", 204)
    return _live(station, since)


@blueprint.post("/<name>/scan")
@login_required
def typed_scan(name: str) -> Response:
    """A scan typed at the station's screen (when the scanner cannot read a label), a
    quantity keyed on its number pad (sent as `x<n>`), or one of its buttons (sign out,
    finish the order)."""
    station = _station(name)
    raw = scanned()  # without the control characters a bad cable adds
    keyed = request.form.get("qty", "").strip()
    if keyed:
        raw = f"x{keyed}"
    since = request.form.get("since", type=int)
    if not raw:
        return _live(station, since)
    settings = current_app.config["WMS_SETTINGS"]

    def work(session: Any) -> dict[str, Any]:
        event = handle_scan(session, station, raw, user_id=current_user.id, site=_site(),
                            settings=settings, device=_("screen"))
        return {"event": event.id}

    try:
        apply_once(request.form.get("scan_id", ""), {"scan": raw}, work)
    except WmsError as error:  # a refused scan is recorded as an event; this was not taken
        return _live(station, since, 422, describe(error))
    return _live(station, since)


@blueprint.post("/<name>/inspection")
@login_required
def inspection(name: str) -> Response:
    """The dock's inspection choice for the next scans: accept, quarantine or reject."""
    station = _station(name)
    since = request.form.get("since", type=int)
    disposition, _sep, reason = request.form.get("choice", "").partition(":")
    if disposition != "accept" and reason not in REASONS:
        return _live(station, since)
    try:
        with db().write() as s:
            choose_inspection(s, station, disposition,
                              reason if reason in REASONS else None, current_user.id)
    except WmsError as error:
        return _live(station, since, 422, describe(error))
    return _live(station, since)
