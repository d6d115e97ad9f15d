"""Moving-average cost: the one rule for the cost per unit at which stock enters and leaves.

Each item keeps `avg_cost`, updated in the transaction of the move that changes it and never
recomputed from history. Units entering at price `p` while `Q` units are owned at average
`a` make the average `(Q*a + q*p) / (Q + q)`; units leaving (and units entering without a
price of their own, such as a count's gain) go at the current average, which they leave
unchanged. `Q` counts every unit the company owns: all locations, quarantine and in-transit
included. Moves within the company (putaway, picks, transfers, releases) carry no cost."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Numeric,
    Select,
    Table,
    Update,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from wms.db import run
from wms.models import Item, StockBalance
from wms.money import cost

ITEMS = cast(Table, Item.__table__)
BALANCES = cast(Table, StockBalance.__table__)


@cache
def _item_costs(with_units: bool) -> Select[Any]:
    """The item's average and standard cost, row-locked on PostgreSQL (SQLite serialises
    writers already); with `with_units`, also the units owned, read in the same statement.
    The ledger takes this lock before it touches a balance of the item, always in that
    order, so costed moves cannot deadlock on item and balance."""
    columns: list[Any] = [ITEMS.c.avg_cost, ITEMS.c.unit_cost]
    if with_units:
        columns.append(_units_owned().scalar_subquery())
    # FOR NO KEY UPDATE: it queues the item's costed moves behind one another, yet lets
    # other transactions insert rows that refer to the item (a plain FOR UPDATE would wait
    # for their key-share locks, and two receipts would deadlock).
    return (select(*columns).where(ITEMS.c.id == bindparam("c_item"))
            .with_for_update(key_share=True))


@cache
def _units_owned() -> Select[Any]:
    return (select(func.coalesce(func.sum(BALANCES.c.qty), 0))
            .where(BALANCES.c.item_id == bindparam("c_item")))


@cache
def _set_average() -> Update:
    return update(ITEMS).where(ITEMS.c.id == bindparam("c_item")).values(
        avg_cost=bindparam("c_avg"))


@cache
def _reaverage() -> Update:
    """PostgreSQL's one statement for new_average, run once the item row is locked (so it
    reads the balances as they are after any receipt it waited for): numeric arithmetic is
    exact there, and round() rounds half up like wms.money.cost."""
    owned = _units_owned().scalar_subquery() + bindparam("c_pending", type_=Integer)
    qty = bindparam("c_qty", type_=Integer)
    price = bindparam("c_price", type_=Numeric(14, 4))
    average = func.coalesce(ITEMS.c.avg_cost, ITEMS.c.unit_cost)
    return (update(ITEMS).where(ITEMS.c.id == bindparam("c_item"))
            .values(avg_cost=func.round((owned * average + qty * price) / (owned + qty), 4))
            .returning(ITEMS.c.avg_cost))


def new_average(owned: int, average: Decimal, qty: int, price: Decimal) -> Decimal:
    """The moving average after `qty` units at `price` join `owned` units at `average`."""
    return cost((owned * average + qty * price) / (owned + qty))


def cost_move(session: Session, item_id: int, qty: int, *, entering: bool,
              price: Decimal | None = None, pending: int = 0) -> Decimal:
    """The cost per unit of `qty` units of the item entering (at `price`, when they have a
    price of their own) or leaving the company, updating the item's average when they
    change it. `pending` is units already moved in this transaction whose balances are not
    written yet. Called by the ledger before it writes the move's balances.

    Statements: one (the item's costs, row-locked) for units leaving or entering at the
    average; two for units entering at a price of their own."""
    postgres = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    priced = entering and price is not None
    row = run(session, _item_costs(priced and not postgres), {"c_item": item_id}).one()
    current: Decimal | None = row[0]
    if not priced:
        return _average_now(session, item_id, current, row[1])
    average = cost(current if current is not None else row[1] or 0)
    assert price is not None
    price = cost(price)
    if postgres:
        updated = cost(run(session, _reaverage(), {
            "c_item": item_id, "c_pending": pending, "c_qty": qty,
            "c_price": price}).scalar_one())
        _remember(session, item_id, updated)
        return price
    updated = new_average(int(row[2]) + pending, average, qty, price)
    if updated != current:
        _store(session, item_id, updated)
    return price


@cache
def _many_item_costs() -> Select[Any]:
    """Many items' average and standard costs, row-locked in id order (as _item_costs)."""
    return (select(ITEMS.c.id, ITEMS.c.avg_cost, ITEMS.c.unit_cost)
            .where(ITEMS.c.id.in_(bindparam("c_items", expanding=True)))
            .order_by(ITEMS.c.id).with_for_update(key_share=True))


_ITEMS_PER_READ = 500  # ids in one statement's IN list


def averages(session: Session, item_ids: Iterable[int]) -> dict[int, Decimal]:
    """The current average of each item: the cost per unit of its units leaving, or entering
    without a price of their own, as cost_move gives it (an item without an average yet gets
    its standard cost as one), for many moves at once. A statement per 500 items, which
    locks their rows as cost_move does; the caller then holds those locks, and the averages
    stay true until a move with a price of its own changes one."""
    ids = sorted(set(item_ids))
    found: dict[int, Decimal] = {}
    for start in range(0, len(ids), _ITEMS_PER_READ):
        chunk = ids[start:start + _ITEMS_PER_READ]
        for item_id, current, standard in run(session, _many_item_costs(),
                                               {"c_items": chunk}):
            found[item_id] = _average_now(session, item_id, current, standard)
    return found


def _average_now(session: Session, item_id: int, current: Decimal | None,
                 standard: Decimal | None) -> Decimal:
    """The cost of the item's units leaving, or entering without a price of their own: its
    average. An item without one yet goes at its standard cost, which becomes its average."""
    average = cost(current if current is not None else standard or 0)
    if current is None:
        _store(session, item_id, average)
    return average


def _store(session: Session, item_id: int, average: Decimal) -> None:
    run(session, _set_average(), {"c_item": item_id, "c_avg": average})
    _remember(session, item_id, average)


def _remember(session: Session, item_id: int, average: Decimal) -> None:
    """The item record the session holds, if any, shows the new average."""
    held = session.identity_map.get(identity_key(Item, item_id))
    if held is not None:
        set_committed_value(held, "avg_cost", average)
