"""Items, their barcodes, and lots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime

# How an item's replenishment forecasts its daily demand: the moving average of its demand
# window (the default), exponential smoothing, or whichever fitted its history better.
FORECAST_METHODS = ("moving_average", "exp_smoothing", "auto")


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("tracking IN ('none','lot')", name="tracking_known"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    uom: Mapped[str] = mapped_column(String(16), default="pcs")
    tracking: Mapped[str] = mapped_column(String(8), default="none")
    expiry: Mapped[bool] = mapped_column(default=False)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal("0"))
    category: Mapped[str | None] = mapped_column(String(64))
    abc_class: Mapped[str | None] = mapped_column(String(1))
    safety_stock: Mapped[int | None] = mapped_column()
    reorder_point: Mapped[int | None] = mapped_column()
    min_qty: Mapped[int | None] = mapped_column()
    max_qty: Mapped[int | None] = mapped_column()
    lead_time_days: Mapped[int | None] = mapped_column()
    pack_size: Mapped[int] = mapped_column(default=1)
    # A lot received with fewer days than this before its expiry needs quarantine or a
    # supervisor's override (None: only lots already expired do).
    min_shelf_life_days: Mapped[int | None] = mapped_column()
    home_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    zone_code: Mapped[str | None] = mapped_column(String(20))
    # Planning: the default supplier and the figures of the replenishment formulas.
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    review_period_days: Mapped[int] = mapped_column(default=7, server_default="7")
    instability_factor: Mapped[Decimal] = mapped_column(
        Numeric(6, 3), default=Decimal("1.2"), server_default="1.2")
    demand_window_days: Mapped[int] = mapped_column(default=28, server_default="28")
    # How the replenishment forecasts the item's daily demand: one of FORECAST_METHODS.
    forecast_method: Mapped[str] = mapped_column(String(16), default="moving_average",
                                                 server_default="moving_average")
    # The moving-average unit cost of the units on hand, kept with every move in or out
    # (None until the first receipt: `unit_cost` stands in).
    avg_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    # A deactivated item keeps its history but is neither ordered nor received again.
    active: Mapped[bool] = mapped_column(default=True, server_default="1")

    barcodes: Mapped[list[ItemBarcode]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemBarcode.id"
    )


class ItemBarcode(Base):
    __tablename__ = "item_barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # Units one scan of this code stands for: 1 for a unit's code, the pack size for a
    # case's code.
    units: Mapped[int] = mapped_column(default=1, server_default="1")

    item: Mapped[Item] = relationship(back_populates="barcodes")


class Lot(Base):
    """A batch of one item. Items without lot tracking get one internal lot per receipt day,
    so FIFO still knows which units are oldest."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    code: Mapped[str] = mapped_column(String(64))
    internal: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expiry: Mapped[date | None] = mapped_column()

    item: Mapped[Item] = relationship()

    @property
    def public_code(self) -> str | None:
        """The lot as people see it: None for the internal receipt-day lots."""
        return None if self.internal else self.code
