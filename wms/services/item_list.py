"""The item list: a search over SKU, names and barcodes, filtered by category and status,
one query for a page of rows and one for how many match (fast at 50,000 items)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from wms.models import Item, ItemBarcode, StockBalance, Supplier


@dataclass(frozen=True)
class ItemRow:
    """One line of the item list."""

    sku: str
    name: str
    name_en: str | None
    name_zh: str | None
    category: str | None
    uom: str
    pack_size: int
    supplier: str | None
    unit_cost: Decimal
    avg_cost: Decimal | None
    on_hand: int
    active: bool


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(session: Session, q: str | None, category: str | None,
             active: bool | None) -> list[Any]:
    conditions: list[Any] = []
    if q:
        text = q.strip()
        pattern = _like(text)
        # SQLite's LIKE ignores the case of ASCII letters by itself; PostgreSQL has ILIKE.
        # A barcode is searched whole, through its unique index.
        postgresql = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
        conditions.append(or_(
            *((column.ilike if postgresql else column.like)(pattern, escape="\\")
              for column in (Item.sku, Item.name, Item.name_en, Item.name_zh)),
            Item.id.in_(select(ItemBarcode.item_id).where(ItemBarcode.code == text))))
    if category:
        conditions.append(Item.category == category)
    if active is not None:
        conditions.append(Item.active.is_(active))
    return conditions


def list_items(session: Session, *, q: str | None = None, category: str | None = None,
               active: bool | None = None, limit: int | None = 50,
               offset: int = 0) -> tuple[list[ItemRow], int]:
    """Items by SKU matching the search (part of the SKU or a name, or a whole barcode), the
    category and the active flag: one page of rows (all of them when `limit` is None) and
    how many match."""
    conditions = _filters(session, q, category, active)
    total = int(session.scalar(select(func.count(Item.id)).where(*conditions)) or 0)
    stock = (select(func.coalesce(func.sum(StockBalance.qty), 0))
             .where(StockBalance.item_id == Item.id).correlate(Item).scalar_subquery())
    stmt = (select(Item.sku, Item.name, Item.name_en, Item.name_zh, Item.category, Item.uom,
                   Item.pack_size, Supplier.code, Item.unit_cost, Item.avg_cost, stock,
                   Item.active)
            .outerjoin(Supplier, Supplier.id == Item.supplier_id)
            .where(*conditions).order_by(Item.sku).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [ItemRow(*row[:10], on_hand=int(row[10] or 0), active=bool(row[11]))
            for row in session.execute(stmt)]
    return rows, total


def categories(session: Session) -> list[str]:
    """The categories items are filed under, in order."""
    return list(session.scalars(select(Item.category).where(Item.category.is_not(None))
                                .distinct().order_by(Item.category)))

