"""Suppliers and customers for the back office: lists with a search, and each one's
orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from wms.errors import Conflict
from wms.models import Customer, PurchaseOrder, SalesOrder, Supplier
from wms.services.masterdata import upsert_partner

Partner = type[Supplier] | type[Customer]
# How many of a partner's orders its page lists, newest first.
ORDERS_SHOWN = 200


def _searched(query: Select[Any], model: Partner, q: str | None,
              active: bool | None) -> Select[Any]:
    if q and q.strip():
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            model.code, model.name, model.contact, model.phone, model.email))))
    if active is not None:
        query = query.where(model.active == active)
    return query


def list_partners(session: Session, model: Partner, *, q: str | None = None,
                  active: bool | None = None, limit: int | None = None,
                  offset: int = 0) -> tuple[list[Any], int]:
    """A window of the suppliers (or customers) whose code, name, contact, phone or e-mail
    holds `q`, by code, and how many match in all."""
    total = session.scalar(_searched(select(func.count(model.id)), model, q, active)) or 0
    query = _searched(select(model), model, q, active).order_by(model.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def supplier_orders(session: Session, supplier: Supplier) -> list[PurchaseOrder]:
    """The supplier's purchase orders, newest first."""
    return list(session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.supplier_id == supplier.id).order_by(
        PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc()).limit(ORDERS_SHOWN)))


def customer_orders(session: Session, customer: Customer) -> list[SalesOrder]:
    """The customer's sales orders, newest first."""
    return list(session.scalars(select(SalesOrder).where(
        SalesOrder.customer_id == customer.id).order_by(
        SalesOrder.created_at.desc(), SalesOrder.id.desc()).limit(ORDERS_SHOWN)))


def create_partner(session: Session, model: Partner, code: str, data: dict[str, Any],
                   user_id: int | None) -> Any:
    """A new supplier or customer; a code already taken is a Conflict."""
    if session.scalar(select(model.id).where(model.code == code.strip())) is not None:
        raise Conflict(f"{code.strip()} exists already", code=code.strip())
    partner, _created = upsert_partner(session, model, code, data, user_id)
    return partner
