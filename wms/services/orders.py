"""Purchase and sales orders: creation, lookup and status that follows the stock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from wms.errors import Conflict, Invalid, UnknownOrder, UnknownRecord
from wms.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
)
from wms.money import money
from wms.services.audit import record
from wms.services.lookup import (
    find_customer,
    find_supplier,
    find_warehouse,
    orderable_item,
)


@dataclass(frozen=True)
class OrderLineInput:
    sku: str
    qty: int
    unit_price: Decimal | None = None


def _check_number(number: str) -> str:
    number = number.strip()
    if not number or len(number) > 40:
        raise Invalid("number: 1 to 40 characters", field="number")
    return number


def check_lines(lines: Sequence[OrderLineInput]) -> None:
    """An order has at least one line, each of a positive quantity and a price not below 0."""
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    for index, line in enumerate(lines, start=1):
        if line.qty <= 0:
            raise Invalid(f"lines[{index}].qty: a whole number above 0", field="qty",
                          line=index)
        if line.unit_price is not None and line.unit_price < 0:
            raise Invalid(f"lines[{index}].unit_price: not below 0", field="unit_price",
                          line=index)


def lines_values(lines: Sequence[OrderLineInput]) -> list[dict[str, object]]:
    """Order lines as an audit event keeps them."""
    return [{"sku": line.sku, "qty": line.qty,
             "unit_price": money(line.unit_price)} for line in lines]


def purchase_order_values(number: str, supplier: str, expected_date: date | None,
                          warehouse: str | None, lines: Sequence[OrderLineInput]
                          ) -> dict[str, object]:
    """What an audit event keeps of a purchase order."""
    return {"number": number, "supplier": supplier,
            "expected_date": expected_date.isoformat() if expected_date else None,
            "warehouse": warehouse, "lines": lines_values(lines)}


def create_purchase_order(
    session: Session, number: str, supplier_code: str, lines: Sequence[OrderLineInput],
    user_id: int | None, expected_date: date | None = None,
    warehouse_code: str | None = None, *, status: str = "open",
) -> PurchaseOrder:
    """A new purchase order: open, or a draft (replenishment's, sent later)."""
    number = _check_number(number)
    if session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.number == number)):
        raise Conflict(f"purchase order {number} already exists", number=number)
    try:
        supplier = find_supplier(session, supplier_code)
    except UnknownRecord as exc:
        raise Invalid(f"supplier: {exc.message}", field="supplier") from exc
    check_lines(lines)
    warehouse = find_warehouse(session, warehouse_code) if warehouse_code else None
    order = PurchaseOrder(number=number, supplier_id=supplier.id, expected_date=expected_date,
                          warehouse_id=warehouse.id if warehouse else None, status=status,
                          created_by=user_id)
    session.add(order)
    session.flush()
    for line in lines:
        item = orderable_item(session, line.sku)
        session.add(PurchaseOrderLine(order_id=order.id, item_id=item.id, qty=line.qty,
                                      unit_price=line.unit_price))
    session.flush()
    record(session, user_id, "purchase_order.create", number,
           new=purchase_order_values(order.number, supplier.code, expected_date,
                                     warehouse.code if warehouse else None, lines))
    session.refresh(order)
    return order


def get_purchase_order(session: Session, number: str, *, lock: bool = False) -> PurchaseOrder:
    """The purchase order with this number, its lines (and their items) read with it."""
    stmt = select(PurchaseOrder).where(PurchaseOrder.number == number).options(
        joinedload(PurchaseOrder.lines)
    )
    if lock and session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        stmt = stmt.with_for_update(of=PurchaseOrder)
    order = session.execute(stmt).unique().scalar_one_or_none()
    if order is None:
        raise UnknownOrder(f"no purchase order {number}", number=number)
    return order


def refresh_purchase_status(order: PurchaseOrder) -> None:
    """open, partial or received, from what the lines have received."""
    if order.status == "closed":
        return
    if all(line.received >= line.qty for line in order.lines):
        order.status = "received"
    elif any(line.received > 0 for line in order.lines):
        order.status = "partial"
    else:
        order.status = "open"


def close_purchase_order(session: Session, number: str, user_id: int | None) -> PurchaseOrder:
    """Close a purchase order: nothing more is expected against it."""
    order = get_purchase_order(session, number, lock=True)
    if order.status == "cancelled":
        raise Conflict(f"purchase order {number} is cancelled", status=order.status)
    old = order.status
    order.status = "closed"
    record(session, user_id, "purchase_order.close", number, old={"status": old},
           new={"status": "closed"})
    return order


def create_sales_order(
    session: Session, number: str, customer_code: str, lines: Sequence[OrderLineInput],
    user_id: int | None, warehouse_code: str | None = None, ship_to: str | None = None,
) -> SalesOrder:
    """A new open sales order; one that names no warehouse gets one at allocation."""
    number = _check_number(number)
    if session.scalar(select(SalesOrder.id).where(SalesOrder.number == number)):
        raise Conflict(f"sales order {number} already exists", number=number)
    try:
        customer = find_customer(session, customer_code)
    except UnknownRecord as exc:
        raise Invalid(f"customer: {exc.message}", field="customer") from exc
    check_lines(lines)
    warehouse = find_warehouse(session, warehouse_code) if warehouse_code else None
    order = SalesOrder(number=number, customer_id=customer.id, warehouse=warehouse,
                       ship_to=ship_to or customer.address, created_by=user_id)
    session.add(order)
    session.flush()
    for line in lines:
        item = orderable_item(session, line.sku)
        session.add(SalesOrderLine(order_id=order.id, item_id=item.id, qty=line.qty,
                                   unit_price=line.unit_price))
    session.flush()
    record(session, user_id, "sales_order.create", number,
           new={"customer": customer.code, "warehouse": warehouse.code if warehouse else None,
                "lines": lines_values(lines)})
    session.refresh(order)
    return order


def get_sales_order(session: Session, number: str, *, lock: bool = False) -> SalesOrder:
    """The sales order with this number, lines loaded."""
    stmt = select(SalesOrder).where(SalesOrder.number == number).options(
        selectinload(SalesOrder.lines)
    )
    if lock and session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        stmt = stmt.with_for_update(of=SalesOrder)
    order = session.scalar(stmt)
    if order is None:
        raise UnknownOrder(f"no sales order {number}", number=number)
    return order
