"""Fixed-scanner stations. Every scan a station receives (from the bridge or typed at its
screen) is recorded as an event with its outcome, and moves the station's work on:

- a person signs in by scanning their badge; until someone has, every other scan is
  refused, and what the station books (receipts, packs, their documents, the moves and the
  audit) is in that person's name. `SIGNOUT` signs them out;
- a dock: a purchase order number opens the order; each item scan receives one unit (the
  GS1 quantity, or the pack size for a case's code) at the dock, with the lot and expiry of
  its GS1 code. The inspection choice made on the screen (quarantine or reject, with a
  reason) applies to the next item scan only; then the dock accepts again. The scans of
  one order are one receipt: lot labels print as the goods are booked, the one receiving
  note when the order is closed (`DONE`, another order, or the person signing out);
- a packing bench: an order number opens a picked order; each item scan verifies one picked
  unit (a case's code its pack size); a wrong or extra item is refused; when every unit is
  verified the order is packed and its packing slip and shipping label are queued for
  printing;
- at either, a quantity after an item scan (`x24`, `X24` or `*24`, scanned from a card or
  keyed on the screen's number pad) says that scan was 24 units in all, so a case of 24 is
  one scan and a quantity, not 24 scans. More than the order allows is refused.

A refused scan is recorded too (the screen shows it loudly); nothing else changes for it.
A repeated read that the bridge suppressed (a presentation-mode scanner) is recorded as
information, so the screen shows it, and changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.acting import warehouse_codes
from wms.auth import may
from wms.config import Settings
from wms.errors import Invalid, OverReceipt, WmsError
from wms.models import (
    Item,
    Location,
    PurchaseOrder,
    SalesOrder,
    StationEvent,
    StationState,
    User,
    Warehouse,
    utcnow,
)
from wms.reasons import INSPECTION_REASONS, check_reason
from wms.scanning import ScanResult, decode_scan
from wms.services.lookup import find_item, location_code
from wms.services.orders import get_purchase_order, get_sales_order
from wms.services.receiving import ReceiptLineInput, check_on_order, close_receipt, receive
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import pack_order, picked_per_line
from wms.site_config import SiteConfig, StationConfig

DISPOSITIONS = ("accept", "quarantine", "reject")
RECENT_EVENTS = 12
PERMISSION = {"dock": "receive", "packing": "pack"}
"""What a person must be allowed to do to work at each kind of station."""
QUANTITY = re.compile(r"^[xX*]\s?(\d{1,5})$")
"""A quantity for the item just scanned: x24, X24 or *24 (a scanned card or the number pad)."""
SIGN_OUT = ("SIGNOUT", "CMD:SIGNOUT", "%SIGNOUT%")


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


@dataclass(frozen=True)
class Work:
    """What a scan works with: the station, the signed-in person and the site's setup."""

    station: StationConfig
    site: SiteConfig
    person_id: int
    settings: Settings


def station_named(site: SiteConfig, name: str) -> StationConfig:
    """The configured station, or Invalid naming the ones there are."""
    station = site.stations.get(name)
    if station is None:
        known = ", ".join(site.stations) or "none configured"
        raise Invalid(f"station: no station {name!r} (stations: {known})", field="station")
    return station


def _state(session: Session, station: StationConfig) -> StationState:
    """The station's state row, locked for this transaction (created on first use)."""
    state = session.get(StationState, (station.gateway, station.name), with_for_update=True)
    if state is None:
        state = StationState(gateway=station.gateway, station=station.name, data={},
                             version=0)
        session.add(state)
        session.flush()
    return state


def _record(session: Session, state: StationState, data: dict[str, Any], *, kind: str,
            outcome: Outcome, user_id: int | None, device: str | None = None,
            raw: str | None = None, scanned_at: datetime | None = None) -> StationEvent:
    state.version += 1
    state.data = data
    state.updated_at = utcnow()
    event = StationEvent(gateway=state.gateway, station=state.station, version=state.version,
                         kind=kind, device=device,
                         raw=raw, outcome=outcome.outcome, message=outcome.message,
                         params=outcome.params, user_id=user_id, scanned_at=scanned_at)
    session.add(event)
    session.flush()
    return event


def person_at(data: dict[str, Any], shift_hours: float = 10.0) -> dict[str, Any] | None:
    """The person signed in at the station ({"id", "name", "since"}), or None; a sign-in
    lasts one shift, like a handheld's session, so a forgotten sign-out does not book the
    next shift's work in the wrong name."""
    person = data.get("person")
    if not isinstance(person, dict) or not person.get("id"):
        return None
    since = datetime.fromisoformat(person["since"]) if person.get("since") else None
    if since is None or utcnow() - since > timedelta(hours=shift_hours):
        return None
    return person


def handle_scan(session: Session, station: StationConfig, raw: str, *, user_id: int | None,
                site: SiteConfig, settings: Settings, device: str | None = None,
                scanned_at: datetime | None = None, repeat_ignored: bool = False
                ) -> StationEvent:
    """Apply one scan at a station and record it with its outcome. `user_id` is whoever
    delivers the scan (the bridge, a screen); the work is done in the name of the person
    signed in at the station."""
    state = _state(session, station)
    before = dict(state.data or {})
    data = dict(before)
    shift_hours = settings.shift_hours
    person = person_at(data, shift_hours)
    if repeat_ignored:
        text = raw.strip()[:200]
        return _record(session, state, data, kind="scan",
                       outcome=note("repeat_ignored", scanned=text, device=device or ""),
                       user_id=person["id"] if person else user_id, device=device, raw=raw,
                       scanned_at=scanned_at)
    result = decode_scan(session, raw, gs_replacements=settings.gs_replacement.split())
    try:
        with session.begin_nested():
            outcome = _apply(session, station, site, data, result, settings)
    except WmsError as error:
        data = before  # a refused scan changes nothing, the station's state included
        outcome = refused(error.code, **{k: str(v) for k, v in error.details.items()
                                          if isinstance(v, str | int)}, scanned=result.text)
    person = person_at(data, shift_hours) or person
    return _record(session, state, data, kind="scan", outcome=outcome,
                   user_id=person["id"] if person else user_id, device=device, raw=raw,
                   scanned_at=scanned_at)


def _apply(session: Session, station: StationConfig, site: SiteConfig, data: dict[str, Any],
           result: ScanResult, settings: Settings) -> Outcome:
    if result.kind == "badge":
        return _sign_in(session, station, site, data, result, settings)
    person = person_at(data, settings.shift_hours)
    if person is None:
        return refused("scan_badge_first", scanned=result.text)
    work = Work(station, site, int(person["id"]), settings)
    if result.text.upper() in SIGN_OUT:
        _finish_receipt(session, work, data)
        data.pop("person", None)
        data.pop("last", None)
        return note("signed_out", name=person.get("name", ""))
    quantity = QUANTITY.match(result.text)
    if quantity is not None:
        qty = int(quantity.group(1))
        if station.kind == "dock":
            return _dock_quantity(session, work, data, qty)
        return _packing_quantity(session, work, data, qty)
    if station.kind == "dock":
        return _at_dock(session, work, data, result)
    return _at_packing(session, work, data, result)


def record_device(session: Session, station: StationConfig, device: str, state_name: str,
                  detail: str, at: datetime | None, reason: str | None = None
                  ) -> StationEvent:
    """A scanner of the station was connected or disconnected; `reason` is the bridge's
    code for why (`opened`, `lost`, `no_device`...), `detail` its technical text."""
    if state_name not in ("connected", "disconnected"):
        raise Invalid("state: connected or disconnected", field="state")
    state = _state(session, station)
    data = dict(state.data or {})
    devices = dict(data.get("devices", {}))
    devices[device] = {"state": state_name, "reason": reason, "detail": detail[:200],
                       "since": (at or utcnow()).isoformat()}
    data["devices"] = devices
    outcome = (note if state_name == "connected" else refused)(
        f"device_{state_name}", device=device, reason=reason, detail=detail[:200])
    return _record(session, state, data, kind="device", outcome=outcome, user_id=None,
                   device=device, scanned_at=at)


# Badge alone signs a person in: at a fixed station both hands hold the scanner and the
# goods, and the screen stands where the bench leaves room for it; the screen itself runs
# in the session of a person signed in with badge and PIN who may work at this station.
# The badge names who does the work (in the ledger, the audit and on the documents); it
# unlocks nothing that screen could not do, and a person without the station's permission
# is refused.
def _sign_in(session: Session, station: StationConfig, site: SiteConfig, data: dict[str, Any],
             result: ScanResult, settings: Settings) -> Outcome:
    user = session.scalar(select(User).where(User.username == result.username,
                                             User.active.is_(True)))
    if user is None:
        return refused("unknown_code", scanned=result.text)
    name = user.display_name or user.username
    if not may(user, PERMISSION[station.kind]) or not _may_work_at(session, user, station):
        return refused("badge_not_allowed", name=name)
    current = data.get("person")  # whoever signed in last, their shift over or not
    if isinstance(current, dict) and current.get("id") and current["id"] != user.id:
        _finish_receipt(session, Work(station, site, int(current["id"]), settings), data)
        data.pop("last", None)
    data["person"] = {"id": user.id, "name": name, "since": utcnow().isoformat()}
    return ok("signed_in", name=name)


def _may_work_at(session: Session, user: User, station: StationConfig) -> bool:
    """Whether the station's location is in a warehouse the person may work in."""
    allowed = warehouse_codes(user.warehouses)
    if allowed is None:
        return True
    warehouse = session.scalar(select(Warehouse.code).join(
        Location, Location.warehouse_id == Warehouse.id).where(
        Location.code == location_code(station.location)))
    return warehouse is None or warehouse in allowed


def choose_inspection(session: Session, station: StationConfig, disposition: str,
                      reason: str | None, user_id: int | None) -> StationEvent:
    """The dock screen's inspection choice for the next item scan (accept cancels it)."""
    if disposition not in DISPOSITIONS:
        raise Invalid("disposition: accept, quarantine or reject", field="disposition")
    if disposition != "accept":  # a reason code, shown in each viewer's language
        reason, _note = check_reason(reason, None, INSPECTION_REASONS)
    state = _state(session, station)
    data = dict(state.data or {})
    if disposition == "accept":
        data.pop("disposition", None)
        data.pop("reason", None)
    else:
        data["disposition"] = disposition
        data["reason"] = (reason or "").strip()
    return _record(session, state, data, kind="action",
                   outcome=note("inspection", disposition=disposition,
                                reason=data.get("reason")),
                   user_id=user_id)


def next_disposition(data: dict[str, Any]) -> tuple[str, str | None]:
    """How the dock's next item scan will be booked: (disposition, reason)."""
    disposition = data.get("disposition") or "accept"
    return (disposition, data.get("reason")) if disposition != "accept" else ("accept", None)


def _purchase_order(session: Session, text: str) -> PurchaseOrder | None:
    return session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == text.upper()))


def _sales_order(session: Session, text: str) -> SalesOrder | None:
    return session.scalar(select(SalesOrder).where(SalesOrder.number == text.upper()))


def _finish_receipt(session: Session, work: Work, data: dict[str, Any]) -> list[int]:
    """Close the dock's open receipt: its receiving note is queued (ids of the jobs)."""
    receipt_id = data.pop("receipt", None)
    if not receipt_id:
        return []
    return [job.id for job in close_receipt(session, int(receipt_id), work.site,
                                            work.person_id)]


def _at_dock(session: Session, work: Work, data: dict[str, Any],
             result: ScanResult) -> Outcome:
    if result.kind == "command" and result.command in ("DONE", "CANCEL"):
        jobs = _finish_receipt(session, work, data)
        closed = data.pop("order", None)
        data.pop("last", None)
        return note("order_closed", number=closed or "—", jobs=jobs)
    if result.kind != "item":
        order = _purchase_order(session, result.text)
        if order is None:
            return refused(result.problem or "not_for_dock", scanned=result.text)
        if order.status == "closed":
            return refused("order_closed_already", number=order.number)
        if data.get("order") != order.number:
            _finish_receipt(session, work, data)
            data.pop("last", None)
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
    try:
        check_on_order(get_purchase_order(session, number), item)
    except OverReceipt:
        return refused("not_on_order", sku=item.sku, number=number)
    disposition, reason = next_disposition(data)
    qty = result.counts
    _book(session, work, data, ReceiptLineInput(item.sku, qty, result.lot, result.expiry,
                                                disposition, reason))
    data.pop("disposition", None)  # the inspection choice was for this scan only
    data.pop("reason", None)
    data["last"] = {"sku": item.sku, "lot": result.lot,
                    "expiry": result.expiry.isoformat() if result.expiry else None,
                    "disposition": disposition, "reason": reason, "qty": qty}
    return ok(f"received_{disposition}", qty=qty, sku=item.sku, lot=result.lot or "")


def _book(session: Session, work: Work, data: dict[str, Any], line: ReceiptLineInput) -> None:
    """Receive one line into the order's open receipt (opening one for the first scan)."""
    booked = receive(session, location=work.station.location, purchase_order=data["order"],
                     user_id=work.person_id,
                     tolerance_pct=work.settings.over_receipt_tolerance_pct,
                     lines=[line], site=work.site, receipt_id=data.get("receipt"),
                     keep_open=True, min_shelf_life_days=work.settings.min_shelf_life_days,
                     today=warehouse_today(work.settings.timezone))
    data["receipt"] = booked.receipt.id


def _dock_quantity(session: Session, work: Work, data: dict[str, Any], qty: int) -> Outcome:
    last = data.get("last")
    if not data.get("order") or not isinstance(last, dict):
        return refused("scan_item_before_quantity", qty=qty)
    already = int(last["qty"])
    if qty <= already:  # more than the order allows is refused by receiving
        return refused("quantity_not_more", qty=qty, done=already, sku=last["sku"])
    expiry = date.fromisoformat(last["expiry"]) if last.get("expiry") else None
    _book(session, work, data, ReceiptLineInput(last["sku"], qty - already, last.get("lot"),
                                                expiry, last["disposition"], last.get("reason")))
    data["last"] = {**last, "qty": qty}
    return ok(f"received_{last['disposition']}", qty=qty, sku=last["sku"],
              lot=last.get("lot") or "")


def _at_packing(session: Session, work: Work, data: dict[str, Any],
                result: ScanResult) -> Outcome:
    if result.kind == "command" and result.command in ("DONE", "CANCEL"):
        closed = data.pop("order", None)
        data.pop("verified", None)
        data.pop("last", None)
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
        data.pop("last", None)
        return ok("packing_order", number=order.number, customer=order.customer.name)
    number = data.get("order")
    if not number:
        return refused("scan_order_first", scanned=result.text)
    order = get_sales_order(session, number)
    item = find_item(session, result.sku or "")
    to_pack = packing_lines(session, order)
    if item.sku not in to_pack:
        return refused("wrong_item_for_order", sku=item.sku, number=number)
    done = dict(data.get("verified", {})).get(item.sku, 0)
    units = result.counts
    if done + units > to_pack[item.sku]:
        return refused("extra_item", sku=item.sku, number=number, qty=to_pack[item.sku])
    data["last"] = {"sku": item.sku, "before": done, "qty": units}
    return _verified(session, work, data, order, item.sku, done + units, to_pack)


def _packing_quantity(session: Session, work: Work, data: dict[str, Any],
                      qty: int) -> Outcome:
    last = data.get("last")
    number = data.get("order")
    if not number or not isinstance(last, dict):
        return refused("scan_item_before_quantity", qty=qty)
    if qty <= int(last["qty"]):
        return refused("quantity_not_more", qty=qty, done=int(last["qty"]), sku=last["sku"])
    order = get_sales_order(session, number)
    to_pack = packing_lines(session, order)
    wanted = to_pack.get(last["sku"], 0)
    if int(last["before"]) + qty > wanted:
        return refused("extra_item", sku=last["sku"], number=number, qty=wanted)
    data["last"] = {**last, "qty": qty}
    return _verified(session, work, data, order, last["sku"], int(last["before"]) + qty,
                     to_pack)


def _verified(session: Session, work: Work, data: dict[str, Any], order: SalesOrder,
              sku: str, done: int, to_pack: dict[str, int]) -> Outcome:
    verified = {**dict(data.get("verified", {})), sku: done}
    data["verified"] = verified
    if any(verified.get(s, 0) < units for s, units in to_pack.items()):
        return ok("verified", sku=sku, done=done, of=to_pack[sku])
    packed = pack_order(session, order.number, work.person_id, work.site)
    for key in ("order", "verified", "last"):
        data.pop(key, None)
    data["last_packed"] = order.number
    return ok("packed", number=order.number, jobs=[job.id for job in packed.print_jobs])


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
    state = session.get(StationState, (station.gateway, station.name))
    data = dict(state.data or {}) if state else {}
    events = list(session.scalars(
        select(StationEvent).where(StationEvent.gateway == station.gateway,
                                   StationEvent.station == station.name)
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


def station_version(session: Session, station: StationConfig) -> int:
    """How many events the station has had (0 before the first)."""
    return int(session.scalar(select(StationState.version).where(
        StationState.gateway == station.gateway, StationState.station == station.name)) or 0)
