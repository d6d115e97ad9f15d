"""Stock that sits: slow movers (no shipment for a number of days) and the age of the stock
by its lots' received dates, with the money tied up in each (units x moving-average cost)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import Item, Lot, Move, StockBalance
from wms.models.base import UTCDateTime
from wms.money import cost
from wms.reports.period import as_decimal, midnight
from wms.reports.population import scanned


@dataclass(frozen=True)
class SlowMover:
    sku: str
    name: str
    on_hand: int
    stock_value: Decimal
    last_shipped_at: datetime | None
    oldest_lot_received_at: datetime | None


def _unit_cost() -> Any:
    return func.coalesce(Item.avg_cost, Item.unit_cost, 0)


def slow_movers(session: Session, *, since: datetime, category: str | None = None,
                limit: int | None = None, offset: int = 0) -> tuple[list[SlowMover], int]:
    """Items with stock that shipped nothing from `since` on, the most money first. The
    balances (with their lots) and the shipments are read in one pass each and grouped
    once by item."""
    held = (select(StockBalance.item_id.label("item_id"), StockBalance.qty.label("qty"),
                   literal(None).label("shipped"), Lot.received_at.label("received"))
            .join(Lot, Lot.id == StockBalance.lot_id).where(StockBalance.qty > 0))
    shipments = select(Move.item_id, literal(0), Move.at, literal(None)).where(
        Move.kind == "ship")
    both = union_all(held, shipments).subquery("both")
    last = func.max(both.c.shipped)
    per_item = (select(both.c.item_id, func.sum(both.c.qty).label("qty"),
                       last.label("shipped"), func.min(both.c.received).label("oldest"))
                .group_by(both.c.item_id)
                .having(func.sum(both.c.qty) > 0, (last.is_(None)) | (last < since))
                .subquery("per_item"))
    value = per_item.c.qty * _unit_cost()
    stmt = (select(Item.sku, Item.name, per_item.c.qty, value, per_item.c.shipped,
                   per_item.c.oldest, func.count().over())
            .join_from(per_item, Item, Item.id == per_item.c.item_id)
            .order_by(value.desc(), Item.sku))
    if category:
        stmt = stmt.where(Item.category == category)
    page = stmt.limit(limit) if limit is not None else stmt
    rows = session.execute(page.offset(offset) if offset else page).all()
    total = int(rows[0][6]) if rows else int(session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    return [SlowMover(sku, name, int(qty), _money(raw), _aware(shipped_at), _aware(oldest))
            for sku, name, qty, raw, shipped_at, oldest, _ in rows], total


def _money(raw: Any) -> Decimal:
    return cost(as_decimal(raw))


def _aware(moment: Any) -> datetime | None:
    """A moment read through an aggregate (which SQLAlchemy does not type) as aware UTC."""
    if moment is None:
        return None
    return UTCDateTime().process_result_value(
        datetime.fromisoformat(moment) if isinstance(moment, str) else moment, None)


@dataclass(slots=True)  # not frozen: 50k rows make 200k buckets, and frozen ones cost twice
class AgeBucket:
    label: str  # "0-30", "31-60", ..., ">90"
    key: str  # "0_30", "31_60", ..., "over_90"
    qty: int = 0
    value: Decimal = Decimal(0)


@dataclass
class StockAgeRow:
    sku: str
    name: str
    qty: int = 0
    value: Decimal = Decimal(0)
    buckets: list[AgeBucket] = field(default_factory=list)


def parse_buckets(text: str | None) -> list[int]:
    """The bucket limits in days ("30,60,90"), in rising order; Invalid unless they are at
    most 12 whole numbers of days up to 99999."""
    if not text:
        return [30, 60, 90]
    try:
        limits = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise Invalid("buckets: whole numbers of days, as 30,60,90", field="buckets") from None
    if not limits or len(limits) > 12 or limits[0] < 0 or limits[-1] > 99_999:
        raise Invalid("buckets: whole numbers of days, as 30,60,90", field="buckets")
    return limits


def bucket_names(limits: Sequence[int]) -> list[tuple[str, str]]:
    """(label, key) of each bucket the limits make, the last one open."""
    names, low = [], 0
    for limit in limits:
        names.append((f"{low}-{limit}", f"{low}_{limit}"))
        low = limit + 1
    names.append((f">{limits[-1]}", f"over_{limits[-1]}"))
    return names


def stock_age(session: Session, *, today: date, zone: ZoneInfo, limits: Sequence[int],
              category: str | None = None, limit: int | None = None,
              offset: int = 0) -> tuple[list[StockAgeRow], int]:
    """Per item with stock: units and value in each age bucket (days since the lot was
    received, calendar days in `zone`), the items with the most money first. One pass over
    the balances with their lots, grouped by item with one sum per bucket."""
    # A lot received on local day r is (today - r) days old: it is at most `n` days old
    # when it was received on or after the midnight that begins day today - n. Each sum
    # holds the units at most that old (one comparison per limit and balance); a bucket is
    # the difference of two of them.
    cutoffs = [midnight(today - timedelta(days=n), zone) for n in limits]
    item = scanned(StockBalance.item_id)
    sums = [func.sum(case((Lot.received_at >= literal(moment, UTCDateTime()),
                           StockBalance.qty), else_=literal(0))).label(f"s{i}")
            for i, moment in enumerate(cutoffs)]
    # `scanned`: one pass over the balances, not a walk of the index on their quantity
    per_item = (select(item.label("item_id"), func.sum(StockBalance.qty).label("qty"), *sums)
                .join(Lot, Lot.id == StockBalance.lot_id)
                .where(scanned(StockBalance.qty) > 0).group_by(item).subquery("per_item"))
    unit_cost = _unit_cost()
    # The count of every row beside a page; the whole list counts its rows itself (a
    # window over all of them would hold them all once more).
    total_column = [func.count().over()] if limit is not None else []
    ranked = (select(Item.sku, Item.name, per_item.c.qty, unit_cost,
                     *[per_item.c[f"s{i}"] for i in range(len(limits))], *total_column)
              .join_from(per_item, Item, Item.id == per_item.c.item_id)
              .order_by((per_item.c.qty * unit_cost).desc(), Item.sku))
    if category:
        ranked = ranked.where(Item.category == category)
    page = ranked.limit(limit) if limit is not None else ranked
    # Core rows, not ORM ones: 50k rows read twice as fast
    rows = session.connection().execute(page.offset(offset) if offset else page).all()
    if not rows:
        total = 0 if limit is None and not offset else int(session.scalar(
            select(func.count()).select_from(ranked.order_by(None).subquery())) or 0)
        return [], total
    names = bucket_names(limits)
    result = []
    count = len(limits)
    for sku, name, qty, raw_cost, *at_most in rows:
        unit = as_decimal(raw_cost)
        whole = int(qty)
        # units at most each limit old, then all of them: a bucket is the difference
        upto = [0, *(int(n) for n in at_most[:count]), whole]
        # values unrounded here: the API and the pages round money to cents
        buckets = [AgeBucket(label, key, upto[i + 1] - upto[i], (upto[i + 1] - upto[i]) * unit)
                   for i, (label, key) in enumerate(names)]
        result.append(StockAgeRow(sku, name, whole, whole * unit, buckets))
    total = int(rows[0][-1]) if limit is not None else offset + len(rows)
    return result, total
