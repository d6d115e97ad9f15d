"""Items, locations, warehouses, suppliers and customers: created or updated by code (items
are kept by wms.services.items)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Conflict, Invalid, UnknownLocation
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
    if location is None:
        if not warehouse_code:
            raise Invalid("warehouse: a new location needs a warehouse", field="warehouse")
        warehouse = ensure_warehouse(session, warehouse_code)
        location = Location(code=code, warehouse_id=warehouse.id)
        session.add(location)
    elif warehouse_code and warehouse_code.strip().upper() != location.warehouse.code:
        raise Conflict(f"location {code} belongs to warehouse {location.warehouse.code}")
    warehouse_id = location.warehouse_id
    if "zone" in data:
        location.zone_id = (
            ensure_zone(session, session.get(Warehouse, warehouse_id), data["zone"]).id  # type: ignore[arg-type]
            if data["zone"] else None
        )
    for field in ("kind", "capacity", "walk_seq", "blocked"):
        if field in data and (data[field] is not None or field == "capacity"):
            setattr(location, field, data[field])
    session.flush()
    record(session, user_id, "location.create" if created else "location.update", code)
    return location, created


PARTNER_FIELDS = {
    Supplier: ("name", "contact", "phone", "email", "lead_time_days", "notes"),
    Customer: ("name", "tier", "contact", "phone", "address"),
}


def upsert_partner(session: Session, model: type[Supplier] | type[Customer], code: str,
                   data: Mapping[str, Any], user_id: int | None) -> tuple[Any, bool]:
    """Create or update a supplier or customer by code."""
    code = code.strip()
    if not code or len(code) > 32:
        raise Invalid("code: 1 to 32 characters", field="code")
    partner = session.scalar(select(model).where(model.code == code))
    created = partner is None
    if partner is None:
        if not data.get("name"):
            raise Invalid("name: required", field="name")
        partner = model(code=code, name=data["name"])
        session.add(partner)
    for field in PARTNER_FIELDS[model]:
        if data.get(field) is not None:
            setattr(partner, field, data[field])
    session.flush()
    action = f"{model.__tablename__[:-1]}.{'create' if created else 'update'}"
    record(session, user_id, action, code)
    return partner, created
