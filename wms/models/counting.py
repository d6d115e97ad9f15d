"""Cycle counts: the bins in a count and the entries counters made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.models.catalog import Item, Lot
from wms.models.layout import Location

COUNT_STATUSES = ("open", "recount", "submitted", "approved")


class Count(Base):
    __tablename__ = "counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    locations: Mapped[list[CountLocation]] = relationship(order_by="CountLocation.id")


class CountLocation(Base):
    __tablename__ = "count_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))

    location: Mapped[Location] = relationship(lazy="joined")


class CountEntry(Base):
    """One counted quantity. `expected` is the system quantity at the moment of the entry,
    so stock that moves in or out while the bin is being counted is not mistaken for a
    variance. `lot_id` is None for items without lot tracking (counted as a whole)."""

    __tablename__ = "count_entries"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column()
    expected: Mapped[int] = mapped_column()
    # The newest move id when the entry was made: the ledger position the count refers to.
    ledger_mark: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    location: Mapped[Location] = relationship()
    item: Mapped[Item] = relationship()
    lot: Mapped[Lot | None] = relationship()
