"""What a scan is. One ordered list of parsers, used by the handheld pages and the station
scanners alike: command cards, badges, location codes, GS1 element strings (GTIN, lot,
expiry, quantity, SSCC), EAN/UPC item barcodes, SSCCs and SKUs. Each parser answers a match
or None; a scan nothing recognises comes back as unknown with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import biip
from biip import ParseConfig, ParseError
from biip.gs1_messages import GS1Message
from sqlalchemy import select
from sqlalchemy.orm import Session

from locations import InvalidLocationCode, normalize_location_code
from wms.models import Item, ItemBarcode, Location, User

COMMANDS = ("CONFIRM", "CANCEL", "SHORT", "NEXT", "BACK", "DONE")
GS = "\x1d"
# AIM symbology identifiers of symbols that carry GS1 data: GS1-128, GS1 DataMatrix, GS1 QR,
# GS1 DataBar.
GS1_SYMBOLOGIES = ("]C1", "]d2", "]Q3", "]e0")
AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class ScanResult:
    """What a scan means. `kind` is command, badge, location, item, lpn or unknown."""

    kind: str
    raw: str
    text: str
    symbology: str | None = None
    command: str | None = None
    username: str | None = None
    location: str | None = None
    sku: str | None = None
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    qty: int | None = None
    sscc: str | None = None
    reason: str | None = None
    problem: str | None = None  # why an unknown scan is unknown, as a code a page translates
    units: int = 1  # units one scan of this code stands for: a case's code, its pack size

    @property
    def counts(self) -> int:
        """Units this scan counts: a GS1 label's quantity, else the code's units."""
        return self.qty or self.units


@dataclass(frozen=True)
class Scan:
    raw: str
    text: str
    symbology: str | None

    def result(self, kind: str, **fields: object) -> ScanResult:
        return ScanResult(kind=kind, raw=self.raw, text=self.text, symbology=self.symbology,
                          **fields)  # type: ignore[arg-type]


def split_scan(raw: str, gs_replacements: Sequence[str] = ()) -> Scan:
    """The AIM symbology identifier (kept apart), and the text with the configured stand-ins
    for the GS separator turned back into GS (wedge scanners often cannot type GS)."""
    text = raw.strip("\r\n")
    symbology = None
    match = AIM_PREFIX.match(text)
    if match:
        symbology, text = match.group(0), text[match.end():]
    for stand_in in gs_replacements:
        if stand_in:
            text = text.replace(stand_in, GS)
    return Scan(raw=raw, text=text.strip(" "), symbology=symbology)


def _command(session: Session, scan: Scan) -> ScanResult | None:
    word = scan.text.upper().removeprefix("CMD:").removeprefix("%").removesuffix("%")
    return scan.result("command", command=word) if word in COMMANDS else None


def _badge(session: Session, scan: Scan) -> ScanResult | None:
    user = session.scalar(select(User).where(User.badge == scan.text, User.active.is_(True)))
    return scan.result("badge", username=user.username) if user else None


def _location(session: Session, scan: Scan) -> ScanResult | None:
    try:
        code = normalize_location_code(scan.text)
    except InvalidLocationCode:
        return None
    found = session.scalar(select(Location.code).where(Location.code == code))
    return scan.result("location", location=found) if found else None


def _item_for_gtin(session: Session, gtin14: str) -> tuple[str, int] | None:
    """The SKU of the item with this GTIN and the units its code stands for."""
    forms = {gtin14, gtin14[1:], gtin14[2:], gtin14[6:]}
    row = session.execute(
        select(Item.sku, ItemBarcode.units).join(ItemBarcode)
        .where(ItemBarcode.code.in_(forms)).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _item_for_code(session: Session, code: str) -> tuple[str, int] | None:
    """The SKU of the item one of whose barcodes this is, and the units it stands for."""
    row = session.execute(select(Item.sku, ItemBarcode.units).join(ItemBarcode).where(
        ItemBarcode.code == code)).first()
    return (row[0], row[1]) if row else None


def _looks_gs1(scan: Scan) -> bool:
    return (scan.symbology in GS1_SYMBOLOGIES or GS in scan.text
            or bool(re.match(r"^\((0[01]|1[0-7]|30|37)\)", scan.text)))


def _gs1(session: Session, scan: Scan) -> ScanResult | None:
    if not _looks_gs1(scan):
        return None
    if scan.text.startswith("("):  # the human-readable form printed under the barcode
        try:
            message = GS1Message.parse_hri(scan.text)
        except ParseError as exc:
            return scan.result("unknown", problem="bad_gs1", reason=f"not a valid GS1 code: {exc}")
    else:
        parsed = biip.parse(scan.text, config=ParseConfig(separator_chars=[GS]))
        if parsed.gs1_message is None:
            return scan.result("unknown", problem="bad_gs1", reason=f"not a valid GS1 code: "
                               f"{parsed.gs1_message_error or 'unreadable'}")
        message = parsed.gs1_message
    fields: dict[str, object] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai == "00":
            if element.sscc is None:
                return scan.result("unknown", problem="bad_check_digit",
                                   reason=f"SSCC: {element.sscc_error}")
            fields["sscc"] = element.sscc.value
        elif ai in ("01", "02"):
            if element.gtin is None:
                return scan.result("unknown", problem="bad_check_digit",
                                   reason=f"GTIN: {element.gtin_error}")
            fields["gtin"] = element.gtin.value.zfill(14)
        elif ai == "10":
            fields["lot"] = element.value
        elif ai in ("17", "15") and element.date is not None:
            fields.setdefault("expiry", element.date)
        elif ai in ("30", "37"):
            fields["qty"] = int(element.value)
    if "gtin" in fields:
        found = _item_for_gtin(session, str(fields["gtin"]))
        if found is None:
            return scan.result("unknown", problem="unknown_item",
                               reason=f"no item has GTIN {fields['gtin']}",
                               **fields)
        return scan.result("item", sku=found[0], units=found[1], **fields)
    if "sscc" in fields:
        return scan.result("lpn", **fields)
    return scan.result("unknown", problem="bad_gs1",
                       reason="a GS1 code without GTIN or SSCC", **fields)


def _numeric(session: Session, scan: Scan) -> ScanResult | None:
    """EAN-8, UPC-A, EAN-13, GTIN-14 and SSCC-18 by their length, check digit first."""
    text = scan.text
    if not text.isdigit() or len(text) not in (8, 12, 13, 14, 18):
        return None
    parsed = biip.parse(text)
    if len(text) == 18:
        if parsed.sscc is None:
            return scan.result("unknown", problem="bad_check_digit",
                               reason=f"SSCC check digit is wrong: "
                               f"{parsed.sscc_error}")
        return scan.result("lpn", sscc=parsed.sscc.value)
    if parsed.gtin is None:
        exact = _item_for_code(session, text)
        if exact is not None:  # an in-house code that happens to be all digits
            return scan.result("item", sku=exact[0], units=exact[1])
        return scan.result("unknown", problem="bad_check_digit",
                           reason=f"check digit is wrong: {parsed.gtin_error}")
    gtin14 = parsed.gtin.value.zfill(14)
    found = _item_for_gtin(session, gtin14)
    if found is None:
        return scan.result("unknown", gtin=gtin14, problem="unknown_item",
                           reason=f"no item has barcode {text}")
    return scan.result("item", sku=found[0], units=found[1], gtin=gtin14)


def _sku_or_barcode(session: Session, scan: Scan) -> ScanResult | None:
    sku = session.scalar(select(Item.sku).where(Item.sku == scan.text))
    if sku is not None:
        return scan.result("item", sku=sku)
    found = _item_for_code(session, scan.text)
    return scan.result("item", sku=found[0], units=found[1]) if found else None


Parser = Callable[[Session, Scan], ScanResult | None]
PARSERS: tuple[Parser, ...] = (_command, _badge, _location, _gs1, _numeric, _sku_or_barcode)


def decode_scan(session: Session, raw: str, *, gs_replacements: Sequence[str] = ()) -> ScanResult:
    """What `raw` (one scan, as typed or sent by a scanner) means."""
    scan = split_scan(raw, gs_replacements)
    if not scan.text:
        return scan.result("unknown", problem="empty", reason="empty scan")
    if any(c < " " and c != GS or c == "\x7f" for c in scan.text):
        # a bad cable or a misconfigured scanner; no code holds these (and PostgreSQL
        # refuses a NUL in a query)
        return scan.result("unknown", problem="control_characters",
                           reason="control characters in the scan")
    for parser in PARSERS:
        result = parser(session, scan)
        if result is not None:
            return result
    return scan.result("unknown", problem="unknown_code",
                       reason=f"{scan.text!r} is no location, item, badge or "
                       "command known here")


__all__ = ["COMMANDS", "ScanResult", "decode_scan", "split_scan"]
