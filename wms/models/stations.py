"""Fixed-scanner stations (the dock, the packing bench): what each one is working on, and
every scan and device event it received, in order. A station is named within its gateway
(two gateways may each have a "dock"), so both tables are keyed by gateway and station."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wms.config import DEFAULT_GATEWAY
from wms.models.base import Base, UTCDateTime, utcnow


class StationState(Base):
    """The work in hand at one station (the order being received or packed, the inspection
    result for the next scans, the scanners' last known state). `version` grows with every
    event, so a screen can ask "anything newer than what I show?"."""

    __tablename__ = "station_states"

    gateway: Mapped[str] = mapped_column(String(64), primary_key=True,
                                         server_default=DEFAULT_GATEWAY)
    station: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StationEvent(Base):
    """One scan, device change or screen action at a station, with what came of it.
    `message` is a code the screens translate; `params` fill it in."""

    __tablename__ = "station_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok','error','info')", name="outcome_known"),
        Index("ix_station_events_gateway_station_version", "gateway", "station", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(64), server_default=DEFAULT_GATEWAY)
    station: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))  # scan, device or action
    device: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
