"""A shop that trades through the services on chosen past days (the clock held at noon of
each day in the warehouse's time zone), so reports over time have known answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.support.builders import Builder
from wms.clock import held_at
from wms.db import Database
from wms.models import Item, Location, StockBalance
from wms.services.allocation import create_pick_list
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.returns import CustomerReturnLine, receive_customer_return
from wms.services.shipping import ship_order

ZONE = ZoneInfo("Asia/Shanghai")


def noon(day: date) -> datetime:
    """Noon of a day in the warehouse's time zone."""
    return datetime.combine(day, time(12), ZONE)


def days_ago(n: int) -> date:
    """The day `n` days before today in the warehouse's time zone."""
    return datetime.now(ZONE).date() - timedelta(days=n)


class Shop:
    """Buys into bin A-01-01-01, sells to customers and takes goods back, each on a day."""

    def __init__(self, db: Database, build: Builder) -> None:
        self.db, self.orders = db, 0
        build.warehouse()
        build.supplier("SUP-1")
        build.customer("CUS-1", "茶馆")
        build.customer("CUS-2", "酒店")

    @contextmanager
    def on(self, day: date) -> Iterator[None]:
        with held_at(noon(day)):
            yield

    def buy(self, day: date, sku: str, qty: int, price: str, bin_code: str = "A-01-01-01"
            ) -> None:
        self.orders += 1
        number = f"PO-{self.orders}"
        with self.on(day):
            with self.db.write() as s:
                create_purchase_order(s, number, "SUP-1",
                                      [OrderLineInput(sku, qty, Decimal(price))], None)
            with self.db.write() as s:
                receive(s, location="DOCK-1", purchase_order=number, user_id=None,
                        lines=[ReceiptLineInput(sku, qty)])
            self._shelve(sku, bin_code)

    def _shelve(self, sku: str, bin_code: str) -> None:
        with self.db.write() as s:
            waiting = s.scalar(select(func.sum(StockBalance.qty))
                               .join(Item, Item.id == StockBalance.item_id)
                               .join(Location, Location.id == StockBalance.location_id)
                               .where(Item.sku == sku, Location.code == "DOCK-1"))
            if waiting:
                move_stock(s, sku=sku, qty=int(waiting), from_code="DOCK-1", to_code=bin_code,
                           lot=None, user_id=None)

    def sell(self, day: date, sku: str, qty: int, price: str = "0",
             customer: str = "CUS-1") -> str:
        self.orders += 1
        number = f"SO-{self.orders}"
        with self.on(day):
            with self.db.write() as s:
                create_sales_order(s, number, customer,
                                   [OrderLineInput(sku, qty, Decimal(price))], None)
            with self.db.write() as s:
                for task in create_pick_list(s, number, None).pick_list.tasks:
                    confirm_pick(s, task_id=task.id, location=task.location.code, sku=sku,
                                 qty=task.qty, user_id=None)
            with self.db.write() as s:
                ship_order(s, number, None)
        return number

    def take_back(self, day: date, order: str, sku: str, qty: int) -> None:
        with self.on(day), self.db.write() as s:
            receive_customer_return(
                s, customer="CUS-1", sales_order=order, location="DOCK-1", user_id=None,
                lines=[CustomerReturnLine(sku, qty, "restock", "unwanted")])


MARCH = date(2026, 3, 1)


def day(n: int) -> date:
    """Day n of March 2026."""
    return MARCH + timedelta(days=n - 1)


def tea_shop(db: Database, build: Builder) -> tuple[Shop, str]:
    """TEA: 10 bought at 5.00 on 1 March, 4 sold at 9.00 on the 3rd, 1 back on the 5th, and
    2 more sold on the 8th (after the period the tests look at)."""
    build.item("TEA", category="tea")
    shop = Shop(db, build)
    shop.buy(day(1), "TEA", 10, "5.00")
    order = shop.sell(day(3), "TEA", 4, "9.00")
    shop.take_back(day(5), order, "TEA", 1)
    shop.sell(day(8), "TEA", 2, "9.00", customer="CUS-2")
    return shop, order
