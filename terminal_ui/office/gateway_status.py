"""The back office: the gateway's status (database, disk, last backup, print worker and
bridge, printers, scanners) for the supervisor and the owner, and the red line their home
pages show when any part is wrong."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from terminal_ui.auth import permission_required
from wms.db import Database
from wms.services.gateway_status import GatewayStatus, gateway_status

blueprint = Blueprint("office_status", __name__, url_prefix="/office")

# What each message code says, in the reader's language.
MESSAGES = {
    "database_ok": _l("Reachable, schema up to date"),
    "database_unreachable": _l("The database does not answer"),
    "schema_behind": _l("The database's schema is older than the program: run wms upgrade"),
    "schema_ahead": _l("The database's schema is newer than the program"),
    "disk_ok": _l("Enough free space"),
    "disk_low": _l("The disk is nearly full"),
    "disk_unknown": _l("The free space cannot be read"),
    "backup_ok": _l("Recent backup"),
    "backup_old": _l("The last backup is too old"),
    "backup_none": _l("No backup yet"),
    "backup_not_managed": _l("The database server is backed up by its own means, not here"),
    "heartbeat_ok": _l("Running"),
    "heartbeat_stale": _l("Not heard from recently: is it running?"),
    "heartbeat_none": _l("Never heard from: is it running?"),
    "not_used": _l("Not used on this gateway"),
    "printer_ok": _l("No errors"),
    "printer_retrying": _l("Retrying after an error"),
    "printer_failed": _l("Jobs failed"),
    "scanner_connected": _l("Connected"),
    "scanner_disconnected": _l("Disconnected"),
}

# Why a scanner is connected or not (the scanner bridge's reason codes), in the reader's
# language; the bridge's technical text follows it in small print.
SCANNER_REASONS = {
    "opened": _l("Port opened"),
    "in_use": _l("In use by another program: is the scanner bridge already running?"),
    "permission_denied": _l("No permission to open the port: is the bridge's user in the "
                            "dialout group?"),
    "no_device": _l("No such device: is it unplugged?"),
    "cannot_open": _l("The port does not open"),
    "lost": _l("The scanner went away: plug it back in; nothing scanned is lost"),
}


def _db() -> Database:
    return current_app.extensions["wms.db"]


def current_status() -> GatewayStatus:
    with _db().read() as s:
        return gateway_status(s, current_app.config["WMS_SETTINGS"],
                              current_app.extensions["wms.site"])


def trouble_line() -> Markup | None:
    """The red line for the signed-in user's home page when any part of the gateway is
    wrong (None when all is well or the user may not see the status)."""
    if not current_user.may("status") or current_status().ok:
        return None
    return Markup(render_template("office/status_line.html",
                                  href=url_for("office_status.index")))


@blueprint.get("/status")
@permission_required("status")
def index() -> str:
    return render_template("office/status.html", status=current_status(), messages=MESSAGES,
                           scanner_reasons=SCANNER_REASONS)
