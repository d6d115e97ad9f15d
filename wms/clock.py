"""The clock of every record: now, or a moment it is held at while history is built in the
past through the services (the demo's months of trading, tests of reports over time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from wms.models.base import HELD_AT, utcnow

__all__ = ["held_at", "utcnow"]


@contextmanager
def held_at(moment: datetime) -> Iterator[datetime]:
    """Within the block every record made through the services is dated `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("the clock is held at an aware moment")
    token = HELD_AT.set(moment)
    try:
        yield moment
    finally:
        HELD_AT.reset(token)
