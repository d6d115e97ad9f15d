"""Items as the office keeps them: created and edited field by field (every field checked,
every problem named), unit and case barcodes, deactivation, a searchable list, and item
labels queued for printing. Every change is audited with the old and new values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid, UnknownItem
from wms.models import (
    AuditEvent,
    Item,
    ItemBarcode,
    Location,
    PrintJob,
    StockBalance,
    Supplier,
    User,
)
from wms.services.audit import record
from wms.services.lookup import location_code
from wms.services.print_jobs import enqueue, item_label_data
from wms.site_config import SiteConfig

MAX_WHOLE = 1_000_000_000
MAX_COST = Decimal("9999999999.9999")
# Texts: field -> (shortest, longest); a shortest of 0 means the field may be cleared.
TEXTS = {"name": (1, 200), "name_en": (0, 200), "name_zh": (0, 200), "uom": (1, 16),
         "category": (0, 64), "zone_code": (0, 20)}
# Whole numbers: field -> (least, most, may be cleared).
WHOLES = {
    "safety_stock": (0, MAX_WHOLE, True), "reorder_point": (0, MAX_WHOLE, True),
    "min_qty": (0, MAX_WHOLE, True), "max_qty": (0, MAX_WHOLE, True),
    "lead_time_days": (0, 3650, True), "min_shelf_life_days": (0, 36500, True),
    "pack_size": (1, 100_000, False), "review_period_days": (1, 3650, False),
    "demand_window_days": (1, 3650, False),
}
# Decimals: field -> (least, most, places).
DECIMALS = {"unit_cost": (Decimal(0), MAX_COST, 4),
            "instability_factor": (Decimal(0), Decimal(999), 3)}
CHOICES = {"tracking": ("none", "lot"), "abc_class": ("A", "B", "C")}
FLAGS = ("expiry", "active")
CODES = ("barcodes", "case_barcodes")
# Every field an item's form or body may carry, in the order the office shows them.
EDITABLE = ("name", "name_zh", "name_en", "category", "uom", "tracking", "expiry",
            "min_shelf_life_days", "barcodes", "pack_size", "case_barcodes", "unit_cost",
            "supplier", "lead_time_days", "review_period_days", "instability_factor",
            "demand_window_days", "safety_stock", "reorder_point", "min_qty", "max_qty",
            "home_location", "zone_code", "abc_class", "active")
REFERENCES = ("supplier", "home_location")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: a code a page translates, its figures, and English."""

    field: str
    code: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)


class InvalidItem(Invalid):
    """One or more fields of an item are wrong; `problems` names each of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems),
                         field=first.field)
        self.problems = list(problems)


NULLABLE = ({n for n, (least, _most) in TEXTS.items() if least == 0}
            | {n for n, (_l, _m, clears) in WHOLES.items() if clears}
            | {"abc_class", "supplier", "home_location"})


def _normal(data: Mapping[str, Any]) -> dict[str, Any]:
    """Texts stripped; an empty value clears a field that may be empty; None leaves a field
    that may not be empty as it is."""
    normal = {}
    for name, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if name in NULLABLE and value == "":
            value = None
        if value is None and name not in NULLABLE:
            continue
        normal[name] = value
    return normal


def _required(name: str, value: Any) -> Problem | None:
    return Problem(name, "required", "required") if value == "" else None


def _text_problem(name: str, value: Any) -> Problem | None:
    longest = TEXTS[name][1]
    if value is None or value == "":
        return _required(name, value)
    if not isinstance(value, str):
        return Problem(name, "text", "a text")
    if len(value) > longest:
        return Problem(name, "too_long", f"at most {longest} characters", {"most": longest})
    return None


def _whole_problem(name: str, value: Any) -> Problem | None:
    least, most, _clears = WHOLES[name]
    if value is None or value == "":
        return _required(name, value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        return Problem(name, "whole_number", f"a whole number from {least} to {most}",
                       {"least": least, "most": most})
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _decimal_problem(name: str, value: Any) -> Problem | None:
    least, most, places = DECIMALS[name]
    if value == "":
        return _required(name, value)
    number = _decimal(value)
    if number is None or not least <= number <= most \
            or number != number.quantize(Decimal(1).scaleb(-places)):
        return Problem(name, "decimal", f"a number from {least} to {most} with at most "
                       f"{places} decimal places", {"least": str(least), "most": str(most),
                                                    "places": places})
    return None


def _codes(value: Any) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        return None
    return list(dict.fromkeys(c.strip() for c in value if c.strip()))


def field_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every field of `data` (as `_normal` leaves it) that is not what an item takes."""
    problems: list[Problem | None] = []
    for name, value in data.items():
        if name in TEXTS:
            problems.append(_text_problem(name, value))
        elif name in WHOLES:
            problems.append(_whole_problem(name, value))
        elif name in DECIMALS:
            problems.append(_decimal_problem(name, value))
        elif name in CHOICES:
            if value is not None and value not in CHOICES[name]:
                problems.append(Problem(name, "choice", "one of " + ", ".join(CHOICES[name]),
                                        {"choices": ", ".join(CHOICES[name])}))
        elif name in FLAGS:
            if not isinstance(value, bool):
                problems.append(Problem(name, "flag", "true or false"))
        elif name in CODES:
            codes = _codes(value)
            if codes is None or any(len(c) > 64 for c in codes):
                problems.append(Problem(name, "barcodes", "each barcode 1 to 64 characters"))
    return [p for p in problems if p is not None]


def _plain(value: Any) -> Any:
    return str(value.normalize()) if isinstance(value, Decimal) else value


def item_snapshot(session: Session, item: Item) -> dict[str, Any]:
    """The editable fields of an item as the office and the API name them."""
    values = {name: _plain(getattr(item, name)) for name in
              (*TEXTS, *WHOLES, *DECIMALS, *CHOICES, *FLAGS)}
    values["barcodes"] = [b.code for b in item.barcodes if b.units == 1]
    values["case_barcodes"] = [b.code for b in item.barcodes if b.units != 1]
    values["supplier"] = session.scalar(select(Supplier.code).where(
        Supplier.id == item.supplier_id)) if item.supplier_id else None
    values["home_location"] = session.scalar(select(Location.code).where(
        Location.id == item.home_location_id)) if item.home_location_id else None
    return values


def _resolve(session: Session, data: Mapping[str, Any]) -> tuple[dict[str, int | None],
                                                                  list[Problem]]:
    ids: dict[str, int | None] = {}
    problems = []
    supplier = data.get("supplier")
    if "supplier" in data:
        if supplier in (None, ""):
            ids["supplier_id"] = None
        else:
            ids["supplier_id"] = session.scalar(select(Supplier.id).where(
                Supplier.code == str(supplier).strip()))
            if ids["supplier_id"] is None:
                problems.append(Problem("supplier", "unknown_supplier",
                                        f"no supplier {supplier}", {"code": supplier}))
    if "home_location" in data:
        home = data["home_location"]
        if home in (None, ""):
            ids["home_location_id"] = None
        else:
            try:
                code = location_code(str(home))
            except Invalid:
                code = None
            ids["home_location_id"] = session.scalar(
                select(Location.id).where(Location.code == code)) if code else None
            if ids["home_location_id"] is None:
                problems.append(Problem("home_location", "unknown_location",
                                        f"no bin {home}", {"code": home}))
    return ids, problems


def _rule_problems(item: Item | None, data: Mapping[str, Any]) -> list[Problem]:
    """Checks across fields: min at most max, a case code needs a pack of more than one,
    no code both a unit's and a case's."""
    def now(name: str) -> Any:
        value = data[name] if name in data else (getattr(item, name) if item else None)
        return int(value) if isinstance(value, str) else value

    problems = []
    low, high = now("min_qty"), now("max_qty")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(Problem("max_qty", "below_min", "at least min_qty", {"least": low}))
    cases = _codes(data["case_barcodes"]) if "case_barcodes" in data else \
        [b.code for b in item.barcodes if b.units != 1] if item else []
    pack = now("pack_size") or 1
    if cases and isinstance(pack, int) and pack < 2:
        problems.append(Problem("case_barcodes", "case_needs_pack",
                                "a case barcode needs a pack size of 2 or more"))
    units = _codes(data.get("barcodes")) or []
    both = [c for c in cases or [] if c in units]
    if both:
        problems.append(Problem("case_barcodes", "unit_and_case",
                                f"{both[0]} is both a unit's and a case's barcode",
                                {"code": both[0]}))
    return problems


def upsert_item(session: Session, sku: str, data: Mapping[str, Any],
                user_id: int | None) -> tuple[Item, bool]:
    """Create or update the item `sku` with the fields in `data` (None clears a field that
    may be empty: a safety stock of None is computed); returns the item and whether it was
    created. Nothing changes when any field is wrong: InvalidItem names every one."""
    sku = sku.strip() if isinstance(sku, str) else ""
    data = _normal(data)
    if not sku or len(sku) > 64:
        raise InvalidItem([Problem("sku", "sku", "1 to 64 characters")])
    item = session.scalar(select(Item).where(Item.sku == sku))
    problems = field_problems(data)
    if item is None and not data.get("name"):
        problems.append(Problem("name", "required", "a new item needs a name"))
    ids, unknown = _resolve(session, data)
    problems += unknown
    if not problems:
        problems += _rule_problems(item, data)
    if problems:
        unique = {p.field: p for p in reversed(problems)}
        raise InvalidItem([unique[f] for f in dict.fromkeys(p.field for p in problems)])
    created = item is None
    if item is None:
        item = Item(sku=sku, name=data["name"])
        session.add(item)
        session.flush()
    before = {} if created else item_snapshot(session, item)
    _apply(item, data, ids)
    if "barcodes" in data or "case_barcodes" in data or "pack_size" in data:
        _replace_barcodes(session, item, _codes(data.get("barcodes")),
                          _codes(data.get("case_barcodes")))
    session.flush()
    after = item_snapshot(session, item)
    if created:
        record(session, user_id, "item.create", sku,
               new={k: v for k, v in after.items() if v not in (None, [])})
    else:
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            record(session, user_id, "item.update", sku,
                   old={k: before[k] for k in changed}, new={k: after[k] for k in changed})
    return item, created


def _apply(item: Item, data: Mapping[str, Any], ids: Mapping[str, int | None]) -> None:
    for name, value in data.items():
        if name in WHOLES and isinstance(value, str):
            value = int(value)
        elif name in DECIMALS:
            value = Decimal(str(value))
        if name in (*TEXTS, *WHOLES, *DECIMALS, *CHOICES, *FLAGS):
            setattr(item, name, value)
    for name, value in ids.items():
        setattr(item, name, value)


def _replace_barcodes(session: Session, item: Item, units: list[str] | None,
                      cases: list[str] | None) -> None:
    """Keep the given unit and case codes (None: those the item has); a case code stands
    for the item's pack size."""
    have = {b.code: b for b in item.barcodes}
    if units is None:
        units = [b.code for b in item.barcodes if b.units == 1]
    if cases is None:
        cases = [b.code for b in item.barcodes if b.units != 1]
    wanted = {**{c: 1 for c in units}, **{c: item.pack_size for c in cases}}
    if wanted:
        taken = session.scalars(select(ItemBarcode).where(
            ItemBarcode.code.in_(list(wanted)), ItemBarcode.item_id != item.id)).first()
        if taken is not None:
            raise Conflict(f"barcode {taken.code} already belongs to another item",
                           barcode=taken.code, field="barcodes")
        clash = session.scalar(select(Item.sku).where(Item.sku.in_(list(wanted)),
                                                      Item.id != item.id))
        if clash is not None:
            raise Conflict(f"barcode {clash} is another item's SKU", barcode=clash,
                           field="barcodes")
    item.barcodes = [b for b in item.barcodes if b.code in wanted]
    for barcode in item.barcodes:
        barcode.units = wanted[barcode.code]
    item.barcodes.extend(ItemBarcode(code=c, units=n) for c, n in wanted.items()
                         if c not in have)
    session.flush()


def create_item(session: Session, sku: str, data: Mapping[str, Any],
                user_id: int | None) -> Item:
    """A new item; InvalidItem when the SKU is taken (or any field is wrong)."""
    clean = sku.strip() if isinstance(sku, str) else ""
    if clean and session.scalar(select(Item.id).where(Item.sku == clean)) is not None:
        raise InvalidItem([Problem("sku", "sku_taken", f"an item {clean} exists already",
                                   {"code": clean})])
    return upsert_item(session, clean, data, user_id)[0]


@dataclass(frozen=True)
class ItemEvent:
    """One audited change of an item: when, who, what, and the old and new values."""

    at: datetime
    user: str | None
    action: str
    old: dict[str, Any]
    new: dict[str, Any]


def item_events(session: Session, sku: str, limit: int = 20) -> list[ItemEvent]:
    """The item's audited changes, newest first."""
    rows = session.execute(
        select(AuditEvent, User.display_name, User.username)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.subject == sku, AuditEvent.action.like("item.%"))
        .order_by(AuditEvent.id.desc()).limit(limit))
    events = []
    for event, display, username in rows:
        details = event.details or {}
        old, new = details.get("old"), details.get("new")
        events.append(ItemEvent(event.at, display or username, event.action,
                                old if isinstance(old, dict) else {},
                                new if isinstance(new, dict) else {}))
    return events


def get_item(session: Session, sku: str) -> Item:
    """The item with exactly this SKU."""
    item = session.scalar(select(Item).where(Item.sku == sku.strip()))
    if item is None:
        raise UnknownItem(f"no item {sku}", sku=sku)
    return item


def average_cost(item: Item) -> Decimal:
    """The item's moving-average unit cost, or its unit cost while it has none."""
    return item.avg_cost if item.avg_cost is not None else item.unit_cost or Decimal(0)


def set_item_active(session: Session, sku: str, active: bool, user_id: int | None) -> Item:
    """Deactivate an item (it keeps its history) or make it active again."""
    item = get_item(session, sku)
    if item.active != active:
        record(session, user_id, "item.reactivate" if active else "item.deactivate", item.sku,
               old={"active": item.active}, new={"active": active})
        item.active = active
        session.flush()
    return item


@dataclass(frozen=True)
class ItemRow:
    """One line of the item list."""

    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    category: str | None
    uom: str
    pack_size: int
    supplier: str | None
    unit_cost: Decimal
    avg_cost: Decimal | None
    on_hand: int
    active: bool


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(q: str | None, category: str | None, active: bool | None) -> list[Any]:
    conditions: list[Any] = []
    if q:
        pattern = _like(q.strip())
        conditions.append(or_(
            *(func.lower(column).like(pattern, escape="\\")
              for column in (Item.sku, Item.name, Item.name_en, Item.name_zh)),
            Item.id.in_(select(ItemBarcode.item_id).where(
                func.lower(ItemBarcode.code).like(pattern, escape="\\")))))
    if category:
        conditions.append(Item.category == category)
    if active is not None:
        conditions.append(Item.active.is_(active))
    return conditions


def list_items(session: Session, *, q: str | None = None, category: str | None = None,
               active: bool | None = None, limit: int | None = 50,
               offset: int = 0) -> tuple[list[ItemRow], int]:
    """Items by SKU matching the search (SKU, names and barcodes), the category and the
    active flag: one page of rows (all of them when `limit` is None) and how many match."""
    conditions = _filters(q, category, active)
    total = int(session.scalar(select(func.count(Item.id)).where(*conditions)) or 0)
    stock = (select(func.coalesce(func.sum(StockBalance.qty), 0))
             .where(StockBalance.item_id == Item.id).correlate(Item).scalar_subquery())
    stmt = (select(Item.sku, Item.name, Item.name_en, Item.name_zh, Item.category, Item.uom,
                   Item.pack_size, Supplier.code, Item.unit_cost, Item.avg_cost, stock,
                   Item.active)
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .where(*conditions).order_by(Item.sku).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [ItemRow(*row[:10], on_hand=int(row[10] or 0), active=bool(row[11]))
            for row in session.execute(stmt)]
    return rows, total


def categories(session: Session) -> list[str]:
    """The categories items are filed under, in order."""
    return list(session.scalars(select(Item.category).where(Item.category.is_not(None))
                                .distinct().order_by(Item.category)))


def queue_item_labels(session: Session, skus: Sequence[str], printer: str,
                      config: SiteConfig, user_id: int | None) -> list[PrintJob]:
    """One item label per chosen item for `printer`, in the print queue."""
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if not wanted:
        raise Invalid("skus: choose at least one item", field="skus")
    if printer not in config.printers:
        raise Invalid(f"printer: no printer {printer!r} is configured", field="printer")
    items = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(wanted)))}
    missing = [s for s in wanted if s not in items]
    if missing:
        raise UnknownItem(f"no item {missing[0]}", sku=missing[0])
    jobs = [enqueue(session, document="lot_label", data=item_label_data(items[sku]),
                    printer=printer, user_id=user_id, title=sku, reference=sku)
            for sku in wanted]
    record(session, user_id, "item.labels", ", ".join(wanted)[:128], printer=printer,
           jobs=[j.id for j in jobs])
    return jobs


def label_printers(config: SiteConfig) -> list[str]:
    """The printers an item label may go to: those printing lot labels first."""
    first = config.printers_for("lot_label")
    return first + [name for name in config.printers if name not in first]
