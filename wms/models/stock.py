"""The append-only move ledger and the balances derived from it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.models.catalog import Item, Lot
from wms.models.layout import Location

MOVE_KINDS = (
    "receive",
    "quarantine",
    "putaway",
    "move",
    "pick",
    "ship",
    "adjust",
    "scrap",
    "transfer_out",
    "transfer_in",
    "customer_return",
    "supplier_return",
    "release",
)


class StockBalance(Base):
    """Units of one lot of one item in one location; always equal to the ledger's sum."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        UniqueConstraint("location_id", "item_id", "lot_id"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= qty", name="reserved_within_qty"),
        Index("ix_stock_balances_item", "item_id", "location_id"),
        # Bins and docks keep rows of stock that has left; this finds the ones with units.
        Index("ix_stock_balances_location_qty", "location_id", "qty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location] = relationship()
    item: Mapped[Item] = relationship()
    lot: Mapped[Lot] = relationship()


# Moves that make demand: units shipped to customers, less units they returned. Written
# out as SQL so a query can hold the very condition of the partial index over them (a
# condition with bound values does not show the engines that the index fits).
DEMAND_MOVES = "kind IN ('ship', 'customer_return')"


class Move(Base):
    """One change of stock. Rows are only ever inserted."""

    __tablename__ = "moves"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(
            "from_location_id IS NOT NULL OR to_location_id IS NOT NULL", name="has_a_side"
        ),
        Index("ix_moves_item_at", "item_id", "id"),
        Index("ix_moves_from", "from_location_id", "id"),
        Index("ix_moves_to", "to_location_id", "id"),
        # The picks of the last days, by bin: the warehouse map's pick frequency.
        Index("ix_moves_picks_at", "from_location_id", "at",
              sqlite_where=text("kind = 'pick'"), postgresql_where=text("kind = 'pick'")),
        # The demand of the last days (shipments and customer returns), by kind and time:
        # the replenishment's window and the forecasts' history. Partial, so no report
        # that reads the whole ledger is tempted to walk it instead of the table.
        Index("ix_moves_demand_at", "kind", "at",
              sqlite_where=text(DEMAND_MOVES), postgresql_where=text(DEMAND_MOVES)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column()
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))  # a reason code (wms.reasons)
    note: Mapped[str | None] = mapped_column(String(200))  # free text beside the reason
    pick_task_id: Mapped[int | None] = mapped_column(ForeignKey("pick_tasks.id"), index=True)
    # The moving-average cost per unit at which units entered or left the warehouse
    # (None for moves within it).
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
