"""The handheld pages over the demo warehouse, on both engines: a signed-in handheld per
demo person, and the ledger to check what a scan did."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.handheld import Handheld
from wms.db import Database
from wms.demo import DEMO_USERS
from wms.models import Item, Location, Lot, Move, StockBalance

PEOPLE = {u.role: u for u in DEMO_USERS}


@pytest.fixture
def floor_app(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(tmp_path / "wms.toml")})
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def handheld(floor_app: Any) -> Callable[[str], Handheld]:
    """handheld("operator") -> a browser signed in by badge and PIN as that demo person."""

    def signed_in(role: str, language: str = "en") -> Handheld:
        person = PEOPLE[role]
        device = Handheld(floor_app.test_client())
        device.language = language
        assert device.sign_in(person.badge, person.pin).status == 302
        return device

    return signed_in


class Ledger:
    """What the stock ledger holds, read the way `GET /stock` would."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def units(self, location: str, sku: str, lot: str | None = None) -> int:
        with self.db.read() as s:
            stmt = (select(func.coalesce(func.sum(StockBalance.qty), 0))
                    .join(Location, Location.id == StockBalance.location_id)
                    .join(Item, Item.id == StockBalance.item_id)
                    .join(Lot, Lot.id == StockBalance.lot_id)
                    .where(Location.code == location, Item.sku == sku))
            if lot is not None:
                stmt = stmt.where(Lot.code == lot)
            return int(s.scalar(stmt) or 0)

    def moves(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Move)) or 0)

    def lot_expiry(self, sku: str, lot: str) -> Any:
        with self.db.read() as s:
            return s.scalar(select(Lot.expiry).join(Item).where(Item.sku == sku, Lot.code == lot))


@pytest.fixture
def ledger(floor_app: Any) -> Ledger:
    return Ledger(floor_app.extensions["wms.db"])
