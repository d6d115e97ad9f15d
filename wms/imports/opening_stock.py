"""Opening stock from a file: what is on the shelves when the warehouse starts on the
system, booked through the ledger as adjustments (reason `opening_stock`, reference
OPENING), each item's average cost blended with the file's unit cost.

Opening stock is booked once per item and bin: a line for an item in a bin that has had
stock of it booked already (an earlier opening stock, a receipt, a move) is refused, and
so is a second line for the same item, bin and lot in one file. Importing the same file
twice therefore books nothing the second time; stock that is there already is corrected
by a stock count, which the ledger keeps as a variance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.api.schemas import Body, Code, OptionalLot, Qty
from wms.errors import UnknownLocation
from wms.imports.records import STEP, Checked
from wms.imports.table import (
    ImportColumn,
    Prepared,
    Progress,
    RowError,
    Sheet,
    no_progress,
    parse_row,
    validate,
)
from wms.ledger import MoveBatch, MoveRequest
from wms.models import Item, Location, Lot, StockBalance
from wms.models.base import utcnow
from wms.reasons import OPENING_STOCK
from wms.services.audit import record
from wms.services.lookup import location_code, lot_for_receipt

REFERENCE = "OPENING"

OPENING_STOCK_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("sku", "商品编码", required=True),
    ImportColumn("location", "库位编码", required=True),
    ImportColumn("lot", "批次"),
    ImportColumn("expiry", "有效期至", "date"),
    ImportColumn("qty", "数量", "int", required=True),
    ImportColumn("unit_cost", "单位成本", "decimal"),
)


class OpeningRow(Body):
    """One line of opening stock."""

    sku: Code
    location: Code
    lot: OptionalLot = None
    expiry: date | None = None
    qty: Qty
    unit_cost: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)] | None = None


@dataclass(frozen=True)
class OpeningLine:
    row: int
    item_id: int
    location_id: int
    lot: str | None
    expiry: date | None
    qty: int
    unit_cost: Decimal | None


def prepare_opening_stock(filename: str, sheet: Sheet,
                          progress: Progress = no_progress) -> Prepared:
    """Every line checked on its own: a whole quantity above zero, a date, a cost."""
    errors = list(sheet.errors)
    total = len(sheet.rows)
    columns = {c.key: c for c in OPENING_STOCK_COLUMNS}
    rows: list[tuple[int, str, dict[str, Any]]] = []
    for i, (number, row) in enumerate(sheet.rows):
        if i % STEP == 0:
            progress("check", i, total)
        values = parse_row(columns, number, row, errors)
        fields = validate(OpeningRow, number, values, errors) if values is not None else None
        if fields is not None:
            rows.append((number, fields["sku"], fields))
    progress("check", total, total)
    return Prepared("opening-stock", filename, sheet, rows, errors)


def check_opening_stock(session: Session, prepared: Prepared,
                        progress: Progress = no_progress) -> Checked:
    """Every line checked against the records: a known item and location, a lot and an
    expiry date where the item tracks them."""
    errors = list(prepared.errors)
    checked = Checked("opening-stock", prepared.total, errors)
    items = {row.sku: row for row in session.execute(
        select(Item.id, Item.sku, Item.tracking, Item.expiry))}
    locations = {row.code: row for row in session.execute(
        select(Location.id, Location.code, Location.kind))}
    expiries = _lot_expiries(session, prepared)
    booked = _booked(session, {items[f["sku"]].id for _, _, f in prepared.rows
                               if f["sku"] in items})
    seen: dict[tuple[int, int, str | None], int] = {}
    lines: list[OpeningLine] = []
    for i, (number, _, fields) in enumerate(prepared.rows):
        if i % STEP == 0:
            progress("compare", i, len(prepared.rows))
        line = _line(number, fields, items, locations, errors)
        if line is not None and _same_expiry(line, items[fields["sku"]], expiries, errors) \
                and _first_opening(line, fields, booked, seen, errors):
            lines.append(line)
    errors.sort(key=lambda e: e.row)
    checked.extra["lines"] = lines
    progress("compare", len(prepared.rows), len(prepared.rows))
    return checked


def _line(number: int, fields: dict[str, Any], items: dict[str, Any],
          locations: dict[str, Any], errors: list[RowError]) -> OpeningLine | None:
    before = len(errors)
    item = items.get(fields["sku"])
    if item is None:
        errors.append(RowError(number, "sku", f"sku: there is no item {fields['sku']}",
                               "unknown_item", {"value": fields["sku"]}))
    try:
        code = location_code(fields["location"])
    except UnknownLocation:
        code = fields["location"]
    location = locations.get(code)
    if location is None or location.kind == "in_transit":
        errors.append(RowError(number, "location", f"location: there is no location "
                               f"{fields['location']}", "unknown_location",
                               {"value": fields["location"]}))
    if item is not None and item.tracking == "lot" and not fields.get("lot"):
        errors.append(RowError(number, "lot", f"lot: item {item.sku} is lot-tracked; a lot "
                               "is required", "lot_required", {"value": item.sku}))
    if item is not None and item.expiry and fields.get("expiry") is None:
        errors.append(RowError(number, "expiry", f"expiry: item {item.sku} tracks expiry; a "
                               "date is required", "expiry_required", {"value": item.sku}))
    if len(errors) > before or item is None or location is None:
        return None
    return OpeningLine(number, item.id, location.id, fields.get("lot") or None,
                       fields.get("expiry"), fields["qty"], fields.get("unit_cost"))


def _booked(session: Session, item_ids: set[int]) -> set[tuple[int, int]]:
    """(item, location) pairs that have had stock booked: a balance row is there from the
    first move into the bin on, even once the bin is empty again."""
    wanted = sorted(item_ids)
    found: set[tuple[int, int]] = set()
    for start in range(0, len(wanted), 500):
        pairs = session.execute(
            select(StockBalance.item_id, StockBalance.location_id).distinct()
            .where(StockBalance.item_id.in_(wanted[start:start + 500])))
        found |= {(item_id, location_id) for item_id, location_id in pairs}
    return found


def _first_opening(line: OpeningLine, fields: dict[str, Any],
                   booked: set[tuple[int, int]], seen: dict[tuple[int, int, str | None], int],
                   errors: list[RowError]) -> bool:
    """An item's opening stock in a bin is booked once: refused where the bin has had stock
    of the item already, or where an earlier line of the file names the same lot there."""
    where = f"{fields['sku']} @ {fields['location']}"
    if (line.item_id, line.location_id) in booked:
        errors.append(RowError(line.row, "location", f"location: {where} has stock booked "
                               "already; correct it with a stock count", "stock_booked",
                               {"value": fields["sku"], "other": fields["location"]}))
        return False
    key = (line.item_id, line.location_id, line.lot)
    if key in seen:
        errors.append(RowError(line.row, "location", f"location: {where} is also in row "
                               f"{seen[key]}", "repeated_key",
                               {"value": where, "other": seen[key]}))
        return False
    seen[key] = line.row
    return True


def _lot_expiries(session: Session, prepared: Prepared) -> dict[tuple[int, str], date | None]:
    """The expiry dates of the lots the file names that are there already."""
    codes = sorted({fields["lot"] for _, _, fields in prepared.rows if fields.get("lot")})
    found: dict[tuple[int, str], date | None] = {}
    for start in range(0, len(codes), 500):
        for item_id, code, expiry in session.execute(
                select(Lot.item_id, Lot.code, Lot.expiry)
                .where(Lot.code.in_(codes[start:start + 500]))):
            found[(item_id, code)] = expiry
    return found


def _same_expiry(line: OpeningLine, item: Any, expiries: dict[tuple[int, str], date | None],
                 errors: list[RowError]) -> bool:
    """A lot keeps one expiry date: a line giving another date for a lot that is there (or
    that an earlier line makes) is refused."""
    if not item.expiry or line.lot is None:
        return True
    key = (line.item_id, line.lot)
    if key not in expiries:
        expiries[key] = line.expiry
        return True
    if expiries[key] == line.expiry:
        return True
    errors.append(RowError(line.row, "expiry", f"expiry: lot {line.lot} of {item.sku} "
                           f"expires {expiries[key]}", "lot_expiry",
                           {"value": line.lot, "other": str(expiries[key])}))
    return False


def write_opening_stock(session: Session, checked: Checked, user_id: int | None,
                        filename: str, progress: Progress = no_progress) -> int:
    """Book every line as an adjustment into its location and blend the items' average
    costs; returns the number of moves."""
    lines: list[OpeningLine] = checked.extra["lines"]
    item_ids = sorted({line.item_id for line in lines})
    items = {item.id: item for start in range(0, len(item_ids), 500) for item in
             session.scalars(select(Item).where(Item.id.in_(item_ids[start:start + 500])))}
    locations = {loc.id: loc for loc in session.scalars(select(Location).where(
        Location.id.in_({line.location_id for line in lines})))}
    now = utcnow()
    batch = MoveBatch(session)
    lots: dict[tuple[int, str | None, date | None], Lot] = {}
    for i, line in enumerate(lines):
        if i % STEP == 0:
            progress("write", i, len(lines))
        item = items[line.item_id]
        key = (item.id, line.lot, line.expiry)
        if key not in lots:
            lots[key] = lot_for_receipt(session, item, line.lot, line.expiry, now)
        batch.post(MoveRequest(
            kind="adjust", item_id=item.id, lot_id=lots[key].id, qty=line.qty,
            from_location=None, to_location=locations[line.location_id], user_id=user_id,
            reference=REFERENCE, reason=OPENING_STOCK, check_destination=False,
            # the ledger's moving average takes the units in at this price (at the
            # current average when the file gives none)
            unit_price=line.unit_cost))
    moves = batch.finish()
    session.flush()
    record(session, user_id, "import.opening-stock", filename, rows=checked.rows,
           moves=len(moves), units=sum(line.qty for line in lines))
    progress("write", len(lines), len(lines))
    return len(moves)


def export_opening_stock(session: Session) -> list[dict[str, Any]]:
    """The stock on hand as an opening-stock file (to start another system from it)."""
    stmt = (select(Item.sku, Location.code, Lot.code, Lot.internal, Lot.expiry,
                   StockBalance.qty, Item.avg_cost, Item.unit_cost)
            .join(Item, Item.id == StockBalance.item_id)
            .join(Location, Location.id == StockBalance.location_id)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(StockBalance.qty > 0).order_by(Item.sku, Location.code, Lot.code))
    from wms.imports.values import number_text

    return [{"sku": sku, "location": location, "lot": None if internal else lot,
             "expiry": expiry.isoformat() if expiry else None, "qty": qty,
             "unit_cost": number_text(avg if avg is not None else unit)}
            for sku, location, lot, internal, expiry, qty, avg, unit in session.execute(stmt)]
