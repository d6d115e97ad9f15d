"""Locations from a file: code, warehouse, zone, kind, capacity, walking order, blocked;
a warehouse or zone a row names is made when it is not there yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.api.schemas import LocationBody
from wms.errors import UnknownLocation
from wms.imports.records import Checked, RecordKind
from wms.imports.table import ImportColumn, RowError, Sheet
from wms.models import Location, Warehouse, Zone
from wms.services.lookup import location_code
from wms.services.masterdata import ensure_warehouse, ensure_zone

LOCATION_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("code", "库位编码", required=True),
    ImportColumn("warehouse", "仓库"),
    ImportColumn("zone", "库区"),
    ImportColumn("kind", "库位类型"),
    ImportColumn("capacity", "容量", "int"),
    ImportColumn("walk_seq", "拣货顺序", "int"),
    ImportColumn("blocked", "锁定", "bool"),
)

NOT_NULL: dict[str, Any] = {"kind": "storage", "walk_seq": 0, "blocked": False}


def _clean_code(text: str) -> str:
    try:
        return location_code(text)
    except UnknownLocation as exc:
        raise ValueError(exc.message) from exc


def _load(session: Session, sheet: Sheet) -> dict[str, Any]:
    warehouses = {code: id_ for code, id_ in session.execute(
        select(Warehouse.code, Warehouse.id))}
    zones = {(warehouse_id, code): id_ for warehouse_id, code, id_ in session.execute(
        select(Zone.warehouse_id, Zone.code, Zone.id))}
    return {"warehouses": warehouses, "zones": zones, "codes": {v: k for k, v in
                                                                warehouses.items()}}


def _resolve(lookups: dict[str, Any], number: int, code: str, fields: dict[str, Any],
             current: dict[str, Any] | None, errors: list[RowError]) -> dict[str, Any] | None:
    """The warehouse and zone of the row: ids, or ("new", code) for one made on import."""
    warehouse = (fields.get("warehouse") or "").upper()
    if current is None and not warehouse:
        errors.append(RowError(number, "warehouse", f"warehouse: location {code} is new and "
                               "needs a warehouse", "new_needs_warehouse", {"value": code}))
        return None
    if current is not None:
        if warehouse and warehouse != lookups["codes"].get(current["warehouse_id"]):
            errors.append(RowError(
                number, "warehouse", f"warehouse: location {code} belongs to warehouse "
                f"{lookups['codes'].get(current['warehouse_id'])}", "other_warehouse",
                {"value": code, "other": lookups["codes"].get(current["warehouse_id"])}))
            return None
        warehouse_ref: Any = current["warehouse_id"]
    else:
        warehouse_ref = lookups["warehouses"].get(warehouse, ("new", warehouse))
    values: dict[str, Any] = {"warehouse_id": warehouse_ref} if current is None else {}
    if "zone" in fields:
        zone = (fields["zone"] or "").upper()
        if not zone:
            values["zone_id"] = None
        elif isinstance(warehouse_ref, int) and (warehouse_ref, zone) in lookups["zones"]:
            values["zone_id"] = lookups["zones"][(warehouse_ref, zone)]
        else:
            values["zone_id"] = ("new", warehouse_ref, zone)
    return values


def _make_references(session: Session, checked: Checked) -> None:
    """Make the warehouses and zones new rows name, and put their ids in the rows."""
    made: dict[Any, int] = {}

    def warehouse_id(ref: Any) -> int:
        if isinstance(ref, int):
            return ref
        if ref not in made:
            made[ref] = ensure_warehouse(session, ref[1]).id
        return made[ref]

    for values in (*checked.new.values(), *checked.changed.values()):
        if "warehouse_id" in values:
            values["warehouse_id"] = warehouse_id(values["warehouse_id"])
        zone = values.get("zone_id")
        if isinstance(zone, tuple):
            key = ("zone", warehouse_id(zone[1]), zone[2])
            if key not in made:
                made[key] = ensure_zone(session, session.get(Warehouse, key[1]),  # type: ignore[arg-type]
                                        key[2]).id
            values["zone_id"] = made[key]


def export_locations(session: Session) -> list[dict[str, Any]]:
    """Every location people set up (not the in-transit ones the system keeps)."""
    rows = []
    for location in session.scalars(select(Location).where(Location.kind != "in_transit")
                                     .order_by(Location.code)):
        rows.append({"code": location.code, "warehouse": location.warehouse.code,
                     "zone": location.zone.code if location.zone else None,
                     "kind": location.kind, "capacity": location.capacity,
                     "walk_seq": location.walk_seq, "blocked": location.blocked})
    return rows


LOCATIONS = RecordKind(
    name="locations", model=Location, key="code", columns=LOCATION_COLUMNS,
    body=LocationBody, not_null=NOT_NULL, clean_key=_clean_code, load=_load,
    resolve=_resolve, before_write=_make_references, export=export_locations,
)
