"""Sales orders, pick lists and pick tasks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.models.catalog import Item, Lot
from wms.models.layout import Location, Warehouse
from wms.models.partners import Customer
from wms.models.people import User

SO_STATUSES = ("open", "allocated", "picking", "picked", "packed", "shipped", "cancelled")


class SalesOrder(Base):
    __tablename__ = "sales_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # None until allocation picks the warehouse (the gateway's home one, else the one that
    # can fill the order best) when the order named none.
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    ship_to: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(lazy="joined")
    warehouse: Mapped[Warehouse | None] = relationship()
    creator: Mapped[User | None] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", order_by="SalesOrderLine.id"
    )


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("shipped >= 0", name="shipped_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column()
    shipped: Mapped[int] = mapped_column(default=0)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined")


class PickList(Base):
    __tablename__ = "pick_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    packing_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[SalesOrder] = relationship()
    packing_location: Mapped[Location] = relationship()
    tasks: Mapped[list[PickTask]] = relationship(
        back_populates="pick_list", order_by="PickTask.seq"
    )


class PickTask(Base):
    """Take `qty` of one lot from one bin. Progress is the sum of pick moves naming the task;
    `short` records what the picker could not find."""

    __tablename__ = "pick_tasks"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("short >= 0", name="short_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), index=True)
    seq: Mapped[int] = mapped_column()
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column()
    short: Mapped[int] = mapped_column(default=0)

    pick_list: Mapped[PickList] = relationship(back_populates="tasks")
    location: Mapped[Location] = relationship()
    item: Mapped[Item] = relationship()
    lot: Mapped[Lot] = relationship()
