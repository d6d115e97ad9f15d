"""Warehouses, zones and bins for the back office: the list of warehouses, the bins of one
filtered and paged, the layout generator's preview and creation, and bin edits one at a
time or many at once. Every change goes to the audit trail with its old and new values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from locations import BinSpec, InvalidLocationCode, generate_layout
from wms.acting import check_warehouse_allowed, check_warehouse_code_allowed
from wms.errors import Conflict, Invalid, UnknownRecord
from wms.ledger import set_empty_flags
from wms.models import Location, Warehouse, Zone
from wms.services.audit import record
from wms.services.masterdata import ensure_zone, location_values

# Kinds a person may give a location (in-transit locations are the transfers' own).
EDITABLE_KINDS = ("storage", "dock", "staging", "packing", "quarantine")
# The most bins one run of the generator makes (and a preview lists).
MAX_LAYOUT_BINS = 20_000
MAX_CAPACITY = 1_000_000_000
# How many existing codes a refusal names.
CLASHES_NAMED = 5


@dataclass(frozen=True)
class WarehouseRow:
    """A warehouse with how many zones and locations it has."""

    code: str
    name: str
    zones: int
    bins: int
    blocked: int


@dataclass(frozen=True)
class ZoneRow:
    """A zone of a warehouse with its bins and how many of them are blocked."""

    code: str
    bins: int
    blocked: int


def list_warehouses(session: Session) -> list[WarehouseRow]:
    """Every warehouse by code, with its zone and location counts."""
    zones = dict(session.execute(
        select(Zone.warehouse_id, func.count(Zone.id)).group_by(Zone.warehouse_id)).all())
    bins = {wid: (n, blocked or 0) for wid, n, blocked in session.execute(
        select(Location.warehouse_id, func.count(Location.id),
               func.sum(case((Location.blocked, 1), else_=0)))
        .group_by(Location.warehouse_id)).all()}
    return [WarehouseRow(w.code, w.name, zones.get(w.id, 0), bins.get(w.id, (0, 0))[0],
                         int(bins.get(w.id, (0, 0))[1]))
            for w in session.scalars(select(Warehouse).order_by(Warehouse.code))]


def find_warehouse(session: Session, code: str) -> Warehouse:
    """The warehouse with this code."""
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code.strip().upper()))
    if warehouse is None:
        raise UnknownRecord(f"no warehouse {code}", warehouse=code)
    return warehouse


def save_warehouse(session: Session, code: str, name: str, user_id: int | None,
                   *, create: bool) -> Warehouse:
    """Create the warehouse `code` (create=True; an existing code is a Conflict) or rename
    it."""
    code = code.strip().upper()
    name = name.strip()
    if not code or len(code) > 20 or not code.replace("-", "").replace("_", "").isalnum() \
            or not code.isascii():
        raise Invalid("code: 1 to 20 letters, digits, - or _", field="code")
    if not name or len(name) > 200:
        raise Invalid("name: 1 to 200 characters", field="name")
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if create:
        if warehouse is not None:
            raise Conflict(f"warehouse {code} exists already", warehouse=code)
        warehouse = Warehouse(code=code, name=name)
        session.add(warehouse)
        session.flush()
        record(session, user_id, "warehouse.create", code, old={}, new={"name": name})
        return warehouse
    if warehouse is None:
        raise UnknownRecord(f"no warehouse {code}", warehouse=code)
    if warehouse.name != name:
        record(session, user_id, "warehouse.update", code, old={"name": warehouse.name},
               new={"name": name})
        warehouse.name = name
        session.flush()
    return warehouse


def list_zones(session: Session, warehouse: Warehouse) -> list[ZoneRow]:
    """The warehouse's zones by code, with their bin counts."""
    counts = {zid: (n, blocked or 0) for zid, n, blocked in session.execute(
        select(Location.zone_id, func.count(Location.id),
               func.sum(case((Location.blocked, 1), else_=0)))
        .where(Location.warehouse_id == warehouse.id).group_by(Location.zone_id)).all()}
    return [ZoneRow(z.code, counts.get(z.id, (0, 0))[0], int(counts.get(z.id, (0, 0))[1]))
            for z in session.scalars(select(Zone).where(Zone.warehouse_id == warehouse.id)
                                     .order_by(Zone.code))]


@dataclass(frozen=True)
class BinFilter:
    """Which locations a list shows; None means any."""

    warehouse: str | None = None
    zone: str | None = None
    kind: str | None = None
    blocked: bool | None = None
    code: str | None = None  # the start of a location code


def _filtered(query: Select[Any], wanted: BinFilter) -> Select[Any]:
    if wanted.warehouse:
        query = query.join(Warehouse, Warehouse.id == Location.warehouse_id).where(
            Warehouse.code == wanted.warehouse.strip().upper())
    if wanted.zone:
        query = query.join(Zone, Zone.id == Location.zone_id).where(
            Zone.code == wanted.zone.strip().upper())
    if wanted.kind:
        query = query.where(Location.kind == wanted.kind)
    if wanted.blocked is not None:
        query = query.where(Location.blocked == wanted.blocked)
    if wanted.code:
        prefix = wanted.code.strip().upper().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        query = query.where(Location.code.like(prefix + "%", escape="\\"))
    return query


def list_bins(session: Session, wanted: BinFilter, limit: int | None,
              offset: int = 0) -> tuple[list[Location], int]:
    """A window of the locations the filter selects, in walking order, and how many it
    selects in all."""
    total = session.scalar(_filtered(select(func.count(Location.id)), wanted)) or 0
    query = _filtered(select(Location), wanted).order_by(
        Location.warehouse_id, Location.walk_seq, Location.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


# ---------------------------------------------------------------- the layout generator


@dataclass(frozen=True)
class LayoutRequest:
    """What the generator is asked for: zones x aisles x bays x levels from start_seq."""

    zones: tuple[str, ...]
    aisles: int
    bays: int
    levels: int
    start_seq: int
    capacity: int | None = None
    kind: str = "storage"


@dataclass(frozen=True)
class LayoutPreview:
    """The bins a layout would create, and those of its codes that exist already."""

    warehouse: str
    request: LayoutRequest
    bins: list[BinSpec]
    existing: list[str] = field(default_factory=list)

    @property
    def per_zone(self) -> dict[str, int]:
        """How many bins each zone gets."""
        counts: dict[str, int] = {}
        for spec in self.bins:
            counts[spec.zone] = counts.get(spec.zone, 0) + 1
        return counts


def next_walk_seq(session: Session, warehouse: Warehouse) -> int:
    """One after the highest walking position of the warehouse's storage bins."""
    highest = session.scalar(select(func.max(Location.walk_seq)).where(
        Location.warehouse_id == warehouse.id, Location.kind == "storage"))
    return (highest or 0) + 1


def parse_zones(text: str) -> tuple[str, ...]:
    """Zone codes typed as "A, B C" (commas or spaces), upper case, in the order typed."""
    return tuple(part.upper() for part in text.replace(",", " ").split())


def preview_layout(session: Session, warehouse_code: str,
                   request: LayoutRequest) -> LayoutPreview:
    """The bins the generator would make in this warehouse, in walking order; nothing is
    written. Invalid when the request cannot make bins."""
    warehouse = find_warehouse(session, warehouse_code)
    if request.kind not in EDITABLE_KINDS:
        raise Invalid(f"kind: one of {', '.join(EDITABLE_KINDS)}", field="kind")
    if request.capacity is not None and not 0 <= request.capacity <= MAX_CAPACITY:
        raise Invalid(f"capacity: a whole number from 0 to {MAX_CAPACITY}", field="capacity")
    size = len(request.zones) * request.aisles * request.bays * request.levels
    if size > MAX_LAYOUT_BINS:
        raise Invalid(f"bins: at most {MAX_LAYOUT_BINS} at once, asked for {size}",
                      field="bins", maximum=MAX_LAYOUT_BINS, asked=size)
    if request.start_seq + size > MAX_CAPACITY:
        raise Invalid("start_seq: too large", field="start_seq")
    try:
        specs = generate_layout(request.zones, request.aisles, request.bays, request.levels,
                                request.start_seq)
    except (ValueError, InvalidLocationCode) as exc:
        text = str(exc)
        name = next((n for n in ("zone", "aisle", "bay", "level", "start_seq")
                     if text.startswith(n)), "zones")
        raise Invalid(text, field=name) from exc
    codes = [spec.code for spec in specs]
    existing: list[str] = []
    for start in range(0, len(codes), 900):
        existing += session.scalars(select(Location.code).where(
            Location.code.in_(codes[start:start + 900]))).all()
    order = {code: n for n, code in enumerate(codes)}
    return LayoutPreview(warehouse.code, request, specs, sorted(existing, key=order.__getitem__))


def create_layout(session: Session, warehouse_code: str, request: LayoutRequest,
                  user_id: int | None) -> LayoutPreview:
    """Create every bin of the preview in one transaction. When any of its codes exists
    already the whole layout is refused (Conflict naming them) and nothing is written."""
    preview = preview_layout(session, warehouse_code, request)
    if preview.existing:
        named = ", ".join(preview.existing[:CLASHES_NAMED])
        more = len(preview.existing) - CLASHES_NAMED
        raise Conflict(
            f"{len(preview.existing)} of these bins exist already: {named}"
            + (f" and {more} more" if more > 0 else ""),
            existing=len(preview.existing), first=preview.existing[0])
    warehouse = find_warehouse(session, warehouse_code)
    check_warehouse_code_allowed(warehouse.code)
    zone_ids = {code: ensure_zone(session, warehouse, code).id for code in request.zones}
    rows = [{"code": spec.code, "warehouse_id": warehouse.id, "zone_id": zone_ids[spec.zone],
             "kind": request.kind, "capacity": request.capacity, "walk_seq": spec.walk_seq,
             "blocked": False} for spec in preview.bins]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Location), rows[start:start + 1000])
    record(session, user_id, "layout.create", warehouse.code, old={}, new={
        "zones": list(request.zones), "aisles": request.aisles, "bays": request.bays,
        "levels": request.levels, "start_seq": request.start_seq,
        "capacity": request.capacity, "kind": request.kind, "bins": len(rows),
        "first": rows[0]["code"], "last": rows[-1]["code"]})
    return preview


# ---------------------------------------------------------------- bin edits


@dataclass(frozen=True)
class BinChanges:
    """What an edit sets on each bin: the capacity (None: no limit) when `set_capacity`,
    the kind and the block when not None."""

    set_capacity: bool = False
    capacity: int | None = None
    kind: str | None = None
    blocked: bool | None = None


def update_bins(session: Session, codes: Sequence[str], changes: BinChanges,
                user_id: int | None) -> int:
    """Set capacity, kind or blocked on each location named; returns how many changed.
    Unknown codes, a bad kind or capacity: Invalid, and nothing changes."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not wanted:
        raise Invalid("bins: choose at least one bin", field="bins")
    if changes.kind is not None and changes.kind not in EDITABLE_KINDS:
        raise Invalid(f"kind: one of {', '.join(EDITABLE_KINDS)}", field="kind")
    if changes.set_capacity and changes.capacity is not None and (
            isinstance(changes.capacity, bool) or not isinstance(changes.capacity, int)
            or not 0 <= changes.capacity <= MAX_CAPACITY):
        raise Invalid(f"capacity: a whole number from 0 to {MAX_CAPACITY}", field="capacity")
    found: list[Location] = []
    for start in range(0, len(wanted), 900):
        found += session.scalars(select(Location).where(
            Location.code.in_(wanted[start:start + 900]))).all()
    missing = sorted(set(wanted) - {loc.code for loc in found})
    if missing:
        raise Invalid(f"bins: no location {missing[0]}", field="bins", location=missing[0])
    check_warehouse_allowed(*found)
    transit = next((loc.code for loc in found if loc.kind == "in_transit"), None)
    if transit is not None and changes.kind is not None:
        raise Invalid(f"kind: {transit} is an in-transit location", field="kind",
                      location=transit)
    changed = 0
    rekinded: list[int] = []
    for location in sorted(found, key=lambda loc: loc.code):
        before = location_values(session, location)
        if changes.set_capacity:
            location.capacity = changes.capacity
        if changes.kind is not None and location.kind != changes.kind:
            location.kind = changes.kind
            rekinded.append(location.id)
        if changes.blocked is not None:
            location.blocked = changes.blocked
        after = location_values(session, location)
        diff = {k: v for k, v in after.items() if before[k] != v}
        if diff:
            record(session, user_id, "location.update", location.code,
                   old={k: before[k] for k in diff}, new=diff)
            changed += 1
    session.flush()
    set_empty_flags(session, rekinded)  # a bin that was a dock starts kept as a bin
    return changed
