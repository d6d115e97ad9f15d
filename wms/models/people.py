"""Users, API tokens, the audit trail and stored idempotent responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, utcnow
from wms.roles import ROLES as ROLES


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin','supervisor','clerk','operator')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    badge: Mapped[str | None] = mapped_column(String(64), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Raised on sign-out, deactivation and a new password or PIN: every session signed in
    # under an older value stops working at its next request.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The warehouse codes the user may work in, separated by spaces; None: all of them.
    warehouses: Mapped[str | None] = mapped_column(String(500))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)
    # A station device's token (the scanner bridge's): the station names it may post scans
    # and device events for, separated by spaces; None for a person's token.
    stations: Mapped[str | None] = mapped_column(String(500))
    # The gateway whose stations those are (a bridge's token works at its own gateway only);
    # None for a person's token, which works at every gateway.
    gateway: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def station_names(self) -> frozenset[str] | None:
        """The stations a device token is bound to; None for a person's token."""
        return None if self.stations is None else frozenset(self.stations.split())


class SignInCounter(Base):
    """Sign-in attempts within the current window, for one key: a name at an address, an
    address, or a name from anywhere. Claimed by one guarded UPDATE before a secret is
    checked, so concurrent attempts never check more than the limit."""

    __tablename__ = "sign_in_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(Base):
    """Who did what and when, for actions that are not stock moves."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action", "action", "id"),
                      Index("ix_audit_events_user", "user_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # The handheld, station or API token the action came from.
    device: Mapped[str | None] = mapped_column(String(64))


class IdempotencyRecord(Base):
    """The first response to a state-changing request, stored with its changes."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
