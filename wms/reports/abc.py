"""ABC classes by consumption value: the cost of the units each item shipped in a period,
ranked from the largest. An item is A while the share of the items ranked before it is below
the A threshold (0.80 by default), B while it is below the B threshold (0.95), else C; an
item that consumed nothing is C. Applying the classes writes each item's `abc_class`, which
sets how often its bins are counted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union_all, update
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


def _values(period: Period, category: str | None) -> Any:
    """Each item of the population and its consumption value: the items and the period's
    shipments read in one pass each and grouped once (no join of the moves to an index of
    items)."""
    population = select(Item.id.label("item_id"), literal(0).label("value"))
    if category:
        population = population.where(Item.category == category)
    shipments = (select(Move.item_id, func.coalesce(Move.unit_cost, 0) * Move.qty)
                 .where(Move.kind == "ship", Move.at >= period.start, Move.at < period.end,
                        *move_filters(category, None)))
    both = union_all(population, shipments).subquery("both")
    return (select(both.c.item_id, func.sum(both.c.value).label("value"))
            .group_by(both.c.item_id))


def _ranking(period: Period, category: str | None) -> Any:
    """Every item of the population with its consumption value, ranked, with the running
    and the whole sum."""
    per_item = _values(period, category).subquery("per_item")
    consumed = per_item.c.value
    return (select(Item.id, Item.sku, Item.name, consumed.label("value"),
                   func.sum(consumed).over(order_by=(consumed.desc(), Item.sku),
                                           rows=(None, 0)).label("cumulative"),
                   func.sum(consumed).over().label("whole"), func.count().over().label("n"))
            .join_from(per_item, Item, Item.id == per_item.c.item_id)
            .order_by(consumed.desc(), Item.sku))


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


def classes(session: Session, period: Period, *, category: str | None = None,
            thresholds: Thresholds = Thresholds()) -> dict[str, list[int]]:
    """The ids of the items of each class: the ranking read as (item, value) pairs and
    accumulated here, without the page's running sums in SQL."""
    per_item = _values(period, category).subquery("per_item")
    rows = session.execute(select(per_item.c.item_id, per_item.c.value, Item.sku)
                           .join_from(per_item, Item, Item.id == per_item.c.item_id)).all()
    ranked = sorted(((as_decimal(value), sku, item_id) for item_id, value, sku in rows),
                    key=lambda r: (-r[0], r[1]))
    whole = sum((value for value, _, _ in ranked), Decimal(0))
    members: dict[str, list[int]] = {c: [] for c in CLASSES}
    before = Decimal(0)
    for value, _, item_id in ranked:
        members[class_of(value, before / whole if whole else Decimal(0), thresholds)].append(
            item_id)
        before += value
    return members


def pareto_curve(session: Session, period: Period, *, category: str | None = None,
                 points: int = 40) -> list[tuple[float, float]]:
    """About `points` points of the Pareto curve: (share of the items ranked so far, share
    of the consumption value they hold)."""
    per_item = _values(period, category).subquery("per_item")
    values = sorted((float(v or 0) for v in session.scalars(select(per_item.c.value))),
                    reverse=True)
    whole = sum(values)
    curve = [(0.0, 0.0)]
    if not values or not whole:
        return curve
    step = max(1, len(values) // points)
    running = 0.0
    for rank, value in enumerate(values, 1):
        running += value
        if rank % step == 0 or rank == len(values):
            curve.append((rank / len(values), running / whole))
    return curve


def apply_classes(session: Session, period: Period, *, category: str | None = None,
                  thresholds: Thresholds = Thresholds(),
                  user_id: int | None = None) -> dict[str, int]:
    """Write each ranked item's class; how many items each class holds."""
    members = classes(session, period, category=category, thresholds=thresholds)
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

