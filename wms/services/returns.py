"""Returns (退货): goods a customer sends back, received at a dock and restocked,
quarantined or scrapped; goods sent back to their supplier; and stock released from
quarantine into a bin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.errors import Invalid, OverReturn
from wms.ledger import Draw, MoveRequest, post_move
from wms.models import (
    Customer,
    Item,
    Location,
    Lot,
    Move,
    PurchaseOrder,
    SalesOrder,
    StockBalance,
    StockReturn,
    StockReturnLine,
    Supplier,
    User,
    Warehouse,
    utcnow,
)
from wms.money import cost
from wms.reasons import CUSTOMER_RETURN_REASONS, SUPPLIER_RETURN_REASONS, check_reason
from wms.services.audit import record
from wms.services.fifo import take_from_location
from wms.services.lookup import (
    find_customer,
    find_item,
    find_location,
    find_lot,
    find_supplier,
    keep,
    lot_for_receipt,
)
from wms.services.orders import get_purchase_order, get_sales_order
from wms.services.receiving import check_receiving_location, quarantine_location_for

CUSTOMER_DISPOSITIONS = ("restock", "quarantine", "scrap")
# Where released stock may go: anywhere stock is kept for use.
RELEASE_KINDS = ("storage", "dock", "staging")


@dataclass(frozen=True)
class CustomerReturnLine:
    sku: str
    qty: int
    disposition: str
    reason: str
    lot: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SupplierReturnLine:
    sku: str
    qty: int
    from_location: str
    reason: str
    lot: str | None = None
    note: str | None = None


@dataclass
class ReturnResult:
    stock_return: StockReturn
    moves: list[Move] = field(default_factory=list)


@dataclass(frozen=True)
class Returnable:
    """What a customer may still send back of one item of a shipped order."""

    item_id: int
    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    shipped: int
    returned: int
    unit_cost: Decimal | None  # the average cost per unit at which the units left

    @property
    def remaining(self) -> int:
        return max(self.shipped - self.returned, 0)


def returnable(session: Session, order: SalesOrder) -> list[Returnable]:
    """Per item the order shipped: units shipped, units returned already, and the cost per
    unit at which they left."""
    shipped = session.execute(
        select(Move.item_id, Item.sku, Item.name, Item.name_en, Item.name_zh,
               func.sum(Move.qty), func.sum(Move.qty * Move.unit_cost),
               func.count(Move.unit_cost), func.count())
        .join(Item, Item.id == Move.item_id)
        .where(Move.kind == "ship", Move.reference == order.number)
        .group_by(Move.item_id, Item.sku, Item.name, Item.name_en, Item.name_zh)
        .order_by(Item.sku)
    ).all()
    returned: dict[int, int] = {item_id: int(qty) for item_id, qty in session.execute(
        select(StockReturnLine.item_id, func.sum(StockReturnLine.qty))
        .join(StockReturn, StockReturn.id == StockReturnLine.return_id)
        .where(StockReturn.sales_order_id == order.id, StockReturn.kind == "customer")
        .group_by(StockReturnLine.item_id))}
    rows = []
    for item_id, sku, name, name_en, name_zh, qty, value, costed, moves in shipped:
        unit_cost = Decimal(value) / int(qty) if costed == moves and value is not None else None
        rows.append(Returnable(item_id, sku, name, name_en, name_zh, int(qty),
                               int(returned.get(item_id, 0)), unit_cost))
    return rows


def _return_lot(session: Session, item: Item, code: str | None, order: SalesOrder | None) -> Lot:
    """The lot returned units go back into: the one named, else the last lot of the item the
    order shipped, else a lot as a receipt would make."""
    if code and item.tracking == "lot":
        lot = find_lot(session, item, code)
        if lot is None:
            raise Invalid(f"lot: item {item.sku} has no lot {code}", field="lot")
        return lot
    if order is not None:
        lot_id = session.scalar(
            select(Move.lot_id).where(Move.kind == "ship", Move.reference == order.number,
                                      Move.item_id == item.id)
            .order_by(Move.id.desc()).limit(1))
        if lot_id is not None:
            lot = session.get(Lot, lot_id)
            assert lot is not None
            return lot
    if item.expiry:
        raise Invalid(f"lot: item {item.sku} tracks expiry; name the lot that came back",
                      field="lot")
    return lot_for_receipt(session, item, code, None, utcnow())


def receive_customer_return(
    session: Session, *, customer: str, location: str, lines: Sequence[CustomerReturnLine],
    user_id: int | None, sales_order: str | None = None,
) -> ReturnResult:
    """Take back goods a customer returns at a dock: each line is restocked at the dock,
    quarantined in the warehouse's quarantine location, or scrapped (it comes in, then is
    written off). Units come back at the average cost at which the order shipped them."""
    buyer = find_customer(session, customer)
    dock = find_location(session, location)
    check_receiving_location(dock)
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    order = get_sales_order(session, sales_order, lock=True) if sales_order else None
    if order is not None and order.customer_id != buyer.id:
        raise Invalid(f"sales_order: {order.number} is not an order of customer {customer}",
                      field="sales_order")
    may_return = {r.item_id: r for r in returnable(session, order)} if order else {}
    stock_return = StockReturn(kind="customer", customer_id=buyer.id,
                               sales_order_id=order.id if order else None,
                               location_id=dock.id, user_id=user_id, at=utcnow())
    session.add(stock_return)
    session.flush()
    result = ReturnResult(stock_return)
    reference = f"RET-{stock_return.id}"
    asked: dict[int, int] = {}
    quarantine: Location | None = None
    for entry in lines:
        if entry.disposition not in CUSTOMER_DISPOSITIONS:
            raise Invalid("disposition: restock, quarantine or scrap", field="disposition")
        if entry.qty <= 0:
            raise Invalid("qty: must be a whole number greater than zero", field="qty")
        reason, note = check_reason(entry.reason, entry.note, CUSTOMER_RETURN_REASONS,
                                    "why the goods came back")
        item = find_item(session, entry.sku)
        price: Decimal | None = None
        if order is not None:
            shipped = may_return.get(item.id)
            asked[item.id] = asked.get(item.id, 0) + entry.qty
            left = shipped.remaining if shipped else 0
            if asked[item.id] > left:
                raise OverReturn(
                    f"sales order {order.number} may take back {left} more of {item.sku}, "
                    f"not {asked[item.id]}", sku=item.sku, remaining=left)
            price = shipped.unit_cost if shipped else None
        lot = _return_lot(session, item, entry.lot, order)
        destination = dock
        if entry.disposition == "quarantine":
            quarantine = quarantine or quarantine_location_for(session, dock)
            destination = quarantine
        came_back = post_move(session, MoveRequest(
            kind="customer_return", item_id=item.id, lot_id=lot.id, qty=entry.qty,
            from_location=None, to_location=destination, user_id=user_id, reference=reference,
            reason=reason, note=note, unit_price=price,
            check_destination=entry.disposition != "scrap"))
        result.moves.append(came_back)
        if entry.disposition == "scrap":
            result.moves.append(post_move(session, MoveRequest(
                kind="scrap", item_id=item.id, lot_id=lot.id, qty=entry.qty,
                from_location=dock, to_location=None, user_id=user_id, reference=reference,
                reason=reason, note=note, draw=Draw.AVAILABLE)))
        session.add(StockReturnLine(
            return_id=stock_return.id, item_id=item.id, lot_id=lot.id, qty=entry.qty,
            disposition=entry.disposition, reason=reason, note=note,
            unit_cost=came_back.unit_cost))
        keep(session, item, lot, destination)
    record(session, user_id, "return.customer", reference, customer=buyer.code,
           sales_order=order.number if order else None,
           lines=[{"sku": ln.sku, "qty": ln.qty, "disposition": ln.disposition}
                  for ln in lines])
    session.flush()
    return result


def send_supplier_return(
    session: Session, *, supplier: str, lines: Sequence[SupplierReturnLine],
    user_id: int | None, purchase_order: str | None = None,
) -> ReturnResult:
    """Send goods back to their supplier: the units leave the warehouse from where they lie
    (a quarantine location or a bin) at the moving-average cost."""
    seller = find_supplier(session, supplier)
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    order = get_purchase_order(session, purchase_order) if purchase_order else None
    if order is not None and order.supplier_id != seller.id:
        raise Invalid(f"purchase_order: {order.number} is not an order of supplier "
                      f"{supplier}", field="purchase_order")
    stock_return = StockReturn(kind="supplier", supplier_id=seller.id,
                               purchase_order_id=order.id if order else None,
                               user_id=user_id, at=utcnow())
    session.add(stock_return)
    session.flush()
    result = ReturnResult(stock_return)
    reference = f"SRET-{stock_return.id}"
    for entry in lines:
        reason, note = check_reason(entry.reason, entry.note, SUPPLIER_RETURN_REASONS,
                                    "why the goods go back")
        item = find_item(session, entry.sku)
        source = find_location(session, entry.from_location)
        moves = take_from_location(
            session, item=item, location=source, qty=entry.qty, lot_code=entry.lot,
            kind="supplier_return", to_location=None, user_id=user_id, reference=reference,
            reason=reason, note=note)
        for move in moves:
            session.add(StockReturnLine(
                return_id=stock_return.id, item_id=item.id, lot_id=move.lot_id, qty=move.qty,
                disposition="return", reason=reason, note=note, unit_cost=move.unit_cost))
        result.moves += moves
        if stock_return.location_id is None:
            stock_return.location_id = source.id
    record(session, user_id, "return.supplier", reference, supplier=seller.code,
           purchase_order=order.number if order else None,
           lines=[{"sku": ln.sku, "qty": ln.qty, "from": ln.from_location} for ln in lines])
    session.flush()
    return result


def release_from_quarantine(
    session: Session, *, sku: str, qty: int, from_location: str, to_location: str,
    user_id: int | None, lot: str | None = None,
) -> list[Move]:
    """Let quarantined units out into a location where they may be used."""
    item = find_item(session, sku)
    source = find_location(session, from_location)
    target = find_location(session, to_location)
    if source.kind != "quarantine":
        raise Invalid(f"from: {source.code} is not a quarantine location", field="from")
    if target.kind not in RELEASE_KINDS:
        raise Invalid(f"to: {target.code} is a {target.kind} location; release into a bin",
                      field="to")
    moves = take_from_location(
        session, item=item, location=source, qty=qty, lot_code=lot, kind="release",
        to_location=target, user_id=user_id, reference="RELEASE")
    record(session, user_id, "quarantine.release", item.sku, lot=lot, qty=qty,
           **{"from": source.code, "to": target.code})
    return moves


@dataclass(frozen=True)
class ReturnRow:
    """One return as the office lists it."""

    id: int
    kind: str
    partner: str  # the customer's or supplier's code
    partner_name: str
    order: str | None
    location: str | None
    lines: int
    units: int
    value: Decimal  # units x the cost per unit at which they came back or left
    at: datetime
    user: str | None


def list_returns(session: Session, *, kind: str | None = None, limit: int | None = 50,
                 offset: int = 0) -> tuple[list[ReturnRow], int]:
    """Returns, newest first, with how many there are in all; `kind` customer or supplier."""
    r = StockReturn
    filters = [r.kind == kind] if kind else []
    total = int(session.scalar(select(func.count()).select_from(r).where(*filters)) or 0)
    lines = (select(StockReturnLine.return_id.label("rid"), func.count().label("n"),
                    func.sum(StockReturnLine.qty).label("units"),
                    func.sum(StockReturnLine.qty * func.coalesce(StockReturnLine.unit_cost, 0))
                    .label("value"))
             .group_by(StockReturnLine.return_id).subquery())
    stmt = (select(r.id, r.kind, Customer.code, Customer.name, Supplier.code, Supplier.name,
                   SalesOrder.number, PurchaseOrder.number, Location.code, lines.c.n,
                   lines.c.units, lines.c.value, r.at, User.username)
            .outerjoin(lines, lines.c.rid == r.id)
            .outerjoin(Customer, Customer.id == r.customer_id)
            .outerjoin(Supplier, Supplier.id == r.supplier_id)
            .outerjoin(SalesOrder, SalesOrder.id == r.sales_order_id)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == r.purchase_order_id)
            .outerjoin(Location, Location.id == r.location_id)
            .outerjoin(User, User.id == r.user_id)
            .where(*filters).order_by(r.id.desc()).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [ReturnRow(rid, k, c_code or s_code or "", c_name or s_name or "", so or po, loc,
                      int(n or 0), int(units or 0), Decimal(value or 0), at, user)
            for (rid, k, c_code, c_name, s_code, s_name, so, po, loc, n, units, value, at,
                 user) in session.execute(stmt)]
    return rows, total


@dataclass(frozen=True)
class QuarantinedStock:
    """Units of one lot held in a quarantine location, and why they are there."""

    sku: str
    name: str  # the item's main name; name_en and name_zh as the item has them
    name_en: str | None
    name_zh: str | None
    lot: str | None
    qty: int
    location: str
    warehouse: str
    reason: str | None  # the reason code of the move that put them there
    note: str | None
    since: datetime | None
    value: Decimal


def quarantined_stock(session: Session, *, limit: int | None = 50, offset: int = 0,
                      sku: str | None = None) -> tuple[list[QuarantinedStock], int]:
    """What sits in quarantine, oldest arrival first, with the reason and time of the latest
    move that brought each lot in; and how many rows there are in all."""
    b = StockBalance
    filters = [Location.kind == "quarantine", b.qty > 0]
    if sku:
        filters.append(Item.sku == sku.strip())
    base = (select(b.location_id, b.item_id, b.lot_id)
            .join(Location, Location.id == b.location_id).join(Item, Item.id == b.item_id)
            .where(*filters))
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    latest = (select(Move.to_location_id.label("loc"), Move.item_id.label("item"),
                     Move.lot_id.label("lot"), func.max(Move.id).label("move_id"))
              .join(Location, Location.id == Move.to_location_id)
              .where(Location.kind == "quarantine")
              .group_by(Move.to_location_id, Move.item_id, Move.lot_id).subquery())
    warehouse = select(Warehouse.code).where(Warehouse.id == Location.warehouse_id) \
        .scalar_subquery()
    stmt = (select(Item.sku, Item.name, Item.name_en, Item.name_zh, Lot.code, Lot.internal,
                   b.qty, Location.code, warehouse, Move.reason, Move.note, Move.at,
                   func.coalesce(Item.avg_cost, Item.unit_cost))
            .join(Location, Location.id == b.location_id).join(Item, Item.id == b.item_id)
            .join(Lot, Lot.id == b.lot_id)
            .outerjoin(latest, (latest.c.loc == b.location_id) & (latest.c.item == b.item_id)
                       & (latest.c.lot == b.lot_id))
            .outerjoin(Move, Move.id == latest.c.move_id)
            .where(*filters).order_by(Move.id, Item.sku, Lot.code).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [QuarantinedStock(sku_, name, name_en, name_zh, None if internal else lot, int(qty),
                             loc, wh, reason, note, at, cost(int(qty) * Decimal(unit or 0)))
            for sku_, name, name_en, name_zh, lot, internal, qty, loc, wh, reason, note, at, unit
            in session.execute(stmt)]
    return rows, total
