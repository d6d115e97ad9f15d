"""The back office: the print queue with a preview of every job, reprint and cancel."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.previews import preview_response
from terminal_ui.refusals import describe
from wms.db import Database
from wms.errors import WmsError
from wms.models import JOB_STATUSES
from wms.services.print_jobs import cancel, get_job, list_jobs, reprint

blueprint = Blueprint("office", __name__, url_prefix="/office")


def _db() -> Database:
    return current_app.extensions["wms.db"]


@blueprint.get("/print-jobs")
@login_required
def print_jobs() -> str:
    status = request.args.get("status") or None
    if status not in (None, *JOB_STATUSES):
        status = None
    with _db().read() as s:
        jobs = list_jobs(s, status=status, limit=200)
        return render_template("office/print_jobs.html", jobs=jobs, status=status,
                               statuses=JOB_STATUSES,
                               gateway=current_app.extensions["wms.site"].gateway)


@blueprint.get("/print-jobs/<int(max=2147483647):job_id>/preview.png")
@login_required
def preview(job_id: int) -> Response:
    with _db().read() as s:
        try:
            job = get_job(s, job_id)
        except WmsError:
            abort(404)
        document, data, printer_name = job.document, dict(job.data), job.printer
    return preview_response(document, data, printer_name)


def _act(action: str, job_id: int) -> WerkzeugResponse:
    try:
        with _db().write() as s:
            job = (reprint if action == "reprint" else cancel)(s, job_id, current_user.id)
            message = (_("Queued again as job %(id)s", id=job.id) if action == "reprint"
                       else _("Job %(id)s cancelled", id=job.id))
        flash(message, "info")
    except WmsError as error:
        headline, detail = describe(error)
        flash(f"{headline} {detail}".strip(), "error")
    return redirect(url_for("office.print_jobs"))


@blueprint.post("/print-jobs/<int(max=2147483647):job_id>/reprint")
@login_required
def reprint_job(job_id: int) -> WerkzeugResponse:
    return _act("reprint", job_id)


@blueprint.post("/print-jobs/<int(max=2147483647):job_id>/cancel")
@login_required
def cancel_job(job_id: int) -> WerkzeugResponse:
    return _act("cancel", job_id)
