"""What a page shows when a request cannot be served: never a stack trace, always a sentence
in the user's language, and for an htmx step a step the scan form can keep working with."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from terminal_ui.scan_pages import DamagedStep, htmx, refusal, refused
from wms.db import unreachable
from wms.errors import WmsError

Answer = TypeVar("Answer", bound=Callable[..., Response])

# The seconds a page, the handheld and the bridge wait before they ask again while the
# database cannot be reached.
DATABASE_RETRY_AFTER_S = 5


def _or_database_away(handler: Answer) -> Answer:
    """An error page needs its reader (their language, their name in the bar): when the
    database holding them cannot be reached, the page says that instead."""

    @wraps(handler)
    def answer(*args: object) -> Response:
        try:
            return handler(*args)
        except Exception as error:
            if not unreachable(error):
                raise
            return database_away()

    return answer  # type: ignore[return-value]


def _answer(headline: str, detail: str, status: int) -> Response:
    template = "errors/_step.html" if htmx else "errors/failed.html"
    return make_response(render_template(template, banner=refused(headline, detail)), status)


def session_expired() -> Response:
    """Signed out (the shift ended) while on a page: htmx is told to load the sign-in page."""
    if htmx:
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=request.path)
        return response
    flash(_("Please sign in first"), "error")
    return redirect(url_for("auth.login", next=request.full_path))  # type: ignore[return-value]


def init_page_errors(app: Flask) -> None:
    """The pages' answer to a CSRF failure (the API is exempt: it authenticates by token)."""

    @app.errorhandler(CSRFError)
    @_or_database_away
    def csrf_failed(error: CSRFError) -> Response:
        return _answer(_("The page has expired"), _("Sign in again, then scan again"), 400)

    @app.before_request
    def no_nul_in_forms() -> Response | None:
        """A NUL byte is no text anyone types, and PostgreSQL cannot store one: a page form
        holding one is refused before any step reads it (the scan itself is read without
        the control characters a bad cable adds)."""
        if request.method == "POST" and not request.path.startswith("/api/") and any(
                "\x00" in value for name, value in request.form.items(multi=True)
                if name != "scan"):
            return _answer(_("Start this step again"), _("Nothing was changed: scan again"),
                           422)
        return None

    @app.errorhandler(DamagedStep)
    @_or_database_away
    def step_damaged(error: DamagedStep) -> Response:
        return _answer(_("Start this step again"), _("Nothing was changed: scan again"), 422)

    @app.errorhandler(WmsError)
    @_or_database_away
    def refused_on_a_page(error: WmsError) -> Response:
        """A refusal no step turned into its own banner (a record named by a step's field
        that is gone): the refusal, and nothing was changed."""
        if request.path.startswith("/api/"):
            return make_response({"error": {"code": error.code, "message": error.message}},
                                 error.status)
        banner = refusal(error)
        return _answer(banner.text, banner.detail, 422)


@_or_database_away
def page_not_found(error: HTTPException) -> Response:
    return _answer(_("No such page"), request.path, 404)


@_or_database_away
def page_fault() -> Response:
    """An unexpected fault on a page: nothing was changed (the transaction rolled back)."""
    return _answer(_("The gateway could not handle this"), _("Nothing was changed: scan again"),
                   500)


def database_away() -> Response:
    """The database cannot be reached: a page saying so in the reader's language that loads
    itself again, or for a scan (htmx) a short line; the handheld keeps the scan and sends it
    again. 503 with Retry-After; nothing was changed."""
    if "_login_user" not in g:  # the signed-in user could not be read: nobody is asked again
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    banner = refused(_("The database cannot be reached"),
                     _("The scan is kept and will be sent again") if htmx else
                     _("Nothing was changed. This page tries again by itself; tell the "
                       "supervisor if it lasts."))
    template = "errors/_unavailable.html" if htmx else "errors/unavailable.html"
    line = _("The database cannot be reached: the scan is kept and will be sent again")
    response = make_response(render_template(template, banner=banner, line=line,
                                             retry_after=DATABASE_RETRY_AFTER_S), 503)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    response.vary.add("HX-Request")
    return response
