"""The report parameters the settings hold: ABC thresholds, count intervals, the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from wms.config import Settings
from wms.models.base import utcnow
from wms.reports.abc import Thresholds
from wms.reports.count_schedule import Intervals


def abc_thresholds(settings: Settings) -> Thresholds:
    """The ABC thresholds of these settings."""
    return Thresholds(settings.abc_a_share, settings.abc_b_share)


def count_intervals(settings: Settings) -> Intervals:
    """Days between counts by class, from these settings."""
    return Intervals(settings.count_days_a, settings.count_days_b, settings.count_days_c)


def zone_of(settings: Settings) -> ZoneInfo:
    """The warehouse's time zone."""
    return ZoneInfo(settings.timezone)


def today_in(zone: ZoneInfo) -> date:
    """Today in the warehouse's time zone (by the records' clock)."""
    return utcnow().astimezone(zone).date()


def now() -> datetime:
    """The records' clock, as an aware UTC moment."""
    return utcnow().astimezone(UTC)
