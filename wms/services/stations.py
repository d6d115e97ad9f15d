"""Fixed-scanner stations. Every scan a station receives (from the bridge or typed at its
screen) is recorded as an event with its outcome, and moves the station's work on:

- a dock: a purchase order number opens the order; each item scan receives one unit (or the
  GS1 quantity) at the dock, with the lot and expiry of its GS1 code, as accepted,
  quarantined or rejected according to the inspection choice made on the screen;
- a packing bench: an order number opens a picked order; each item scan verifies one picked
  unit; a wrong or extra item is refused; when every unit is verified the order is packed
  and its packing slip and shipping label are queued for printing.

A refused scan is recorded too (the screen shows it loudly); nothing else changes for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Invalid, WmsError
from wms.models import Item, PurchaseOrder, SalesOrder, StationEvent, StationState, utcnow
from wms.reasons import INSPECTION_REASONS, check_reason
from wms.scanning import ScanResult, decode_scan
from wms.services.lookup import find_item
from wms.services.orders import get_purchase_order, get_sales_order
from wms.services.print_jobs import queue_packing_documents
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.shipping import pack_order, picked_lots, picked_per_line
from wms.site_config import SiteConfig, StationConfig

DISPOSITIONS = ("accept", "quarantine", "reject")
RECENT_EVENTS = 12


@dataclass(frozen=True)
class Outcome:
    outcome: str  # ok, error or info
    message: str  # a code the screens translate
    params: dict[str, Any]


def ok(message: str, **params: Any) -> Outcome:
    return Outcome("ok", message, params)


def refused(message: str, **params: Any) -> Outcome:
    return Outcome("error", message, params)


def note(message: str, **params: Any) -> Outcome:
    return Outcome("info", message, params)


def station_named(site: SiteConfig, name: str) -> StationConfig:
    """The configured station, or Invalid naming the ones there are."""
    station = site.stations.get(name)
    if station is None:
        known = ", ".join(site.stations) or "none configured"
        raise Invalid(f"station: no station {name!r} (stations: {known})", field="station")
    return station


def _state(session: Session, name: str) -> StationState:
    """The station's state row, locked for this transaction (created on first use)."""
    state = session.get(StationState, name, with_for_update=True)
    if state is None:
        state = StationState(station=name, data={}, version=0)
        session.add(state)
        session.flush()
    return state


def _record(session: Session, state: StationState, data: dict[str, Any], *, kind: str,
            outcome: Outcome, user_id: int | None, device: str | None = None,
            raw: str | None = None, scanned_at: datetime | None = None) -> StationEvent:
    state.version += 1
    state.data = data
    state.updated_at = utcnow()
    event = StationEvent(station=state.station, version=state.version, kind=kind, device=device,
                         raw=raw, outcome=outcome.outcome, message=outcome.message,
                         params=outcome.params, user_id=user_id, scanned_at=scanned_at)
    session.add(event)
    session.flush()
    return event


def handle_scan(session: Session, station: StationConfig, raw: str, *, user_id: int | None,
                site: SiteConfig, device: str | None = None, scanned_at: datetime | None = None,
                gs_replacements: Sequence[str] = (), tolerance_pct: float = 0.0
                ) -> StationEvent:
    """Apply one scan at a station and record it with its outcome."""
    state = _state(session, station.name)
    data = dict(state.data or {})
    result = decode_scan(session, raw, gs_replacements=gs_replacements)
    try:
        with session.begin_nested():
            if station.kind == "dock":
                outcome = _at_dock(session, station, data, result, user_id, tolerance_pct)
            else:
                outcome = _at_packing(session, station, data, result, user_id, site)
    except WmsError as error:
        outcome = refused(error.code, **{k: str(v) for k, v in error.details.items()
                                          if isinstance(v, str | int)}, scanned=result.text)
    return _record(session, state, data, kind="scan", outcome=outcome, user_id=user_id,
                   device=device, raw=raw, scanned_at=scanned_at)


def record_device(session: Session, station: StationConfig, device: str, state_name: str,
                  detail: str, at: datetime | None) -> StationEvent:
    """A scanner of the station was connected or disconnected."""
    if state_name not in ("connected", "disconnected"):
        raise Invalid("state: connected or disconnected", field="state")
    state = _state(session, station.name)
    data = dict(state.data or {})
    devices = dict(data.get("devices", {}))
    devices[device] = {"state": state_name, "detail": detail[:200],
                       "since": (at or utcnow()).isoformat()}
    data["devices"] = devices
    outcome = (note if state_name == "connected" else refused)(
        f"device_{state_name}", device=device, detail=detail[:200])
    return _record(session, state, data, kind="device", outcome=outcome, user_id=None,
                   device=device, scanned_at=at)


def choose_inspection(session: Session, station: StationConfig, disposition: str,
                      reason: str | None, user_id: int | None) -> StationEvent:
    """The dock screen's inspection choice for the scans that follow."""
    if disposition not in DISPOSITIONS:
        raise Invalid("disposition: accept, quarantine or reject", field="disposition")
    if disposition != "accept":  # a reason code, shown in each viewer's language
        reason, _note = check_reason(reason, None, INSPECTION_REASONS)
    state = _state(session, station.name)
    data = dict(state.data or {})
    data["disposition"] = disposition
    data["reason"] = reason.strip() if disposition != "accept" and reason else None
    return _record(session, state, data, kind="action",
                   outcome=note("inspection", disposition=disposition, reason=data["reason"]),
                   user_id=user_id)


def _purchase_order(session: Session, text: str) -> PurchaseOrder | None:
    return session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == text.upper()))


def _sales_order(session: Session, text: str) -> SalesOrder | None:
    return session.scalar(select(SalesOrder).where(SalesOrder.number == text.upper()))


def _at_dock(session: Session, station: StationConfig, data: dict[str, Any],
             result: ScanResult, user_id: int | None, tolerance_pct: float) -> Outcome:
    if result.kind == "command" and result.command in ("DONE", "CANCEL"):
        closed = data.pop("order", None)
        return note("order_closed", number=closed or "—")
    if result.kind != "item":
        order = _purchase_order(session, result.text)
        if order is None:
            return refused(result.problem or "not_for_dock", scanned=result.text)
        if order.status == "closed":
            return refused("order_closed_already", number=order.number)
        data["order"] = order.number
        return ok("receiving_order", number=order.number, supplier=order.supplier.name)
    number = data.get("order")
    if not number:
        return refused("scan_order_first", scanned=result.text)
    item = find_item(session, result.sku or "")
    if item.tracking == "lot" and not result.lot:
        return refused("needs_lot_label", sku=item.sku, scanned=result.text)
    if item.expiry and not result.expiry:
        return refused("needs_expiry_label", sku=item.sku, scanned=result.text)
    order = get_purchase_order(session, number)
    if not any(line.item_id == item.id for line in order.lines):
        return refused("not_on_order", sku=item.sku, number=number)
    disposition = data.get("disposition", "accept")
    qty = result.qty or 1
    receive(session, location=station.location, purchase_order=number, user_id=user_id,
            tolerance_pct=tolerance_pct, lines=[ReceiptLineInput(
                item.sku, qty, result.lot, result.expiry, disposition, data.get("reason"))])
    return ok(f"received_{disposition}", qty=qty, sku=item.sku, lot=result.lot or "")


def _at_packing(session: Session, station: StationConfig, data: dict[str, Any],
                result: ScanResult, user_id: int | None, site: SiteConfig) -> Outcome:
    if result.kind == "command" and result.command in ("DONE", "CANCEL"):
        closed = data.pop("order", None)
        data.pop("verified", None)
        return note("order_closed", number=closed or "—")
    if result.kind != "item":
        order = _sales_order(session, result.text)
        if order is None:
            return refused(result.problem or "not_for_packing", scanned=result.text)
        if order.status == "packed":
            return refused("packed_already", number=order.number)
        if order.status != "picked":
            return refused("not_picked_yet", number=order.number,
                           status=order.status)
        data["order"] = order.number
        data["verified"] = {}
        return ok("packing_order", number=order.number, customer=order.customer.name)
    number = data.get("order")
    if not number:
        return refused("scan_order_first", scanned=result.text)
    order = get_sales_order(session, number)
    item = find_item(session, result.sku or "")
    to_pack = packing_lines(session, order)
    if item.sku not in to_pack:
        return refused("wrong_item_for_order", sku=item.sku, number=number)
    verified = dict(data.get("verified", {}))
    done = verified.get(item.sku, 0)
    if done >= to_pack[item.sku]:
        return refused("extra_item", sku=item.sku, number=number, qty=to_pack[item.sku])
    verified[item.sku] = done + 1
    data["verified"] = verified
    if any(verified.get(sku, 0) < units for sku, units in to_pack.items()):
        return ok("verified", sku=item.sku, done=done + 1, of=to_pack[item.sku])
    pack_order(session, number, user_id)
    jobs = queue_packing_documents(session, order, picked_lots(session, order),
                                   picked_per_line(session, order), site, user_id)
    data.pop("order", None)
    data.pop("verified", None)
    data["last_packed"] = number
    return ok("packed", number=number, jobs=[job.id for job in jobs])


def packing_lines(session: Session, order: SalesOrder) -> dict[str, int]:
    """Units picked per SKU: what the packer must find in the tote."""
    picked = picked_per_line(session, order)
    units: dict[str, int] = {}
    for line in order.lines:
        if picked.get(line.id):
            units[line.item.sku] = units.get(line.item.sku, 0) + picked[line.id]
    return units


@dataclass(frozen=True)
class StationView:
    station: StationConfig
    version: int
    data: dict[str, Any]
    events: list[StationEvent]
    purchase_order: PurchaseOrder | None
    sales_order: SalesOrder | None
    to_pack: dict[str, int]
    items: dict[str, Item]


def station_view(session: Session, station: StationConfig) -> StationView:
    """What the station's screen shows: the order in hand and the latest events."""
    state = session.get(StationState, station.name)
    data = dict(state.data or {}) if state else {}
    events = list(session.scalars(
        select(StationEvent).where(StationEvent.station == station.name)
        .order_by(StationEvent.version.desc()).limit(RECENT_EVENTS)))
    purchase = sales = None
    to_pack: dict[str, int] = {}
    if data.get("order") and station.kind == "dock":
        purchase = get_purchase_order(session, data["order"])
    elif data.get("order"):
        sales = get_sales_order(session, data["order"])
        to_pack = packing_lines(session, sales)
    skus = set(to_pack)
    items = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(skus)))} \
        if skus else {}
    return StationView(station, state.version if state else 0, data, events, purchase, sales,
                       to_pack, items)


def station_version(session: Session, name: str) -> int:
    """How many events the station has had (0 before the first)."""
    return int(session.scalar(select(StationState.version).where(
        StationState.station == name)) or 0)
