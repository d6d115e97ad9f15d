"""ABC classes by consumption value: the cost of the units each item shipped in a period,
ranked from the largest. An item is A while the share of the items ranked before it is below
the A threshold (0.80 by default), B while it is below the B threshold (0.95), else C; an
item that consumed nothing is C. Applying the classes writes each item's `abc_class`, which
sets how often its bins are counted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from wms.models import Item, Move
from wms.reports.period import Period, as_decimal
from wms.reports.population import move_filters
from wms.services.audit import record

CLASSES = ("A", "B", "C")


@dataclass(frozen=True)
class Thresholds:
    """The cumulative shares below which an item is still A, or B."""

    a: float = 0.80
    b: float = 0.95


@dataclass(frozen=True)
class AbcRow:
    item_id: int
    sku: str
    name: str
    consumption_value: Decimal
    share: Decimal
    cumulative_share: Decimal
    abc_class: str


def class_of(value: Decimal, before: Decimal, thresholds: Thresholds) -> str:
    """The class of an item of consumption `value` when the items ranked before it hold the
    share `before` of the whole."""
    if value <= 0:
        return "C"
    if before < Decimal(str(thresholds.a)):
        return "A"
    if before < Decimal(str(thresholds.b)):
        return "B"
    return "C"


def _ranking(period: Period, category: str | None) -> Any:
    value = func.coalesce(Move.unit_cost, 0) * Move.qty
    shipped = (select(Move.item_id.label("item_id"), func.sum(value).label("value"))
               .where(Move.kind == "ship", Move.at >= period.start, Move.at < period.end,
                      *move_filters(category, None))
               .group_by(Move.item_id).subquery("shipped"))
    consumed = func.coalesce(shipped.c.value, literal(0))
    stmt = (select(Item.id, Item.sku, Item.name, consumed.label("value"),
                   func.sum(consumed).over(order_by=(consumed.desc(), Item.sku),
                                           rows=(None, 0)).label("cumulative"),
                   func.sum(consumed).over().label("whole"), func.count().over().label("n"))
            .outerjoin(shipped, shipped.c.item_id == Item.id)
            .order_by(consumed.desc(), Item.sku))
    if category:
        stmt = stmt.where(Item.category == category)
    return stmt


def abc_ranking(session: Session, period: Period, *, category: str | None = None,
                thresholds: Thresholds = Thresholds(), limit: int | None = None,
                offset: int = 0) -> tuple[list[AbcRow], int]:
    """The items ranked by consumption value with their shares and classes, and how many
    items there are."""
    stmt = _ranking(period, category)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    rows = session.execute(stmt).all()
    if not rows:
        total = int(session.scalar(select(func.count()).select_from(
            _ranking(period, category).order_by(None).subquery())) or 0)
        return [], total
    result = []
    for item_id, sku, name, raw, raw_cumulative, raw_whole, _ in rows:
        value, cumulative, whole = (as_decimal(raw), as_decimal(raw_cumulative),
                                    as_decimal(raw_whole))
        share = value / whole if whole else Decimal(0)
        running = cumulative / whole if whole else Decimal(0)
        result.append(AbcRow(item_id, sku, name, value, share, running,
                             class_of(value, running - share, thresholds)))
    return result, int(rows[0][6])


def apply_classes(session: Session, period: Period, *, category: str | None = None,
                  thresholds: Thresholds = Thresholds(),
                  user_id: int | None = None) -> dict[str, int]:
    """Write each ranked item's class; how many items each class holds."""
    rows, _ = abc_ranking(session, period, category=category, thresholds=thresholds)
    members: dict[str, list[int]] = {c: [] for c in CLASSES}
    for row in rows:
        members[row.abc_class].append(row.item_id)
    changed = 0
    for grade, ids in members.items():
        for first in range(0, len(ids), 900):
            chunk = ids[first:first + 900]
            result = session.execute(
                update(Item).where(Item.id.in_(chunk),
                                   Item.abc_class.is_distinct_from(grade))
                .values(abc_class=grade).execution_options(synchronize_session=False))
            changed += result.rowcount  # type: ignore[attr-defined]
    counts = {grade: len(ids) for grade, ids in members.items()}
    record(session, user_id, "abc.apply", category or "all",
           period={"from": period.first.isoformat(), "to": period.last.isoformat()},
           thresholds={"a": thresholds.a, "b": thresholds.b}, classes=counts,
           changed=changed)
    session.expire_all()
    return counts


def pareto_points(session: Session, period: Period, *, category: str | None = None,
                  points: int = 40) -> list[tuple[float, float]]:
    """About `points` points of the Pareto curve: (share of the items ranked so far, share
    of the consumption value they hold), read at evenly spaced ranks in one query."""
    base = _ranking(period, category).order_by(None).subquery("ranked")
    rank = func.row_number().over(order_by=(base.c.value.desc(), base.c.sku)).label("rank")
    numbered = select(base.c.cumulative, base.c.whole, base.c.n, rank).subquery("numbered")
    step = (numbered.c.rank * points) / numbered.c.n
    before = ((numbered.c.rank - 1) * points) / numbered.c.n
    rows = session.execute(select(numbered.c.rank, numbered.c.n, numbered.c.cumulative,
                                  numbered.c.whole)
                           .where(step != before).order_by(numbered.c.rank)).all()
    curve = [(0.0, 0.0)]
    for position, count, cumulative, whole in rows:
        whole_value = as_decimal(whole)
        curve.append((int(position) / int(count),
                      float(as_decimal(cumulative) / whole_value) if whole_value else 0.0))
    return curve
