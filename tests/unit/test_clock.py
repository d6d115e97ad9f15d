"""The clock held at a moment dates every record made meanwhile, and lets go after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wms.clock import held_at, utcnow
from wms.services.shelf_life import warehouse_today


def test_the_clock_held_in_the_past_dates_records_and_the_warehouse_day_then_lets_go() -> None:
    moment = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    with held_at(moment):
        assert utcnow() == moment
        assert warehouse_today("Asia/Shanghai").isoformat() == "2026-03-02"
    assert utcnow() > moment


def test_the_clock_is_only_held_at_an_aware_moment() -> None:
    with pytest.raises(ValueError), held_at(datetime(2026, 3, 1)):
        pass
