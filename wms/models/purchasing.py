"""Purchase orders and what was received against them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.models.catalog import Item, Lot
from wms.models.layout import Warehouse
from wms.models.partners import Supplier
from wms.models.people import User

# `draft`: made by replenishment, not yet sent; `cancelled`: nothing was received.
PO_STATUSES = ("open", "partial", "received", "closed", "draft", "cancelled")
DISPOSITIONS = ("accept", "quarantine", "reject")


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expected_date: Mapped[date | None] = mapped_column()
    # Where the goods are to arrive (None: any warehouse's dock).
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    warehouse: Mapped[Warehouse | None] = relationship()
    creator: Mapped[User | None] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.id"
    )


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("received >= 0 AND rejected >= 0", name="counters_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column()
    received: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined")


class Receipt(Base):
    """One delivery taken in at a dock, with or without a purchase order."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[ReceiptLine]] = relationship(order_by="ReceiptLine.id")


class ReceiptLine(Base):
    """What arrived and what inspection decided: accepted, quarantined or rejected."""

    __tablename__ = "receipt_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("disposition IN ('accept','quarantine','reject')", name="disposition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_lines.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column()
    disposition: Mapped[str] = mapped_column(String(12), default="accept")
    reason: Mapped[str | None] = mapped_column(String(200))  # a reason code (wms.reasons)
    note: Mapped[str | None] = mapped_column(String(200))  # free text beside the reason

    item: Mapped[Item] = relationship()
    lot: Mapped[Lot] = relationship()
