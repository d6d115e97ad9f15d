"""What every scan page shares: one step rendered as a full page or as the htmx partial,
the outcome banner, refusals in the user's language, and applying a scan exactly once.

A step's state travels in the step's hidden fields; the scan input itself stays on the page
between steps, so the keystrokes of a fast second scan always land in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_htmx import HTMX
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from locations import InvalidLocationCode, normalize_location_code
from terminal_ui.refusals import describe, scan_problem, scanned_as, short
from wms.db import Database
from wms.errors import Conflict, WmsError
from wms.idempotency import fingerprint, remember_reply, stored_reply
from wms.scanning import ScanResult, decode_scan
from wms.services.scan_steps import LineEntry, read_expiry, read_lot, read_quantity, typed_number

htmx = HTMX()


@dataclass(frozen=True)
class Banner:
    """The large coloured line at the top of a step: ok (green), error (red), info."""

    kind: str
    text: str
    detail: str = ""


def ok(text: str, detail: str = "") -> Banner:
    return Banner("ok", text, detail)


def refused(text: str, detail: str = "") -> Banner:
    return Banner("error", text, detail)


def info(text: str, detail: str = "") -> Banner:
    return Banner("info", text, detail)


def refusal(error: WmsError, **context: str) -> Banner:
    """A domain error as the person on the floor reads it."""
    return refused(*describe(error, **context))


def db() -> Database:
    return current_app.extensions["wms.db"]


def new_scan_id() -> str:
    """A fresh id for the next state-changing submit of a step (its idempotency key)."""
    return uuid.uuid4().hex


def step(template: str, *, title: str, status: int | None = None, action: str | None = None,
         **context: Any) -> Response:
    """A scan step: the whole page for a plain request, only the step partial for htmx.
    A step showing a refusal answers 422 (htmx is configured to swap it all the same)."""
    banner = context.get("banner")
    context.setdefault("scan_id", new_scan_id())
    context.setdefault("fields", {})
    if status is None:
        status = 422 if isinstance(banner, Banner) and banner.kind == "error" else 200
    if htmx:
        body = render_template(template, title=title, **context)
    else:
        body = render_template("scan_page.html", step_template=template, title=title,
                               action=action, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


class DamagedStep(Exception):
    """The fields a step carries to the next one are missing or are not what the page wrote
    there (a form edited by hand, or sent from a page of another step): nothing is done."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the step's field {field!r} is missing or damaged")
        self.field = field


# Carried fields that hold a whole number (a quantity or a record's id) or a date.
NUMBER_FIELDS = frozenset({"available", "qty", "counted", "remaining", "transfer", "count",
                           "list", "task", "open", "receipt"})
DATE_FIELDS = frozenset({"expiry"})
MAX_DIGITS = 9
MAX_CARRIED_TEXT = 64  # the longest code a step carries (an item's SKU)


def _well_formed(name: str, value: str) -> bool:
    if len(value) > MAX_CARRIED_TEXT or any(c < " " or c == "\x7f" for c in value):
        return False  # the page never writes control characters into a step's fields
    if name in NUMBER_FIELDS:
        return value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS
    if name in DATE_FIELDS:
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
    return True


def carried(names: Iterable[str], needs: Iterable[str] = ()) -> dict[str, Any]:
    """The step's carried fields `names` from the form (None when absent), each number and
    date checked, and every field of `needs` present; else DamagedStep."""
    fields: dict[str, Any] = {name: request.form.get(name) for name in names}
    for name, value in fields.items():
        if value and not _well_formed(name, value):
            raise DamagedStep(name)
    for name in needs:
        if not request.form.get(name):
            raise DamagedStep(name)
    return fields


def scanned() -> str:
    """The text of the scan (or typed entry) submitted with this step, without the control
    characters a bad cable adds (the GS separator of GS1 codes is kept)."""
    text = request.form.get("scan", "")
    return "".join(c for c in text if c >= " " and c != "\x7f" or c == "\x1d").strip()


BUTTONS = ("action", "order", "open", "reason", "pick")


def empty_scan(*enter_stages: str) -> bool:
    """Enter with nothing scanned and no button tapped (a double Enter, a resend of an empty
    scan), at a stage where Enter alone does not confirm anything."""
    form = request.form
    if scanned() or any(form.get(name) for name in BUTTONS):
        return False
    return form.get("stage", "") not in enter_stages


def unchanged() -> Response:
    """The answer to an empty scan: nothing changes and the page keeps showing what it
    showed (204: htmx swaps nothing, a plain form stays on its page)."""
    response = make_response("", 204)
    response.vary.add("HX-Request")
    return response


def apply_once(scan_id: str, request_fields: dict[str, Any],
               work: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` in one write transaction with its reply stored under the step's scan id,
    so that a resend (same scan id, same fields) gets the first reply and changes nothing."""
    return _once(scan_id, request_fields, work, None)[0]


def apply_and_show(scan_id: str, request_fields: dict[str, Any],
                   work: Callable[[Session], dict[str, Any]],
                   show: Callable[[Session, dict[str, Any]], Response]) -> Response:
    """As `apply_once`, and `show` renders the next step from the reply in the same
    transaction, so one scan is one transaction (a resend renders it in a read)."""
    reply, shown = _once(scan_id, request_fields, work, show)
    if shown is not None:
        return shown
    with db().read() as session:
        return show(session, reply)


def _once(scan_id: str, request_fields: dict[str, Any],
          work: Callable[[Session], dict[str, Any]],
          show: Callable[[Session, dict[str, Any]], Response] | None
          ) -> tuple[dict[str, Any], Response | None]:
    user_id = current_user.id
    key = f"page:{scan_id or new_scan_id()}"[:255]  # a form without its id is never a resend
    digest = fingerprint({"path": request.path, "fields": request_fields})

    def transaction(session: Session) -> tuple[dict[str, Any], Response | None]:
        reply = work(session)
        remember_reply(session, user_id, key, digest, 200, reply)
        return reply, (show(session, reply) if show is not None else None)

    try:
        return db().transaction(transaction)
    except IntegrityError as exc:
        stored = _stored(user_id, key, digest)
        if stored is None:
            raise Conflict("the change clashed with another one; try again") from exc
        return stored, None
    except WmsError:
        stored = _stored(user_id, key, digest)
        if stored is None:
            raise
        return stored, None


@contextmanager
def reading(session: Session | None = None) -> Iterator[Session]:
    """The given unit of work (a step shown inside its scan's transaction), else a read."""
    if session is not None:
        yield session
        return
    with db().read() as fresh:
        yield fresh


def _stored(user_id: int, key: str, digest: str) -> dict[str, Any] | None:
    with db().read() as session:
        found = stored_reply(session, user_id, key, digest)
    return found[1] if found else None


def decode(text: str) -> ScanResult:
    """What a scan typed into a page means (the same decoding the stations use)."""
    with db().read() as session:
        return _decode(session, text)


def _decode(session: Session, text: str) -> ScanResult:
    stand_ins = current_app.config["WMS_SETTINGS"].gs_replacement.split()
    return decode_scan(session, text, gs_replacements=stand_ins)


def not_recognised(result: ScanResult, expected: str) -> Banner:
    """A scan that is not what the step asks for, saying what was expected and what the
    scan is: an unknown or unreadable code, or a known code of another kind."""
    problem = scan_problem(result.problem)
    if problem or result.kind == "unknown":
        return refused(problem or _("Unknown code"), expected_scanned(expected, result.text))
    kind = "item_barcode" if result.kind == "item" else result.kind
    code = (result.location or result.sku or result.username or result.command
            or result.sscc or result.text)
    headline = {"location": _("This is a bin"), "item_barcode": _("This is an item"),
                "badge": _("This is a badge"), "command": _("This is a command card"),
                "lpn": _("This is a pallet label")}.get(kind, _("Unknown code"))
    return refused(headline, _("Expected %(expected)s, scanned %(scanned)s",
                               expected=short(expected), scanned=scanned_as(kind, short(code))))


def bin_code(text: str) -> str | None:
    """A scan at a bin step as a bin code, read without asking the database (the service
    finds the bin); None when it cannot be a bin code at all."""
    try:
        return normalize_location_code(text)
    except InvalidLocationCode:
        return None


def not_a_bin(text: str, expected: str, error: WmsError | None = None) -> Banner:
    """The refusal of a scan at a bin step that names no bin here: what the scan is instead
    (or the service's refusal, when it is a bin after all)."""
    result = decode(text)
    if result.kind == "location" and error is not None:
        return refusal(error, location=result.location or "")
    return not_recognised(result, expected)


def expected_scanned(expected: str, scanned: str) -> str:
    """"Expected …, scanned …" with the scan cut to one short line."""
    return _("Expected %(expected)s, scanned %(scanned)s", expected=short(expected),
             scanned=short(scanned) or "—")


@dataclass(frozen=True)
class QuantityEntry:
    """What came in at a quantity step: a typed quantity (Enter alone takes the default),
    or one more scan of the item, counting units; `refusal` when it was neither."""

    qty: int | None = None
    counted: int | None = None
    refusal: Banner | None = None


def quantity_entry(text: str, *, sku: str, lot: str | None, counted: int,
                   default: int | None, allow_zero: bool = False,
                   maximum: int | None = None, counts_scans: bool = True,
                   expiry: date | None = None) -> QuantityEntry:
    """Read a quantity step's input: typed digits are the quantity, a scan of the same item
    (and lot) counts its units (a GS1 quantity counts that many), Enter alone takes
    `default`; anything else is refused, saying what it is."""
    if not text:
        return QuantityEntry(qty=default) if default else \
            QuantityEntry(refusal=refused(_("Type a quantity of at least 1")))
    scan = decode(text) if typed_number(text) is None else None
    try:
        entry = read_quantity(scan, text, sku=sku, lot=lot, maximum=maximum,
                              allow_zero=allow_zero, expiry=expiry)
    except WmsError as error:
        banner = refusal(error)
        if not counts_scans and error.code == "unexpected_scan" \
                and error.details.get("kind") not in ("too_many", "zero"):
            banner = refused(_("Type the quantity"), banner.detail)
        return QuantityEntry(refusal=banner)
    if entry.units is not None:
        return QuantityEntry(counted=counted + entry.units)
    return QuantityEntry(qty=entry.qty)


def typed_quantity(text: str, *, sku: str, lot: str | None, default: int | None,
                   maximum: int) -> int | Banner:
    """A quantity step that takes typed digits only (putaway, move, scrap): the quantity, at
    most `maximum`, or the refusal of anything else, a scan of the item included."""
    entry = quantity_entry(text, sku=sku, lot=lot, counted=0, default=default, maximum=maximum,
                           counts_scans=False)
    if entry.refusal is not None:
        return entry.refusal
    if entry.qty is None:
        return refused(_("Type the quantity"), _(
            "Expected %(expected)s, scanned %(scanned)s", expected=_("the quantity"),
            scanned=scanned_as("item_barcode", sku)))
    return entry.qty


def lot_entry(text: str, *, sku: str) -> LineEntry | Banner:
    """The lot given at a lot step (with the expiry of its label), or the refusal."""
    try:
        with db().read() as session:
            return read_lot(session, _decode(session, text), sku=sku)
    except WmsError as error:
        return refusal(error)


def expiry_entry(text: str, *, sku: str, lot: str | None) -> LineEntry | Banner:
    """The expiry given at an expiry step (typed, or the line's label), or the refusal."""
    try:
        return read_expiry(decode(text), sku=sku, lot=lot)
    except WmsError as error:
        return refusal(error)


def parse_qty(text: str) -> int | None:
    """A typed quantity: a whole number of at least one, else None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS \
        and 0 < int(text) < 10**9 else None
