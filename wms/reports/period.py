"""Periods of calendar days in the warehouse's time zone, and the SQL that puts a stored UTC
moment on its local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from wms.errors import Invalid

EPOCH_DAY = date(1970, 1, 1)
# 1970-01-01 to 2099-12-31 fits: the days the API's date parameters may name.
MAX_PERIOD_DAYS = 50_000


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment a local day begins."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def day_number(day: date) -> int:
    """Days from 1970-01-01 to `day`: the number the SQL of `local_day` gives."""
    return (day - EPOCH_DAY).days


def day_of_number(number: int) -> date:
    """The calendar day of a day number."""
    return EPOCH_DAY + timedelta(days=int(number))


@dataclass(frozen=True)
class Period:
    """The calendar days `first` to `last` (both included) in `zone`."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        """How many days the period holds (0 when it ends before it begins)."""
        return max((self.last - self.first).days + 1, 0)

    @property
    def empty(self) -> bool:
        return self.days == 0

    @property
    def start(self) -> datetime:
        """The UTC moment the first day begins."""
        return midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The UTC moment the last day ends (the next day begins)."""
        return midnight(self.last + timedelta(days=1), self.zone)


def parse_day(text: str | None, name: str) -> date | None:
    """A date parameter (YYYY-MM-DD), None when empty; Invalid when it is not a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{name}: a date as YYYY-MM-DD", field=name) from None


def period_of(first_text: str | None, last_text: str | None, zone: ZoneInfo,
              today: date, default_days: int = 30) -> Period:
    """The period a query names by `from` and `to` (dates); by default the last
    `default_days` days up to today. A period that ends before it begins is empty (its
    reports hold nothing); Invalid when it is too long."""
    last = parse_day(last_text, "to") or today
    first = parse_day(first_text, "from") or last - timedelta(days=default_days - 1)
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise Invalid(f"from: a period of at most {MAX_PERIOD_DAYS:,} days", field="from")
    return Period(first, last, zone)


def _offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset in seconds from `start`, and each moment it changes before
    `end` (summer time): found day by day, then hour by hour within the day it changes."""
    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes = [(start, offset(start))]
    moment = start
    while moment < end:
        following = moment + timedelta(days=1)
        if offset(following) != changes[-1][1]:
            hour = moment
            while hour < following:
                hour += timedelta(hours=1)
                if offset(hour) != changes[-1][1]:
                    changes.append((hour, offset(hour)))
        moment = following
    return changes


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[Any]:
    """Seconds since 1970 of a stored UTC moment, in SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", column)
    return cast(func.strftime("%s", column), Integer)


def local_day(column: Any, dialect: str, zone: ZoneInfo, start: datetime,
              end: datetime) -> ColumnElement[Any]:
    """The local day number (days since 1970-01-01 in `zone`) of a stored UTC moment, in
    SQL; exact for moments from `start` to `end` (summer time changes included)."""
    changes = _offsets(zone, start, end)
    if len(changes) == 1:
        shift: Any = literal(changes[0][1])
    else:
        shift = case(*[(column < moment, literal(seconds))
                       for (moment, _), (_, seconds) in zip(changes[1:], changes, strict=False)],
                     else_=literal(changes[-1][1]))
    seconds = epoch_seconds(column, dialect) + shift
    if dialect == "postgresql":
        return cast(func.floor(seconds / 86400), Integer)
    return cast(seconds / 86400, Integer)


def as_decimal(value: Any) -> Decimal:
    """A sum as SQL answers it (Decimal on PostgreSQL, float or int on SQLite) as a Decimal."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def rate(value: Decimal | float | None) -> float | None:
    """A rate or share as the reports give it: rounded to 4 places."""
    return None if value is None else round(float(value), 4)
