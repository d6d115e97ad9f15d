"""The checks of a line's lot, expiry and quantity steps, the same for every page: a scan is
read as what it is. The line's own GS1 label fills the fields; another item's label or
barcode is a wrong item; a bin, badge, order, command or pallet code is never taken as a
lot, an expiry or a quantity; a quantity is typed digits that are no barcode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from wms.errors import UnexpectedScan, WrongItemScanned, WrongLotScanned
from wms.models import Item, Lot, PurchaseOrder, SalesOrder
from wms.scanning import GS, GS1_SYMBOLOGIES, ScanResult

LOT_TEXT = re.compile(r"[0-9A-Za-z._/-]{1,40}")
# Barcodes made of digits are 8 (EAN-8) or more digits long; shorter digits are typed numbers.
SHORTEST_NUMERIC_BARCODE = 8
QTY_LIMIT = 999_999_999


@dataclass(frozen=True)
class LineEntry:
    """What a lot, expiry or quantity step was given: a lot (and the expiry of its label),
    an expiry, a typed quantity, or `units` counted by a scan of the line's item."""

    lot: str | None = None
    expiry: date | None = None
    qty: int | None = None
    units: int | None = None


def check_label(scan: ScanResult, sku: str, lot: str | None = None,
                expiry: date | None = None) -> None:
    """An item scanned at a line's step must be the line's item (and its lot and expiry,
    when the line has them)."""
    if scan.sku != sku:
        raise WrongItemScanned(f"this label is {scan.sku}, the line is {sku}",
                               expected=sku, scanned=scan.sku, label=True)
    if lot and scan.lot and scan.lot != lot:
        raise WrongLotScanned(f"this label is lot {scan.lot}, the line is lot {lot}",
                              expected=lot, scanned=scan.lot)
    if expiry and scan.expiry and scan.expiry != expiry:
        raise WrongLotScanned(f"this label expires {scan.expiry}, the line's lot {expiry}",
                              expected=expiry.isoformat(), scanned=scan.expiry.isoformat())


def _is_gs1(scan: ScanResult) -> bool:
    return bool(scan.symbology in GS1_SYMBOLOGIES or GS in scan.text
                or scan.text.startswith("(") or scan.lot or scan.expiry or scan.qty
                or scan.problem == "bad_gs1")


def _refuse(expected: str, scan: ScanResult, kind: str | None = None,
            **details: object) -> UnexpectedScan:
    """The scan is no `expected`; `kind` says what it is instead."""
    kind = kind or ("item_barcode" if scan.kind == "item" else scan.kind)
    if kind == "unknown" and _is_gs1(scan):
        kind = "gs1_unknown_item" if scan.gtin else "unreadable"
    code = scan.location or scan.sku or scan.username or scan.command or scan.sscc or scan.text
    return UnexpectedScan(f"{expected}: the scan is a {kind}, not a {expected}",
                          expected=expected, kind=kind, scanned=code, **details)


def _not_plain_text(expected: str, scan: ScanResult) -> None:
    """Refuse every scan that decodes as something (a code of this warehouse or a GS1
    label); a plain text or an unknown number passes."""
    if scan.kind != "unknown" or _is_gs1(scan):
        raise _refuse(expected, scan)


def _order_number(session: Session, text: str) -> bool:
    found = session.execute(union_all(
        select(PurchaseOrder.id).where(PurchaseOrder.number == text.upper()),
        select(SalesOrder.id).where(SalesOrder.number == text.upper())).limit(1)).first()
    return found is not None


def _known_lot(session: Session, sku: str, code: str) -> bool:
    return session.scalar(select(Lot.id).join(Item, Item.id == Lot.item_id).where(
        Item.sku == sku, Lot.code == code)) is not None


def read_lot(session: Session, scan: ScanResult, *, sku: str) -> LineEntry:
    """The lot given at a line's lot step: the line's GS1 label (its lot, expiry and count),
    or a lot typed or scanned as plain text. A short number is a lot only when the item has
    that lot already; otherwise it is a quantity typed at the wrong step."""
    if scan.kind == "item":
        check_label(scan, sku)
        if not scan.lot:
            raise _refuse("lot", scan)
        return LineEntry(lot=scan.lot, expiry=scan.expiry, units=scan.qty)
    _not_plain_text("lot", scan)
    text = scan.text
    if not LOT_TEXT.fullmatch(text):
        raise _refuse("lot", scan, "not_a_lot")
    if _order_number(session, text):
        raise _refuse("lot", scan, "order")
    if (text.isdigit() and len(text) < SHORTEST_NUMERIC_BARCODE // 2
            and not _known_lot(session, sku, text)):
        raise _refuse("lot", scan, "quantity")
    return LineEntry(lot=text)


def parse_expiry(text: str) -> date | None:
    """An expiry typed as YYYYMMDD, YYMMDD or YYYY-MM-DD."""
    digits = text.replace("-", "").replace("/", "").strip()
    try:
        if len(digits) == 8 and digits.isdigit():
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if len(digits) == 6 and digits.isdigit():
            return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return None
    return None


def read_expiry(scan: ScanResult, *, sku: str, lot: str | None = None) -> LineEntry:
    """The expiry given at a line's expiry step: the line's GS1 label (which must carry an
    expiry, and the line's lot when it has one) or a date typed as YYYYMMDD."""
    if scan.kind == "item":
        check_label(scan, sku, lot)
        if scan.expiry is None:
            raise _refuse("expiry", scan)
        return LineEntry(lot=scan.lot, expiry=scan.expiry, units=scan.qty)
    _not_plain_text("expiry", scan)
    found = parse_expiry(scan.text)
    if found is None:
        raise _refuse("expiry", scan, "not_a_date")
    return LineEntry(expiry=found)


def typed_number(text: str) -> int | None:
    """Digits too short to be a barcode: a number typed on the keypad."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and \
        len(text) < SHORTEST_NUMERIC_BARCODE else None


def read_quantity(scan: ScanResult | None, text: str, *, sku: str, lot: str | None = None,
                  maximum: int | None = None, allow_zero: bool = False,
                  expiry: date | None = None) -> LineEntry:
    """A quantity step's entry: typed digits are the quantity (at least one, or zero where
    allowed, and at most `maximum`); a scan of the line's item counts its units (a GS1 count
    that many, a case's code its pack size); anything else is refused. `scan` is the decoded
    entry, needed only when `text` is no typed number."""
    number = typed_number(text)
    if number is None and scan is not None and scan.kind == "item":
        check_label(scan, sku, lot, expiry)
        return LineEntry(lot=scan.lot, expiry=scan.expiry, units=scan.counts)
    if number is None and scan is not None and scan.kind == "unknown" and not _is_gs1(scan) \
            and text.strip().isascii() and text.strip().isdigit():
        # A long number that is no barcode: still a quantity (one too long to be read is
        # more than any quantity).
        digits = text.strip()
        number = int(digits) if len(digits) <= 18 else QTY_LIMIT + 1
    if number is None:
        if scan is None:
            raise _refuse("quantity", ScanResult("unknown", text, text), "not_a_number")
        kind = "not_a_number" if scan.kind == "unknown" and not _is_gs1(scan) else None
        raise _refuse("quantity", scan, kind)
    limit = min(maximum, QTY_LIMIT) if maximum is not None else QTY_LIMIT
    if number > limit:
        raise _refuse("quantity", ScanResult("unknown", text, text), "too_many",
                      maximum=limit, qty=number)
    if number == 0 and not allow_zero:
        raise _refuse("quantity", ScanResult("unknown", text, text), "zero")
    return LineEntry(qty=number)


__all__ = ["LineEntry", "check_label", "parse_expiry", "read_expiry", "read_lot",
           "read_quantity", "typed_number"]
