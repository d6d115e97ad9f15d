"""Expiry: the warehouse's calendar day, which lots are expired, and the shelf life a lot
needs left to be received without quarantine or a supervisor's override."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_

from wms.errors import ExpiredLot, ShortShelfLife
from wms.models import Item, Lot, utcnow


def warehouse_today(timezone: str) -> date:
    """Today's date in the warehouse's time zone (a lot expiring today is still good)."""
    return utcnow().astimezone(ZoneInfo(timezone)).date()


def is_expired(expiry: date | None, today: date) -> bool:
    """Whether a lot with this expiry date is past it."""
    return expiry is not None and expiry < today


def not_expired(today: date) -> ColumnElement[bool]:
    """SQL condition on `Lot`: the lot has no expiry or has not passed it."""
    return or_(Lot.expiry.is_(None), Lot.expiry >= today)


def required_days(item: Item, default_days: int) -> int:
    """Days of shelf life a received lot of `item` must have left."""
    return item.min_shelf_life_days if item.min_shelf_life_days is not None else default_days


def check_shelf_life(item: Item, lot: Lot, today: date, default_days: int) -> None:
    """Refuse a lot that is expired, or that has fewer days left than the item needs."""
    if not item.expiry or lot.expiry is None:
        return
    left = (lot.expiry - today).days
    facts = {"sku": item.sku, "lot": lot.public_code, "expiry": lot.expiry.isoformat(),
             "days_left": left}
    if left < 0:
        raise ExpiredLot(f"lot {lot.public_code} of {item.sku} expired on "
                         f"{lot.expiry.isoformat()}: quarantine it, or a supervisor "
                         "overrides", **facts)
    needed = required_days(item, default_days)
    if left < needed:
        raise ShortShelfLife(f"lot {lot.public_code} of {item.sku} has only {left} days left, "
                             f"{needed} are needed: quarantine it, or a supervisor overrides",
                             needed=needed, **facts)
