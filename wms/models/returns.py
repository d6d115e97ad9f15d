"""Returns: goods a customer sends back, and goods sent back to a supplier."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.models.catalog import Item, Lot

RETURN_KINDS = ("customer", "supplier")
# What becomes of a customer's returned line; a supplier return's lines are `return`.
DISPOSITIONS = ("restock", "quarantine", "scrap", "return")


class StockReturn(Base):
    """One return: from a customer (at a dock) or to a supplier."""

    __tablename__ = "stock_returns"
    __table_args__ = (
        CheckConstraint("kind IN ('customer','supplier')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"),
                                                       index=True)
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"),
                                                          index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[StockReturnLine]] = relationship(order_by="StockReturnLine.id")


class StockReturnLine(Base):
    __tablename__ = "stock_return_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("disposition IN ('restock','quarantine','scrap','return')",
                        name="disposition_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("stock_returns.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column()
    disposition: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(64))  # a reason code (wms.reasons)
    note: Mapped[str | None] = mapped_column(String(200))
    # The cost per unit at which the units came back or left.
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))

    item: Mapped[Item] = relationship()
    lot: Mapped[Lot] = relationship()
