"""Returns (退货): goods a customer sends back, received at a dock and restocked,
quarantined or scrapped; goods sent back to their supplier; and stock released from
quarantine into a bin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.errors import Invalid, OverReturn
from wms.ledger import Draw, MoveRequest, post_move
from wms.models import Item, Location, Lot, Move, SalesOrder, StockReturn, StockReturnLine, utcnow
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
        select(Move.item_id, Item.sku, Item.name, func.sum(Move.qty),
               func.sum(Move.qty * Move.unit_cost), func.count(Move.unit_cost),
               func.count())
        .join(Item, Item.id == Move.item_id)
        .where(Move.kind == "ship", Move.reference == order.number)
        .group_by(Move.item_id, Item.sku, Item.name)
        .order_by(Item.sku)
    ).all()
    returned: dict[int, int] = {item_id: int(qty) for item_id, qty in session.execute(
        select(StockReturnLine.item_id, func.sum(StockReturnLine.qty))
        .join(StockReturn, StockReturn.id == StockReturnLine.return_id)
        .where(StockReturn.sales_order_id == order.id, StockReturn.kind == "customer")
        .group_by(StockReturnLine.item_id))}
    rows = []
    for item_id, sku, name, qty, value, costed, moves in shipped:
        unit_cost = Decimal(value) / int(qty) if costed == moves and value is not None else None
        rows.append(Returnable(item_id, sku, name, int(qty), int(returned.get(item_id, 0)),
                               unit_cost))
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
