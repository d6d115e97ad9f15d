"""Declarative base, the UTC timestamp type and the clock every record uses."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A moment the clock is held at (wms.clock.held_at), for history built in the past through
# the services: by the demo's months of trading and by tests of reports over time.
HELD_AT: ContextVar[datetime | None] = ContextVar("held_at", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (or the moment the clock is held at)."""
    return HELD_AT.get() or datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite's naive values come back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object
                         ) -> Callable[[Any], datetime | None] | None:
        # SQLite hands back the stored text: read it in one step (a stock lookup of the
        # dock reads a thousand of them).
        if dialect.name == "sqlite":
            return _from_sqlite_text
        return super().result_processor(dialect, coltype)


_parse_iso = datetime.fromisoformat  # the real parser, whatever clock a test puts in its place


def _from_sqlite_text(value: str | None) -> datetime | None:
    """A time SQLite stores as UTC text without an offset ("2026-12-01 17:49:46.500000"),
    as an aware UTC datetime; a text that carries its own offset is turned to UTC."""
    if value is None:
        return None
    try:
        return _parse_iso(value + "+00:00")
    except ValueError:
        parsed = _parse_iso(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
