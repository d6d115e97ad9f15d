"""Warehouses, zones and locations (bins, docks, packing, quarantine, in-transit)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base

LOCATION_KINDS = ("storage", "dock", "staging", "packing", "quarantine", "in_transit")


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Zone(Base):
    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")

    warehouse: Mapped[Warehouse] = relationship()


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "kind IN ('storage','dock','staging','packing','quarantine','in_transit')",
            name="kind_known",
        ),
        Index("ix_locations_walk", "warehouse_id", "kind", "walk_seq"),
        Index("ix_locations_zone_walk", "warehouse_id", "kind", "zone_id", "walk_seq"),
        # The empty bins nearest a point of the walk, without visiting the full ones.
        Index("ix_locations_empty_walk", "warehouse_id", "kind", "empty", "walk_seq"),
        Index("ix_locations_empty_zone_walk", "warehouse_id", "kind", "empty", "zone_id",
              "walk_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    kind: Mapped[str] = mapped_column(String(20), default="storage")
    capacity: Mapped[int | None] = mapped_column(default=None)
    walk_seq: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[bool] = mapped_column(default=False)
    # A storage bin with no unit in any of its balances. Kept for storage bins by the ledger
    # (wms.ledger) as it posts moves, and checked by `wms verify`.
    empty: Mapped[bool] = mapped_column(default=True, server_default=true())

    warehouse: Mapped[Warehouse] = relationship(lazy="joined")
    zone: Mapped[Zone | None] = relationship(lazy="joined")

    @property
    def warehouse_code(self) -> str:
        """The code of the location's warehouse."""
        return self.warehouse.code
