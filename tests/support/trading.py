"""Trading history built in the past through the services, with the clock held at each
moment: purchase orders and their deliveries, goods put away, sales shipped, goods a
customer sent back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wms.clock import held_at
from wms.config import Settings
from wms.db import Database
from wms.models import Customer
from wms.services.allocation import create_pick_list
from wms.services.masterdata import upsert_partner
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.returns import CustomerReturnLine, receive_customer_return
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import pack_order, ship_order

ZONE = ZoneInfo(Settings.timezone)


def today() -> date:
    """The warehouse's calendar day."""
    return warehouse_today(Settings.timezone)


def days_ago(days: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of the warehouse's day `days` days before today, at local hour:minute."""
    return datetime.combine(today() - timedelta(days=days), time(hour, minute), ZONE)


def stock_up(db: Database, sku: str, qty: int, bin_code: str, moment: datetime) -> None:
    """Units received at DOCK-1 and put away into a bin at `moment`."""
    with held_at(moment), db.write() as s:
        receive(s, location="DOCK-1", user_id=None, lines=[ReceiptLineInput(sku, qty)],
                today=moment.date())
        move_stock(s, sku=sku, qty=qty, from_code="DOCK-1", to_code=bin_code, user_id=None)


def purchase(db: Database, number: str, supplier: str, lines: list[tuple[str, int, str]],
             made: datetime, expected: date | None) -> None:
    """A purchase order (sku, qty, unit price) made at `made`, expected on `expected`."""
    with held_at(made), db.write() as s:
        create_purchase_order(s, number, supplier,
                              [OrderLineInput(sku, qty, Decimal(price))
                               for sku, qty, price in lines], None, expected)


def deliver(db: Database, number: str, lines: list[tuple[str, int, str]],
            moment: datetime) -> None:
    """One delivery against a purchase order: (sku, qty, disposition) lines."""
    with held_at(moment), db.write() as s:
        receive(s, location="DOCK-1", user_id=None, purchase_order=number,
                lines=[ReceiptLineInput(sku, qty, disposition=disposition,
                                        reason=None if disposition == "accept" else "damaged")
                       for sku, qty, disposition in lines], today=moment.date())


def ship(db: Database, number: str, lines: list[tuple[str, int]], moment: datetime,
         customer: str = "CUS-1") -> None:
    """A sales order made, picked, packed and shipped at `moment`."""
    with held_at(moment), db.write() as s:
        if s.scalar(select(Customer.id).where(Customer.code == customer)) is None:
            upsert_partner(s, Customer, customer, {"name": customer}, None)
        create_sales_order(s, number, customer,
                           [OrderLineInput(sku, qty) for sku, qty in lines], None)
        for task in create_pick_list(s, number, None, today=moment.date()).pick_list.tasks:
            confirm_pick(s, task_id=task.id, location=task.location.code,
                         sku=task.item.sku, qty=task.qty, user_id=None,
                         lot=None if task.lot.internal else task.lot.code)
        pack_order(s, number, None)
        ship_order(s, number, None)


def customer_return(db: Database, number: str, sku: str, qty: int,
                    moment: datetime, customer: str = "CUS-1") -> None:
    """Units a customer sent back against a sales order, restocked at DOCK-1."""
    with held_at(moment), db.write() as s:
        receive_customer_return(s, customer=customer, location="DOCK-1", user_id=None,
                                sales_order=number, lines=[CustomerReturnLine(
                                    sku, qty, "restock", "unwanted")])
