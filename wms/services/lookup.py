"""Finding records by the codes people scan and type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from sqlalchemy import Executable, Select, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from locations import InvalidLocationCode, normalize_location_code
from wms.acting import check_warehouse_allowed, check_warehouse_code_allowed, may_work_everywhere
from wms.db import run
from wms.errors import Invalid, UnknownItem, UnknownLocation, UnknownRecord
from wms.ledger import Place, PlaceRow
from wms.models import Customer, Item, ItemBarcode, Location, Lot, Supplier, Warehouse

T = TypeVar("T")


@cache
def _item_statement(by_barcode: bool) -> Select[Item]:
    """The item by SKU, or by one of its barcodes (parameter code); built once."""
    if by_barcode:
        return select(Item).join(ItemBarcode).where(ItemBarcode.code == bindparam("code"))
    return select(Item).where(Item.sku == bindparam("code"))


def find_item(session: Session, sku_or_barcode: str) -> Item:
    """The item with this SKU, or else the item one of whose barcodes this is."""
    code = sku_or_barcode.strip()
    item = session.scalar(_item_statement(False), {"code": code})
    if item is None:
        item = session.scalar(_item_statement(True), {"code": code})
    if item is None:
        raise UnknownItem(f"no item with SKU or barcode {code!r}", sku=code)
    return item


class ItemPlacing(NamedTuple):
    """An item's columns putting it away reads."""

    id: int
    sku: str
    tracking: str
    home_location_id: int | None
    zone_code: str | None


@cache
def _item_placing_statement(by_barcode: bool) -> Select[Any]:
    """`ItemPlacing`'s columns of the item by SKU, or by one of its barcodes (parameter
    code); built once."""
    stmt = select(Item.id, Item.sku, Item.tracking, Item.home_location_id, Item.zone_code)
    if by_barcode:
        stmt = stmt.join(ItemBarcode, ItemBarcode.item_id == Item.id).where(
            ItemBarcode.code == bindparam("code"))
    else:
        stmt = stmt.where(Item.sku == bindparam("code"))
    return cast(Select[Any], stmt)


def find_item_placing(session: Session, sku_or_barcode: str) -> ItemPlacing:
    """The item `find_item` finds, as the columns putting it away reads, loading no record."""
    code = sku_or_barcode.strip()
    params = {"code": code}
    row = run(session, _item_placing_statement(False), params).first()
    if row is None:
        row = run(session, _item_placing_statement(True), params).first()
    if row is None:
        raise UnknownItem(f"no item with SKU or barcode {code!r}", sku=code)
    return ItemPlacing(*row)


def orderable_item(session: Session, sku: str) -> Item:
    """The item of an order line: it exists and is active (a deactivated item keeps its
    history but is neither ordered nor received again)."""
    item = find_item(session, sku)
    refuse_inactive(item)
    return item


def refuse_inactive(item: Item) -> None:
    """Invalid when the item was deactivated."""
    if not item.active:
        raise Invalid(f"lines: {item.sku} is deactivated: it is neither ordered nor "
                      "received", field="lines", sku=item.sku,
                      inactive=True)


def _by_codes(codes: Sequence[str],
              look_up: Callable[[list[str], bool], Iterable[tuple[str, T]]]) -> dict[str, T]:
    """Many items by SKU or barcode in two queries at most: code (stripped) -> what
    `look_up(codes, by_barcode)` answers of the item. The first code that names no item
    raises UnknownItem."""
    wanted = list(dict.fromkeys(code.strip() for code in codes))
    found: dict[str, T] = {}
    for chunk in _chunks(wanted):
        found.update(look_up(chunk, False))
    missing = [code for code in wanted if code not in found]
    for chunk in _chunks(missing):
        for code, value in look_up(chunk, True):
            found.setdefault(code, value)
    for code in wanted:
        if code not in found:
            raise UnknownItem(f"no item with SKU or barcode {code!r}", sku=code)
    return found


def find_items(session: Session, codes: Sequence[str]) -> dict[str, Item]:
    """Many items by SKU or barcode, as records: code (stripped) -> item."""
    def look_up(chunk: list[str], by_barcode: bool) -> Iterable[tuple[str, Item]]:
        if by_barcode:
            return ((code, item) for code, item in session.execute(
                select(ItemBarcode.code, Item).join(Item, Item.id == ItemBarcode.item_id)
                .where(ItemBarcode.code.in_(chunk))))
        return ((item.sku, item) for item in session.scalars(
            select(Item).where(Item.sku.in_(chunk))))

    return _by_codes(codes, look_up)


class ItemNames(NamedTuple):
    """An item's names: the main one and those in English and Chinese, when given."""

    name: str
    name_en: str | None
    name_zh: str | None


def names_by_sku(session: Session, skus: Iterable[str]) -> dict[str, ItemNames]:
    """The names of the items with these SKUs (a report's rows), loading no records; an
    SKU of no item is left out."""
    found: dict[str, ItemNames] = {}
    for chunk in _chunks(sorted(set(skus))):
        for sku, name, name_en, name_zh in session.execute(
                select(Item.sku, Item.name, Item.name_en, Item.name_zh)
                .where(Item.sku.in_(chunk))):
            found[sku] = ItemNames(name, name_en, name_zh)
    return found


@cache
def _stocked_statement(by_barcode: bool) -> Select[Any]:
    """The code asked for (parameter codes, a list of SKUs or barcodes) and ItemRow's columns
    of the item it names; built once per shape."""
    columns = (Item.id, Item.sku, Item.tracking, Item.expiry)
    if by_barcode:
        return cast(Select[Any], select(ItemBarcode.code, *columns)
                    .join(Item, Item.id == ItemBarcode.item_id)
                    .where(ItemBarcode.code.in_(bindparam("codes", expanding=True))))
    return cast(Select[Any], select(Item.sku, *columns)
                .where(Item.sku.in_(bindparam("codes", expanding=True))))


def find_stocked_items(session: Session, codes: Sequence[str]) -> dict[str, ItemRow]:
    """Many items by SKU or barcode, as the columns a move reads (the items of a document's
    thousands of lines, loading no records): code (stripped) -> item."""
    def look_up(chunk: list[str], by_barcode: bool) -> Iterable[tuple[str, ItemRow]]:
        return ((row[0], ItemRow(*row[1:]))
                for row in run(session, _stocked_statement(by_barcode), {"codes": chunk}))

    return _by_codes(codes, look_up)


def _chunks(values: list[T], size: int = 500) -> Iterator[list[T]]:
    """Bounded IN lists: every engine takes 500 parameters in one statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def location_code(text: str) -> str:
    """The canonical form of a typed or scanned location code."""
    try:
        return normalize_location_code(text)
    except InvalidLocationCode as exc:
        raise UnknownLocation(f"{text!r} is not a location code: {exc}", location=text) from exc


def check_location_code_allowed(session: Session, code: str) -> None:
    """Refuse a location (by code) of a warehouse the person acting may not work in; reads
    nothing for someone who may work everywhere, and says nothing of unknown codes."""
    if may_work_everywhere():
        return
    try:
        normalized = normalize_location_code(code)
    except InvalidLocationCode:
        return
    warehouse = session.scalar(select(Warehouse.code).join(
        Location, Location.warehouse_id == Warehouse.id).where(Location.code == normalized))
    if warehouse is not None:
        check_warehouse_code_allowed(warehouse, normalized)


_LOCATION_BY_CODE = select(Location).where(Location.code == bindparam("code"))


def find_location(session: Session, code: str) -> Location:
    """The location with this code (case and padding forgiven), in a warehouse the person
    acting may work in."""
    normalized = location_code(code)
    location = session.scalar(_LOCATION_BY_CODE, {"code": normalized})
    if location is None:
        raise UnknownLocation(f"no location {normalized}", location=normalized)
    check_warehouse_allowed(location)
    return location


class LocationPlacing(NamedTuple):
    """A location's columns putting goods away from it reads, with its warehouse's code."""

    id: int
    code: str
    warehouse_id: int
    walk_seq: int
    warehouse_code: str


_LOCATION_PLACING_BY_CODE = (
    select(Location.id, Location.code, Location.warehouse_id, Location.walk_seq,
           Warehouse.code)
    .join(Warehouse, Warehouse.id == Location.warehouse_id)
    .where(Location.code == bindparam("code"))
)


def find_location_placing(session: Session, code: str) -> LocationPlacing:
    """The location `find_location` finds (with the same refusals), as the columns putting
    goods away from it reads, loading no record."""
    normalized = location_code(code)
    row = run(session, _LOCATION_PLACING_BY_CODE, {"code": normalized}).first()
    if row is None:
        raise UnknownLocation(f"no location {normalized}", location=normalized)
    location = LocationPlacing(*row)
    check_warehouse_allowed(location)
    return location


def _join_item_named(stmt: Any, by_barcode: bool) -> Any:
    """`stmt` joined to the item whose SKU (or, with `by_barcode`, one of whose barcodes) is
    the parameter sku."""
    if by_barcode:
        return (stmt.join(ItemBarcode, ItemBarcode.code == bindparam("sku"))
                .join(Item, Item.id == ItemBarcode.item_id))
    return stmt.join(Item, Item.sku == bindparam("sku"))


@cache
def _item_placing_from_statement(by_barcode: bool) -> Select[Any]:
    """`LocationPlacing`'s columns of the location of code code, then `ItemPlacing`'s of the
    item whose SKU (or, with `by_barcode`, one of whose barcodes) is sku; built once."""
    stmt: Any = (select(Location.id, Location.code, Location.warehouse_id, Location.walk_seq,
                        Warehouse.code, Item.id, Item.sku, Item.tracking,
                        Item.home_location_id, Item.zone_code)
                 .select_from(Location)
                 .join(Warehouse, Warehouse.id == Location.warehouse_id))
    stmt = _join_item_named(stmt, by_barcode)
    return cast(Select[Any], stmt.where(Location.code == bindparam("code")))


def find_item_placing_at(session: Session, sku_or_barcode: str, code: str
                         ) -> tuple[ItemPlacing, LocationPlacing]:
    """What `find_item_placing` and `find_location_placing` give, in one query when the item
    and the location exist (two when the item is named by a barcode); otherwise each on its
    own, to refuse as they do and in the same order."""
    try:
        params = {"sku": sku_or_barcode.strip(), "code": location_code(code)}
    except UnknownLocation:  # refused below, once the item was looked for
        row = None
    else:
        row = run(session, _item_placing_from_statement(False), params).first()
        if row is None:
            row = run(session, _item_placing_from_statement(True), params).first()
    if row is None:
        item = find_item_placing(session, sku_or_barcode)
        return item, find_location_placing(session, code)
    location = LocationPlacing(*row[:5])
    check_warehouse_allowed(location)
    return ItemPlacing(*row[5:]), location


# A location's columns the ledger reads (PlaceRow), with its warehouse's code.
_PLACE_COLUMNS = (Location.id, Location.code, Location.kind, Location.capacity,
                  Location.blocked, Warehouse.code)
_PLACES = select(*_PLACE_COLUMNS).join(Warehouse, Warehouse.id == Location.warehouse_id)


@cache
def _places_statement(row_lock: bool) -> Select[Any]:
    """PlaceRow's columns of the locations by code (parameter codes, a list), in code order;
    with `row_lock` the locations are row-locked. Built once per shape."""
    stmt: Any = (_PLACES.where(Location.code.in_(bindparam("codes", expanding=True)))
                 .order_by(Location.code))
    if row_lock:
        stmt = stmt.with_for_update(of=Location)
    return cast(Select[Any], stmt)


def find_locations(session: Session, *codes: str, lock: bool = False) -> list[PlaceRow]:
    """Several locations in a few queries, in the order asked, as the columns the ledger
    reads (a document's thousands of lines load no records). With `lock`, PostgreSQL
    row-locks them (in code order, so two callers cannot deadlock) for capacity checks."""
    # Distinct codes in the document's order: a malformed one is named as the first it meets.
    canonical = {code: location_code(code) for code in dict.fromkeys(codes)}
    row_lock = lock and session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    found: dict[str, PlaceRow] = {}
    for chunk in _chunks(sorted(set(canonical.values()))):
        found.update((row[1], PlaceRow(*row)) for row in run(
            session, _places_statement(row_lock), {"codes": chunk}))
    for code in codes:
        if canonical[code] not in found:
            raise UnknownLocation(f"no location {canonical[code]}", location=canonical[code])
    locations = [found[canonical[code]] for code in codes]
    check_warehouse_allowed(*locations)
    return locations


class Stocked(Protocol):
    """An item as moving its stock needs it: an Item record, or an ItemRow."""

    @property
    def id(self) -> int: ...

    @property
    def sku(self) -> str: ...

    @property
    def tracking(self) -> str: ...

    @property
    def expiry(self) -> bool: ...


@dataclass(frozen=True)
class ItemRow:
    """An item's columns a move reads."""

    id: int
    sku: str
    tracking: str
    expiry: bool


@cache
def _item_and_places_statement(row_lock: bool, by_barcode: bool) -> Select[Any]:
    """Locations by code (parameter codes, a list), each with its warehouse's code and the
    item whose SKU (or, with `by_barcode`, one of whose barcodes) is sku, as columns, in
    code order; with `row_lock` the locations are row-locked. Built once per shape."""
    stmt: Any = (select(*_PLACE_COLUMNS, Item.id, Item.sku, Item.tracking, Item.expiry)
                 .select_from(Location)
                 .join(Warehouse, Warehouse.id == Location.warehouse_id))
    stmt = _join_item_named(stmt, by_barcode)
    stmt = (stmt.where(Location.code.in_(bindparam("codes", expanding=True)))
            .order_by(Location.code))
    if row_lock:
        stmt = stmt.with_for_update(of=Location)
    return cast(Select[Any], stmt)


def find_item_and_places(session: Session, sku: str, *codes: str, lock: bool = False
                         ) -> tuple[Stocked, list[Place]]:
    """The item by SKU or barcode and the locations by code, as `find_item(sku)` and
    `find_locations(*codes, lock=lock)` would give them, read as columns in one query when
    `sku` is a SKU and every location exists (in two when it is a barcode); otherwise each
    on its own (as records), to say what is missing. With `lock`, PostgreSQL row-locks the
    locations (in code order) for capacity checks."""
    normalized = [location_code(code) for code in codes]
    row_lock = lock and session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    params = {"sku": sku.strip(), "codes": normalized}
    rows = run(session, _item_and_places_statement(row_lock, False), params).all()
    if not rows:
        rows = run(session, _item_and_places_statement(row_lock, True), params).all()
    found = {row[1]: PlaceRow(*row[:6]) for row in rows}
    if not rows or any(code not in found for code in normalized):
        return find_item(session, sku), list(find_locations(session, *codes, lock=lock))
    places = [found[code] for code in normalized]
    check_warehouse_allowed(*places)
    first = rows[0]
    return ItemRow(first[6], first[7], first[8], first[9]), list(places)


def keep(session: Session, *records: object) -> None:
    """Hold records for the rest of the unit of work, so describing the result to the caller
    finds them in the session instead of reading them again."""
    session.info.setdefault("wms.kept", []).extend(records)


def keep_codes(session: Session, *, items: dict[int, str] | None = None,
               lots: dict[int, str | None] | None = None,
               locations: dict[int, str] | None = None) -> None:
    """Hold what describing the result shows of records a hot path read as columns (an
    item's SKU, a lot's public code, a location's code, by id), so it is neither loaded as
    records nor read again."""
    codes = session.info.setdefault("wms.codes", {})
    for model, named in ((Item, items), (Lot, lots), (Location, locations)):
        if named:
            for key, code in named.items():
                codes[model, key] = code


_PLACES_BY_ID = _PLACES.where(Location.id.in_(bindparam("ids", expanding=True)))
_ITEMS_BY_ID = (select(Item.id, Item.sku, Item.tracking, Item.expiry)
                .where(Item.id.in_(bindparam("ids", expanding=True))))
_LOTS_BY_ID = (select(Lot.id, Lot.code, Lot.internal)
               .where(Lot.id.in_(bindparam("ids", expanding=True))))


def _by_id(session: Session, statement: Executable, ids: Iterable[int]) -> list[Any]:
    return [row for chunk in _chunks(sorted(set(ids)))
            for row in run(session, statement, {"ids": chunk})]


def places_by_id(session: Session, ids: Iterable[int]) -> dict[int, PlaceRow]:
    """Locations by id, as the columns the ledger reads, in a few queries (the bins of a
    document's thousands of lines, loading no records); their codes are kept for describing
    the moves."""
    places = {row[0]: PlaceRow(*row) for row in _by_id(session, _PLACES_BY_ID, ids)}
    keep_codes(session, locations={key: place.code for key, place in places.items()})
    return places


def items_by_id(session: Session, ids: Iterable[int]) -> dict[int, ItemRow]:
    """Items by id, as the columns a move reads, in a few queries (as places_by_id)."""
    items = {row[0]: ItemRow(*row) for row in _by_id(session, _ITEMS_BY_ID, ids)}
    keep_codes(session, items={key: item.sku for key, item in items.items()})
    return items


def lot_codes_by_id(session: Session, ids: Iterable[int]) -> dict[int, str | None]:
    """Lots' public codes by id (None for an internal lot), in a few queries."""
    return {row[0]: None if row[2] else row[1] for row in _by_id(session, _LOTS_BY_ID, ids)}


def keep_lot_codes(session: Session, ids: Iterable[int]) -> None:
    """Read and keep the public codes of these lots, for describing the moves."""
    keep_codes(session, lots=lot_codes_by_id(session, ids))


def find_warehouse(session: Session, code: str) -> Warehouse:
    """The warehouse with this code."""
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code.strip().upper()))
    if warehouse is None:
        raise UnknownLocation(f"no warehouse {code}", warehouse=code)
    return warehouse


def find_supplier(session: Session, code: str) -> Supplier:
    """The supplier with this code."""
    supplier = session.scalar(select(Supplier).where(Supplier.code == code))
    if supplier is None:
        raise UnknownRecord(f"no supplier {code}", supplier=code)
    return supplier


def find_customer(session: Session, code: str) -> Customer:
    """The customer with this code."""
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise UnknownRecord(f"no customer {code}", customer=code)
    return customer


_LOT_OF_ITEM = select(Lot).where(Lot.item_id == bindparam("item_id"),
                                 Lot.code == bindparam("code"))


_LOT_ID_OF_ITEM = select(Lot.id).where(Lot.item_id == bindparam("item_id"),
                                       Lot.code == bindparam("code"))


def find_lot_id(session: Session, item_id: int, code: str) -> int | None:
    """The id of the item's lot of this code, or None; loads no record."""
    found: int | None = run(session, _LOT_ID_OF_ITEM,
                            {"item_id": item_id, "code": code}).scalar()
    return found


def find_lot(session: Session, item: Stocked, code: str) -> Lot | None:
    """The named lot of this item, or None."""
    return session.scalar(_LOT_OF_ITEM, {"item_id": item.id, "code": code})


def receipt_lot_code(item: Item, code: str | None, expiry: date | None, at: datetime) -> str:
    """The code of the lot received units go into: the lot given for a lot-tracked item, one
    internal lot per receipt day for the others (so FIFO still sees their age)."""
    if item.tracking == "lot":
        if not code:
            raise Invalid(f"lot: item {item.sku} is lot-tracked; a lot is required", field="lot")
    else:
        code = f"@{at.date().isoformat()}"
    if item.expiry and expiry is None:
        raise Invalid(f"expiry: item {item.sku} tracks expiry; a date is required",
                      field="expiry")
    return code


def lot_for_receipt(
    session: Session, item: Item, code: str | None, expiry: date | None, at: datetime,
    *, found: Lot | None = None, looked_up: bool = False,
) -> Lot:
    """The lot received units go into, created on first receipt. `looked_up` says the caller
    read the lot already (`found`, None when there is none)."""
    code = receipt_lot_code(item, code, expiry, at)
    lot = found if looked_up else find_lot(session, item, code)
    if lot is None and looked_up:
        # Read before a lock the caller may have waited for: another receipt can have made
        # the lot meanwhile, so the lot is added unless it is there, and else read.
        lot = _add_lot_unless_there(session, item, code, expiry, at) or \
            find_lot(session, item, code)
    if lot is None:
        lot = Lot(item_id=item.id, code=code, internal=item.tracking != "lot",
                  received_at=at, expiry=expiry if item.expiry else None)
        session.add(lot)
        session.flush()
    elif item.expiry and expiry is not None and lot.expiry != expiry:
        raise Invalid(
            f"expiry: lot {code} of {item.sku} already expires {lot.expiry}, not {expiry}",
            field="expiry",
        )
    return lot


def _add_lot_unless_there(session: Session, item: Item, code: str, expiry: date | None,
                          at: datetime) -> Lot | None:
    """A new lot, or None when the item has a lot of this code already."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert  # type: ignore[union-attr]
    stmt = (insert(Lot).values(item_id=item.id, code=code, internal=item.tracking != "lot",
                               received_at=at, expiry=expiry if item.expiry else None)
            .on_conflict_do_nothing(index_elements=["item_id", "code"]).returning(Lot))
    return session.scalars(stmt).first()
