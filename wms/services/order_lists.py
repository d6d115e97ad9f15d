"""Lists of purchase and sales orders for the office and the API: newest first, filtered by
status and partner, one aggregate query per page; and finding an order by its number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, null, or_, select
from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import (
    Customer,
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Supplier,
    Warehouse,
)
from wms.models.purchasing import PO_STATUSES
from wms.models.sales import SO_STATUSES


@dataclass(frozen=True)
class OrderRow:
    """One order as a list shows it: who, status, how many units and what they are worth."""

    number: str
    partner: str
    partner_name: str
    status: str
    warehouse: str | None
    created_at: datetime
    expected_date: date | None
    lines: int
    units: int
    done: int  # units received (purchase) or shipped (sales)
    value: Decimal


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    total: int


def _status(status: str | None, statuses: tuple[str, ...]) -> str | None:
    if not status:
        return None
    if status not in statuses:
        raise Invalid(f"status: one of {', '.join(statuses)}", field="status")
    return status


def _page(session: Session, stmt: Any, count: Any, limit: int | None, offset: int
          ) -> OrderPage:
    total = int(session.scalar(count) or 0)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        OrderRow(number, code, name, status, warehouse, created_at,
                 expected_date, int(lines or 0), int(units or 0),
                 int(done or 0), Decimal(value or 0))
        for number, code, name, status, warehouse, created_at, expected_date, lines, units,
        done, value in session.execute(stmt.offset(offset))
    ]
    return OrderPage(rows, total)


def list_purchase_orders(session: Session, *, status: str | None = None,
                         supplier: str | None = None, limit: int | None = 50,
                         offset: int = 0) -> OrderPage:
    """Purchase orders, newest first, of one status and supplier when given."""
    status = _status(status, PO_STATUSES)
    line = PurchaseOrderLine
    totals = (
        select(line.order_id, func.count().label("lines"), func.sum(line.qty).label("units"),
               func.sum(line.received).label("done"),
               func.sum(line.qty * func.coalesce(line.unit_price, 0)).label("value"))
        .group_by(line.order_id).subquery()
    )
    where = []
    if status:
        where.append(PurchaseOrder.status == status)
    if supplier:
        where.append(Supplier.code == supplier.strip())
    stmt = (
        select(PurchaseOrder.number, Supplier.code, Supplier.name, PurchaseOrder.status,
               Warehouse.code, PurchaseOrder.created_at, PurchaseOrder.expected_date,
               totals.c.lines, totals.c.units, totals.c.done, totals.c.value)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .outerjoin(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .outerjoin(totals, totals.c.order_id == PurchaseOrder.id)
        .where(*where)
        .order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())
    )
    count = (select(func.count()).select_from(PurchaseOrder)
             .join(Supplier, Supplier.id == PurchaseOrder.supplier_id).where(*where))
    return _page(session, stmt, count, limit, offset)


def list_sales_orders(session: Session, *, status: str | None = None,
                      customer: str | None = None, limit: int | None = 50,
                      offset: int = 0) -> OrderPage:
    """Sales orders, newest first, of one status and customer when given."""
    status = _status(status, SO_STATUSES)
    line = SalesOrderLine
    totals = (
        select(line.order_id, func.count().label("lines"), func.sum(line.qty).label("units"),
               func.sum(line.shipped).label("done"),
               func.sum(line.qty * func.coalesce(line.unit_price, 0)).label("value"))
        .group_by(line.order_id).subquery()
    )
    where = []
    if status:
        where.append(SalesOrder.status == status)
    if customer:
        where.append(Customer.code == customer.strip())
    stmt = (
        select(SalesOrder.number, Customer.code, Customer.name, SalesOrder.status,
               Warehouse.code, SalesOrder.created_at, null(),
               totals.c.lines, totals.c.units, totals.c.done, totals.c.value)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .outerjoin(Warehouse, Warehouse.id == SalesOrder.warehouse_id)
        .outerjoin(totals, totals.c.order_id == SalesOrder.id)
        .where(*where)
        .order_by(SalesOrder.created_at.desc(), SalesOrder.id.desc())
    )
    count = (select(func.count()).select_from(SalesOrder)
             .join(Customer, Customer.id == SalesOrder.customer_id).where(*where))
    return _page(session, stmt, count, limit, offset)


@dataclass(frozen=True)
class FoundOrder:
    kind: str  # "purchase" or "sales"
    number: str


def find_order(session: Session, number: str) -> list[FoundOrder]:
    """The purchase and sales orders with this number (as typed, or in capitals)."""
    text = number.strip()
    if not text or len(text) > 40:
        return []
    wanted = list(dict.fromkeys((text, text.upper())))
    found = [FoundOrder("purchase", n) for n in session.scalars(
        select(PurchaseOrder.number).where(PurchaseOrder.number.in_(wanted)))]
    found += [FoundOrder("sales", n) for n in session.scalars(
        select(SalesOrder.number).where(SalesOrder.number.in_(wanted)))]
    return found


ITEM_CHOICES = 20


def item_choices(session: Session, text: str, limit: int = ITEM_CHOICES) -> list[Item]:
    """Active items an order line may name: SKU starting with, or name holding, the text."""
    text = text.strip()[:64]
    stmt = select(Item).where(Item.active.is_(True)).order_by(Item.sku).limit(limit)
    if text:
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(Item.sku.ilike(pattern + "%", escape="\\"),
                              Item.name.ilike("%" + pattern + "%", escape="\\"),
                              Item.name_en.ilike("%" + pattern + "%", escape="\\"),
                              Item.name_zh.ilike("%" + pattern + "%", escape="\\")))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


def partner_choices(session: Session, kind: type[Supplier] | type[Customer]) -> list[Choice]:
    """The active suppliers or customers an order may name, by code."""
    return [Choice(code, name) for code, name in session.execute(
        select(kind.code, kind.name).where(kind.active.is_(True)).order_by(kind.code))]


def warehouse_choices(session: Session) -> list[Choice]:
    """Every warehouse, by code."""
    return [Choice(code, name) for code, name in session.execute(
        select(Warehouse.code, Warehouse.name).order_by(Warehouse.code))]


def suggest_number(session: Session, kind: str, today: date) -> str:
    """A free order number for a new order of `kind` ("purchase" or "sales") made today:
    PO-20261122-001, SO-20261122-001, ..."""
    model: type[PurchaseOrder] | type[SalesOrder] = (
        PurchaseOrder if kind == "purchase" else SalesOrder)
    prefix = f"{'PO' if kind == 'purchase' else 'SO'}-{today:%Y%m%d}-"
    taken = set(session.scalars(select(model.number).where(model.number.like(prefix + "%"))))
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"
