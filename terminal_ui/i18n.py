"""Chinese and English: the locale of each request, and localized numbers and dates.

The catalog lives in terminal_ui/translations/zh; the selector answers "zh" or "en" (never
"zh-CN": Babel reads "zh_CN" as zh_Hans_CN, whose catalog would be looked up in vain)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from terminal_ui.codes import mark_codes
from wms.db import Database
from wms.models import User

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

blueprint = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The signed-in user's setting, else the choice made on this browser, else the
    browser's languages, else Chinese."""
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in LANGUAGES:
        return str(chosen)
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def qty(value: int | float | None) -> str:
    """A quantity as the user's locale writes numbers."""
    return "" if value is None else format_decimal(value)


def day(value: date | datetime | None) -> str:
    """A date (an expiry, a receipt day) in the user's locale."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    return format_date(value, "medium")


STATUS_LABELS = {
    "open": _l("open"), "draft": _l("draft"), "partial": _l("partly received"),
    "received": _l("received"), "closed": _l("closed"), "allocated": _l("allocated"),
    "picking": _l("picking"),
    "picked": _l("picked"), "packed": _l("packed"), "shipped": _l("shipped"),
    "cancelled": _l("cancelled"), "recount": _l("recount"), "submitted": _l("submitted"),
    "approved": _l("approved"), "queued": _l("queued"), "printing": _l("printing"),
    "printed": _l("printed"), "failed": _l("failed"), "in_transit": _l("in transit"),
}


DOCUMENT_LABELS = {
    "bin_label": _l("bin label"), "lot_label": _l("item/lot label"),
    "lpn_label": _l("pallet label (SSCC)"), "shipping_label": _l("shipping label"),
    "packing_slip": _l("packing slip"), "receiving_note": _l("receiving note"),
}


# Why a print job did not print (wms.services.print_jobs.PRINT_ERRORS), for the printer's
# keeper: what is wrong and what to look at.
PRINT_ERROR_LABELS = {
    "not_connected": _l("Printer not connected: is it plugged in and switched on?"),
    "permission_denied": _l("The gateway may not open the printer: check its permissions"),
    "busy": _l("The printer is in use by another program"),
    "unreachable": _l("The printer does not answer on the network: is it on, and is its "
                      "address right?"),
    "no_driver": _l("The gateway lacks the printer's driver"),
    "font_missing": _l("The gateway lacks a Chinese font to print this"),
    "cannot_render": _l("This document cannot be printed: reprint it after the cause is "
                        "fixed"),
    "failed": _l("The printer or its connection reported an error"),
}


def print_error_label(reason: str) -> str:
    """Why a print job did not print, in the user's language."""
    return str(PRINT_ERROR_LABELS.get(reason, reason))


def document_label(document: str) -> str:
    """A printed document's kind in the user's language."""
    return str(DOCUMENT_LABELS.get(document, document))


def status_label(status: str) -> str:
    """An order, count or job status in the user's language."""
    return str(STATUS_LABELS.get(status, status))


def language() -> str:
    """The language of this request's pages: "zh" or "en"."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES \
        else DEFAULT_LANGUAGE


def item_name(item: object) -> str:
    """The item's name in the user's language, falling back to its main name."""
    zh = language() == "zh"
    chosen = getattr(item, "name_zh" if zh else "name_en", None)
    return str(chosen or getattr(item, "name", ""))


def isodate(text: str | None) -> date | None:
    """A date carried in a form field as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def init_i18n(app: Flask) -> None:
    """Flask-Babel with the zh catalog, and the `qty`/`day` template filters."""
    Babel(app, locale_selector=select_locale,
          default_translation_directories="translations")
    app.jinja_env.filters["qty"] = qty
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["item_name"] = item_name
    app.jinja_env.filters["isodate"] = isodate
    app.jinja_env.filters["codes"] = mark_codes
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["language"] = language
    app.jinja_env.globals["document_label"] = document_label
    app.jinja_env.globals["print_error_label"] = print_error_label
    app.register_blueprint(blueprint)


def _safe_back(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@blueprint.post("/language")
def choose_language() -> Response:
    """Remember the language for this browser and, when signed in, for the user."""
    chosen = request.form.get("locale", "")
    if chosen in LANGUAGES:
        session["locale"] = chosen
        if current_user.is_authenticated:
            db: Database = current_app.extensions["wms.db"]
            with db.write() as s:
                user = s.get(User, current_user.id)
                if user is not None:
                    user.locale = chosen
            current_user.locale = chosen
    return redirect(_safe_back(request.form.get("back")))
