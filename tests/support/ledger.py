"""What the stock ledger holds, read straight from the database a test's app uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from wms.db import Database
from wms.models import Item, Location, Lot, Move, StockBalance


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

    def reasons(self, kind: str) -> list[tuple[str | None, str | None]]:
        """(reason, note) of the moves of this kind, oldest first, as stored."""
        with self.db.read() as s:
            return [(r, n) for r, n in s.execute(
                select(Move.reason, Move.note).where(Move.kind == kind).order_by(Move.id))]
