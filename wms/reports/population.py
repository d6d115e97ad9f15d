"""What a report works on: the items of a category, the locations of a warehouse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from wms.models import Item, Location, Move, Warehouse


def warehouse_id(session: Session, code: str | None) -> int | None:
    """The id of the warehouse a report is filtered by (None: every warehouse); 0, which
    no warehouse has, for an unknown code: the report then finds nothing."""
    if not code:
        return None
    return session.scalar(select(Warehouse.id).where(Warehouse.code == code)) or 0


def move_filters(category: str | None, warehouse: int | None) -> list[ColumnElement[Any]]:
    """Conditions on moves: of an item of `category`, at a location of `warehouse` (the
    side that is inside the company)."""
    conditions: list[ColumnElement[Any]] = []
    if category:
        conditions.append(Move.item_id.in_(select(Item.id).where(Item.category == category)))
    if warehouse is not None:
        conditions.append(func.coalesce(Move.from_location_id, Move.to_location_id).in_(
            select(Location.id).where(Location.warehouse_id == warehouse)))
    return conditions


def crossing() -> ColumnElement[bool]:
    """Moves that bring units into the company or take them out (the costed ones), read
    by one pass over the moves (not by their location indexes, a random read each)."""
    return (scanned(Move.from_location_id).is_(None)) | (scanned(Move.to_location_id).is_(None))


def entering_sign() -> ColumnElement[Any]:
    """+1 for a move into the company, -1 for one out of it."""
    return case((Move.from_location_id.is_(None), literal(1)), else_=literal(-1))


def scanned(column: Any) -> ColumnElement[Any]:
    """A move's column to group by in one pass over the table: SQLite would otherwise
    walk the moves in the order of an index on it, one random read per move, several
    times slower than reading the table through and sorting the groups."""
    return column + 0
