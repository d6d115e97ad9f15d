"""Turnover (周转率) per item or per category over a period: cost of goods sold against the
average of the end-of-day stock values.

With moving-average cost every unit enters and leaves at a recorded cost (Move.unit_cost), so
the stock's value at the end of day d is exactly

    value(d) = sum over moves into the company up to d of qty * unit_cost
             - sum over moves out of it up to d of qty * unit_cost.

The mean over the N days of the period, (1/N) * sum_d value(d), counts each move once for
every period day at whose end it has happened: a move before the period for all N days, a
move on period day k (0-based) for N - k days, a move after the period for none. So

    avg_inventory_value = (1/N) * sum over moves up to the period's end of
                          sign * qty * unit_cost * weight,   weight = N - k (or N),

one pass over the costed moves, grouped by item (or category). COGS is the cost of the
period's shipments less the cost of the period's customer returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from wms.models import Item, Move
from wms.reports.period import Period, as_decimal, day_number, local_day
from wms.reports.population import crossing, entering_sign, move_filters, scanned

GROUPS = ("item", "category")


@dataclass(frozen=True)
class TurnoverRow:
    key: str | None  # the sku, or the category (None: items without one)
    name: str | None
    cogs: Decimal
    avg_inventory_value: Decimal
    turnover: Decimal | None
    turnover_days: Decimal | None


def turnover(session: Session, period: Period, *, group: str = "item",
             category: str | None = None, warehouse: int | None = None,
             limit: int | None = None, offset: int = 0) -> tuple[list[TurnoverRow], int]:
    """The rows of the turnover report (ordered by sku or category) and how many there are;
    none for an empty period."""
    if period.empty:
        return [], 0
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    start, end = period.start, period.end
    cost = func.coalesce(Move.unit_cost, 0)
    value = entering_sign() * Move.qty * cost
    last = day_number(period.last)
    weight = case((Move.at < start, literal(period.days)),
                  else_=literal(last + 1) - local_day(Move.at, dialect, period.zone, start,
                                                      end))
    in_period = Move.at >= start
    sold = case((in_period & (Move.kind == "ship"), Move.qty * cost),
                (in_period & (Move.kind == "customer_return"), -Move.qty * cost),
                else_=literal(0))
    item = scanned(Move.item_id)
    per_item = (select(item.label("item_id"), func.sum(sold).label("cogs"),
                       func.sum(value * weight).label("value_days"))
                .where(crossing(), Move.at < end, *move_filters(category, warehouse))
                .group_by(item).subquery("per_item"))
    if group == "category":
        key: Any = Item.category
        name: Any = literal(None)
    else:
        key, name = Item.sku, Item.name
    stmt = (select(key.label("key"), name.label("name"), func.sum(per_item.c.cogs),
                   func.sum(per_item.c.value_days), func.count().over())
            .join_from(per_item, Item, Item.id == per_item.c.item_id)
            .group_by(key, *([] if group == "category" else [name]))
            .order_by(key))
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    elif offset:
        stmt = stmt.offset(offset)
    rows = session.execute(stmt).all()
    total = int(rows[0][4]) if rows else _count(session, stmt)
    return [_row(r[0], r[1], as_decimal(r[2]), as_decimal(r[3]), period.days)
            for r in rows], total


def _count(session: Session, stmt: Any) -> int:
    """How many rows a report has when its window is past the end."""
    return int(session.scalar(select(func.count()).select_from(
        stmt.limit(None).offset(None).order_by(None).subquery())) or 0)


def _row(key: str | None, name: str | None, cogs: Decimal, value_days: Decimal,
         days: int) -> TurnoverRow:
    average = value_days / days
    if abs(average) < Decimal("0.00005"):
        average = Decimal(0)
    ratio = cogs / average if average else None
    days_of = Decimal(days) / ratio if ratio else None
    return TurnoverRow(key, name, cogs, average, ratio, days_of)


def stock_value_by_day(session: Session, period: Period, *, category: str | None = None,
                       warehouse: int | None = None) -> list[tuple[date, Decimal]]:
    """The stock's value at the end of each day of the period: the value before it plus each
    day's moves in less moves out (one pass over the costed moves, grouped by day)."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    start, end = period.start, period.end
    day = case((Move.at < start, literal(-1)),
               else_=local_day(Move.at, dialect, period.zone, start, end))
    value = entering_sign() * Move.qty * func.coalesce(Move.unit_cost, 0)
    flows = {int(d): as_decimal(v) for d, v in session.execute(
        select(day, func.sum(value)).where(crossing(), Move.at < end,
                                           *move_filters(category, warehouse))
        .group_by(day))}
    running = flows.get(-1, Decimal(0))
    series = []
    first = day_number(period.first)
    for offset in range(period.days):
        running += flows.get(first + offset, Decimal(0))
        series.append((period.first + timedelta(days=offset), running))
    return series
