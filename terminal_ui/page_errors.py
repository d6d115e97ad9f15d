"""What a page shows when a request cannot be served: never a stack trace, always a sentence
in the user's language, and for an htmx step a step the scan form can keep working with."""

from __future__ import annotations

from flask import Flask, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from terminal_ui.scan_pages import htmx, refused


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
    def csrf_failed(error: CSRFError) -> Response:
        return _answer(_("The page has expired"), _("Sign in again, then scan again"), 400)


def page_not_found(error: HTTPException) -> Response:
    return _answer(_("No such page"), request.path, 404)


def page_fault() -> Response:
    """An unexpected fault on a page: nothing was changed (the transaction rolled back)."""
    return _answer(_("The gateway could not handle this"), _("Nothing was changed: scan again"),
                   500)
