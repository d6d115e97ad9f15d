"""Items, locations, warehouses, suppliers and customers: created or updated by code (items
are kept by wms.services.items)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.acting import check_warehouse_allowed, check_warehouse_code_allowed
from wms.errors import Conflict, Invalid, UnknownLocation
from wms.ledger import set_empty_flags
from wms.models import Customer, Location, Supplier, Warehouse, Zone
from wms.services.audit import record
from wms.services.items import upsert_item
from wms.services.lookup import location_code

__all__ = ["ensure_warehouse", "ensure_zone", "upsert_item", "upsert_location",
           "upsert_partner"]


def ensure_warehouse(session: Session, code: str, name: str | None = None) -> Warehouse:
    """The warehouse with this code, created when missing."""
    code = code.strip().upper()
    if not code or len(code) > 20:
        raise Invalid("warehouse: 1 to 20 characters", field="warehouse")
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        warehouse = Warehouse(code=code, name=name or code)
        session.add(warehouse)
        session.flush()
    elif name:
        warehouse.name = name
    return warehouse


def ensure_zone(session: Session, warehouse: Warehouse, code: str) -> Zone:
    """The zone of this warehouse with this code, created when missing."""
    code = code.strip().upper()
    zone = session.scalar(
        select(Zone).where(Zone.warehouse_id == warehouse.id, Zone.code == code)
    )
    if zone is None:
        zone = Zone(warehouse_id=warehouse.id, code=code, name=code)
        session.add(zone)
        session.flush()
    return zone


def upsert_location(session: Session, code: str, data: Mapping[str, Any],
                    user_id: int | None) -> tuple[Location, bool]:
    """Create or update the location `code`; returns it and whether it was created."""
    try:
        code = location_code(code)
    except UnknownLocation as exc:
        raise Invalid(f"code: {exc.message}", field="code") from exc
    location = session.scalar(select(Location).where(Location.code == code))
    created = location is None
    warehouse_code = data.get("warehouse")
    if location is not None:
        check_warehouse_allowed(location)
    elif warehouse_code:
        check_warehouse_code_allowed(warehouse_code.strip().upper(), code)
    if location is None:
        if not warehouse_code:
            raise Invalid("warehouse: a new location needs a warehouse", field="warehouse")
        warehouse = ensure_warehouse(session, warehouse_code)
        location = Location(code=code, warehouse_id=warehouse.id)
        session.add(location)
    elif warehouse_code and warehouse_code.strip().upper() != location.warehouse.code:
        raise Conflict(f"location {code} belongs to warehouse {location.warehouse.code}")
    warehouse_id = location.warehouse_id
    before = {} if created else location_values(session, location)
    if "zone" in data:
        location.zone_id = (
            ensure_zone(session, session.get(Warehouse, warehouse_id), data["zone"]).id  # type: ignore[arg-type]
            if data["zone"] else None
        )
    for field in ("kind", "capacity", "walk_seq", "blocked"):
        if field in data and (data[field] is not None or field == "capacity"):
            setattr(location, field, data[field])
    session.flush()
    after = location_values(session, location)
    changed = {k: v for k, v in after.items() if created or before.get(k) != v}
    if not created and "kind" in changed:  # a bin that was a dock starts kept as a bin
        set_empty_flags(session, [location.id])
    if created or changed:
        record(session, user_id, "location.create" if created else "location.update", code,
               old={k: before[k] for k in changed if k in before}, new=changed)
    return location, created


def location_values(session: Session, location: Location) -> dict[str, Any]:
    """What the audit trail keeps of a location: its zone, kind, capacity, walk and block."""
    warehouse = session.get(Warehouse, location.warehouse_id)
    zone = session.get(Zone, location.zone_id) if location.zone_id else None
    return {"warehouse": warehouse.code if warehouse else None,
            "zone": zone.code if zone else None, "kind": location.kind,
            "capacity": location.capacity, "walk_seq": location.walk_seq,
            "blocked": location.blocked}


PARTNER_FIELDS = {
    Supplier: ("name", "contact", "phone", "email", "lead_time_days", "tier", "notes", "active"),
    Customer: ("name", "tier", "contact", "phone", "email", "address", "notes", "active"),
}
# Longest text each partner field holds (the columns' lengths).
PARTNER_TEXT_LIMITS = {"name": 200, "contact": 200, "phone": 64, "email": 200, "tier": 32,
                       "notes": 4000, "address": 1000}
MAX_LEAD_TIME_DAYS = 3650


def _partner_value(field: str, value: Any) -> Any:
    """A partner field's value as stored; Invalid names the field when it cannot be."""
    if field == "active":
        if not isinstance(value, bool):
            raise Invalid("active: true or false", field="active")
        return value
    if field == "lead_time_days":
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= MAX_LEAD_TIME_DAYS:
            raise Invalid(f"lead_time_days: a whole number from 0 to {MAX_LEAD_TIME_DAYS}",
                          field="lead_time_days")
        return value
    if not isinstance(value, str):
        raise Invalid(f"{field}: text", field=field)
    value = value.strip()
    limit = PARTNER_TEXT_LIMITS[field]
    if len(value) > limit or "\x00" in value:
        raise Invalid(f"{field}: at most {limit} characters", field=field)
    if field == "name" and not value:
        raise Invalid("name: required", field="name")
    if field == "email" and value and not _looks_like_email(value):
        raise Invalid("email: an address like name@example.com", field="email")
    return value or None


def _looks_like_email(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and "." in domain.strip(".") and " " not in text
                and "@" not in domain)


def upsert_partner(session: Session, model: type[Supplier] | type[Customer], code: str,
                   data: Mapping[str, Any], user_id: int | None) -> tuple[Any, bool]:
    """Create or update a supplier or customer by code. A field given as null is cleared
    (the name and `active` keep their value); the audit trail keeps the old and new values."""
    code = code.strip()
    if not code or len(code) > 32 or "\x00" in code:
        raise Invalid("code: 1 to 32 characters", field="code")
    partner = session.scalar(select(model).where(model.code == code))
    created = partner is None
    values = {field: None if data[field] is None else _partner_value(field, data[field])
              for field in PARTNER_FIELDS[model] if field in data
              and (data[field] is not None or field not in ("name", "active"))}
    if partner is None:
        if not values.get("name"):
            raise Invalid("name: required", field="name")
        partner = model(code=code, name=values["name"], active=True)
        session.add(partner)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for field, value in values.items():
        before = None if created else getattr(partner, field)
        if created or before != value:
            if not created:
                old[field] = before
            new[field] = value
            setattr(partner, field, value)
    session.flush()
    action = f"{model.__tablename__[:-1]}.{'create' if created else 'update'}"
    if created or new:
        record(session, user_id, action, code, old=old, new=new)
    return partner, created
