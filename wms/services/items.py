"""Items as the office keeps them: created and edited field by field (nothing changes while
any field is wrong), unit and case barcodes, deactivation, and the audit of every change
with its old and new values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid, UnknownItem
from wms.models import AuditEvent, Item, ItemBarcode, Location, Supplier, User
from wms.services.audit import record
from wms.services.item_fields import (
    CHOICES,
    DECIMALS,
    EDITABLE,
    FLAGS,
    TEXTS,
    WHOLES,
    InvalidItem,
    Problem,
    barcode_list,
    field_problems,
    normal_fields,
)
from wms.services.lookup import location_code

__all__ = ["EDITABLE", "InvalidItem", "ItemEvent", "Problem", "average_cost", "create_item",
           "get_item", "item_events", "item_snapshot", "set_forecast_method", "set_item_active",
           "upsert_item"]


def _plain(value: Any) -> Any:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


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
    cases = barcode_list(data["case_barcodes"]) if "case_barcodes" in data else \
        [b.code for b in item.barcodes if b.units != 1] if item else []
    pack = now("pack_size") or 1
    if cases and isinstance(pack, int) and pack < 2:
        problems.append(Problem("case_barcodes", "case_needs_pack",
                                "a case barcode needs a pack size of 2 or more"))
    units = barcode_list(data.get("barcodes")) or []
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
    data = normal_fields(data)
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
        _replace_barcodes(session, item, barcode_list(data.get("barcodes")),
                          barcode_list(data.get("case_barcodes")))
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


def set_forecast_method(session: Session, sku: str, method: str,
                        user_id: int | None) -> Item:
    """Keep `method` (moving_average, exp_smoothing or auto) as the way the item's
    replenishment forecasts its daily demand; audited as a change of the item with the old
    and new method (nothing is recorded when it keeps the method it had)."""
    item = get_item(session, sku)
    return upsert_item(session, item.sku, {"forecast_method": method}, user_id)[0]
