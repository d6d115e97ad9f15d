"""History built in the past through the services, with the clock held at each moment:
shipments to customers and their returns on chosen days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wms.clock import held_at
from wms.config import Settings
from wms.db import Database
from wms.models import Customer
from wms.services.allocation import create_pick_list
from wms.services.masterdata import upsert_partner
from wms.services.orders import OrderLineInput, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.returns import CustomerReturnLine, receive_customer_return
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import pack_order, ship_order


def today() -> date:
    """The warehouse's calendar day."""
    return warehouse_today(Settings.timezone)


def days_ago(days: int, hour: int = 12) -> datetime:
    """A moment of the warehouse's day `days` days before today (local `hour` o'clock)."""
    return datetime.combine(today() - timedelta(days=days), time(hour),
                            ZoneInfo(Settings.timezone))


def ship(db: Database, number: str, lines: list[tuple[str, int]], moment: datetime,
         customer: str = "CUS-1") -> None:
    """A sales order made, picked, packed and shipped at `moment`."""
    with held_at(moment), db.write() as s:
        if s.scalar(select(Customer.id).where(Customer.code == customer)) is None:
            upsert_partner(s, Customer, customer, {"name": customer}, None)
        create_sales_order(s, number, customer,
                           [OrderLineInput(sku, qty) for sku, qty in lines], None)
        for task in create_pick_list(s, number, None,
                                     today=moment.date()).pick_list.tasks:
            confirm_pick(s, task_id=task.id, location=task.location.code,
                         sku=task.item.sku, qty=task.qty, user_id=None,
                         lot=None if task.lot.internal else task.lot.code)
        pack_order(s, number, None)
        ship_order(s, number, None)


def customer_return(db: Database, sku: str, qty: int, moment: datetime,
                    customer: str = "CUS-1", dock: str = "DOCK-1") -> None:
    """Units a customer sent back at `moment`, taken in at the dock into quarantine by the
    returns desk's service."""
    with held_at(moment), db.write() as s:
        if s.scalar(select(Customer.id).where(Customer.code == customer)) is None:
            upsert_partner(s, Customer, customer, {"name": customer}, None)
        receive_customer_return(s, customer=customer, location=dock, user_id=None, lines=[
            CustomerReturnLine(sku, qty, disposition="quarantine", reason="unwanted")])
