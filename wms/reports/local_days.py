"""Calendar days in the warehouse's time zone, in SQL: the day of a UTC moment as either
engine computes it, so one GROUP BY buckets a period by local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, literal
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from wms.models.base import UTCDateTime


def day_start(day: date, timezone: str) -> datetime:
    """The first moment (UTC) of a local calendar day."""
    return datetime.combine(day, time.min, ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    """The local calendar day of a moment."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def _offsets(first: date, last: date, timezone: str) -> list[tuple[datetime, int]]:
    """(from this UTC moment on, the zone's offset in minutes) over the days first..last:
    one entry for a zone without daylight saving, one more at each change of offset."""
    zone = ZoneInfo(timezone)

    def minutes(moment: datetime) -> int:
        offset = moment.astimezone(zone).utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)

    start = day_start(first, timezone)
    changes = [(start, minutes(start))]
    moment, end = start, day_start(last + timedelta(days=1), timezone)
    while moment < end:
        step = moment + timedelta(days=1)
        if minutes(step) != changes[-1][1]:
            # find the hour, then the minute, the offset changed at
            probe = moment
            while minutes(probe + timedelta(hours=1)) == changes[-1][1]:
                probe += timedelta(hours=1)
            while minutes(probe) == changes[-1][1]:
                probe += timedelta(minutes=1)
            changes.append((probe, minutes(probe)))
        moment = step
    return changes


def local_day_of(session: Session, column: Any, first: date, last: date,
                 timezone: str) -> ColumnElement[Any]:
    """The local calendar day of a UTC timestamp column, for moments within the days
    first..last (outside them the nearest offset of the zone applies): a DATE on
    PostgreSQL, 'YYYY-MM-DD' text on SQLite (which keeps dates as such text); either way
    it compares with a date column and str() of it is the ISO date."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(timezone, column), Date)
    changes = _offsets(first, last, timezone)

    def shifted(minutes: int) -> ColumnElement[Any]:
        return func.date(column, f"{minutes:+d} minutes")

    if len(changes) == 1:
        return shifted(changes[0][1])
    whens = [(column < literal(changes[i + 1][0], UTCDateTime()), shifted(changes[i][1]))
             for i in range(len(changes) - 1)]
    return case(*whens, else_=shifted(changes[-1][1]))


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole days from one day expression (local_day_of, a date column) to another."""
    if session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return func.julianday(later) - func.julianday(earlier)


def as_date(value: date | str) -> date:
    """A day as the engines answer it: a date, or SQLite's ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
