"""Times are kept in UTC and read back as the same moment, however they were written: by the
app (from any time zone), or into SQLite's text by another tool (without fractions of a
second, with a "T", with "Z" or an offset of its own). The stock lookup shows a lot's
receipt time as ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.support.builders import Builder
from wms.db import Database
from wms.models import Lot

SHANGHAI = timezone(timedelta(hours=8))
MOMENT = datetime(2026, 12, 1, 17, 49, 46, tzinfo=UTC)


def _lot_received_at(db: Database) -> datetime:
    with db.read() as s:
        received = s.scalar(select(Lot.received_at).where(Lot.code == "LJ1"))
    assert received is not None
    return received


def test_a_time_written_in_shanghai_is_read_back_as_the_same_moment_in_utc(
        db: Database, build: Builder, api: Any) -> None:
    build.warehouse()
    build.item("TEA-1", tracking="lot")
    build.stock("TEA-1", "A-01-01-01", 3, lot="LJ1", days_old=2)
    with db.write() as s:
        lot = s.scalars(select(Lot).where(Lot.code == "LJ1")).one()
        lot.received_at = datetime(2026, 12, 2, 1, 49, 46, 500000, tzinfo=SHANGHAI)

    received = _lot_received_at(db)
    assert received == MOMENT + timedelta(microseconds=500000)
    assert received.utcoffset() == timedelta(0)
    rows = api.get("/stock", location="A-01-01-01").get_json()
    assert [r["received_at"] for r in rows] == ["2026-12-01T17:49:46.500000+00:00"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: timestamps
@pytest.mark.parametrize("stored", [
    "2026-12-01 17:49:46", "2026-12-01 17:49:46.000000", "2026-12-01T17:49:46",
    "2026-12-01T17:49:46Z", "2026-12-02 01:49:46+08:00", "2026-12-01 09:49:46-08:00",
])
def test_a_time_another_tool_wrote_into_sqlite_is_read_as_the_moment_it_names(
        db: Database, build: Builder, api: Any, stored: str) -> None:
    build.warehouse()
    build.item("TEA-1", tracking="lot")
    build.stock("TEA-1", "A-01-01-01", 3, lot="LJ1", days_old=2)
    with db.write() as s:
        s.execute(text("UPDATE lots SET received_at = :t WHERE code = 'LJ1'"), {"t": stored})

    received = _lot_received_at(db)
    assert received == MOMENT
    assert received.utcoffset() == timedelta(0)
    rows = api.get("/stock", location="A-01-01-01").get_json()
    assert [r["received_at"] for r in rows] == ["2026-12-01T17:49:46+00:00"]
