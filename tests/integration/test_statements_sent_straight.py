"""A statement the hot paths send straight to the driver (wms.direct) answers what SQLAlchemy
would have answered: the same rows with the same Python types, the same row counts and new
ids, and the same errors. Each case runs both ways on the same database and compares."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.support.builders import Builder
from wms import direct
from wms.db import Database, run
from wms.models import IdempotencyRecord, Item, Location, Lot, Move, StockBalance, User


class Undone(Exception):
    """Raised at the end of a write unit of work to roll it back."""


def both_ways(db: Database, work: Callable[[Session], Any], many: bool = False
              ) -> tuple[Any, Any]:
    """`work` once with its statements sent straight to the driver and once through
    SQLAlchemy's execution layer, each in its own rolled-back unit of work. With `many`, the
    statements run once per row of a list (straight to the driver on SQLite only)."""
    answers = []
    name = "execute_many" if many else "execute"
    original = getattr(direct, name)
    sent_straight = []

    def counted(*args: Any) -> Any:
        try:
            answer = original(*args)
        except Exception:
            sent_straight.append(True)  # the driver's error, wrapped as SQLAlchemy wraps it
            raise
        sent_straight.append(answer is not None)
        return answer

    for replacement in (counted, lambda *args: None):
        with suppress(Undone), db.write() as session:
            setattr(direct, name, replacement)
            try:
                answers.append(work(session))
            finally:
                setattr(direct, name, original)
            raise Undone
    straight = not many or db.dialect == "sqlite"
    assert sent_straight and all(sent is straight for sent in sent_straight), \
        "a statement went the other way"
    return answers[0], answers[1]


@pytest.fixture
def stocked(build: Builder) -> list[str]:
    bins = build.warehouse("WH1", bins=3)
    build.item("TEA", tracking="lot")
    build.item("CUP")
    build.stock("TEA", bins[0], 7, lot="L1")
    build.stock("CUP", bins[1], 5)
    return bins


_LOTS = (select(Lot.code, Lot.received_at, Lot.expiry, Item.sku, Item.unit_cost,
                Location.blocked, StockBalance.qty)
         .join(Item, Item.id == Lot.item_id)
         .join(StockBalance, StockBalance.lot_id == Lot.id)
         .join(Location, Location.id == StockBalance.location_id)
         .where(Location.code.in_(bindparam("codes", expanding=True)))
         .order_by(Item.sku))


def test_rows_come_back_with_the_types_sqlalchemy_gives(db: Database, stocked: list[str]
                                                        ) -> None:
    straight, through = both_ways(
        db, lambda s: run(s, _LOTS, {"codes": stocked[:2]}).all())
    assert [tuple(r) for r in straight] == [tuple(r) for r in through]
    assert len(straight) == 2
    cup, tea = straight
    assert isinstance(tea.received_at, datetime) and tea.received_at.tzinfo is not None
    assert isinstance(cup.unit_cost, Decimal)
    assert tea.blocked is False and tea.qty == 7 and tea.sku == "TEA"
    assert [type(v) for v in straight[0]] == [type(v) for v in through[0]]


def test_an_in_list_of_another_length_is_its_own_statement(db: Database, stocked: list[str]
                                                           ) -> None:
    one, three = both_ways(db, lambda s: (run(s, _LOTS, {"codes": stocked[:1]}).all(),
                                          run(s, _LOTS, {"codes": stocked}).all()))[0]
    assert [r.sku for r in one] == ["TEA"]
    assert [r.sku for r in three] == ["CUP", "TEA"]


def test_scalars_first_one_and_counts_agree(db: Database, stocked: list[str]) -> None:
    total = select(func.coalesce(func.sum(StockBalance.qty), 0))
    skus = select(Item.sku).order_by(Item.sku)
    nothing = select(Item.sku).where(Item.sku == bindparam("sku"))

    def work(s: Session) -> Any:
        return (run(s, total).scalar(), run(s, skus).scalars().all(),
                run(s, skus, {}).first()[0], run(s, nothing, {"sku": "NONE"}).first(),
                run(s, total).one()[0],
                run(s, update(StockBalance).where(StockBalance.qty > bindparam("q"))
                    .values(reserved=0), {"q": 0}).rowcount)

    straight, through = both_ways(db, work)
    assert straight == through == (12, ["CUP", "TEA"], "CUP", None, 12, 2)


def test_an_insert_answers_its_new_id_and_a_duplicate_is_an_integrity_error(
    db: Database, build: Builder
) -> None:
    build.user("li", "operator")
    with db.read() as session:
        user_id = session.scalar(select(User.id).where(User.username == "li"))
    record = insert(IdempotencyRecord.__table__)  # type: ignore[arg-type]
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    values = {"key": "hh-1:1", "user_id": user_id, "fingerprint": "f", "status": 201,
              "body": "{}", "created_at": now}

    def work(s: Session) -> Any:
        first = run(s, record, values).inserted_primary_key
        with pytest.raises(IntegrityError):
            run(s, record, values)
        return first is not None and first[0] is not None

    assert both_ways(db, work) == (True, True)


def test_an_upsert_and_an_update_answer_the_columns_they_return(
    db: Database, stocked: list[str]
) -> None:
    """The ledger's upsert of a destination balance and its guarded decrement answer the
    balance's units after them (how the ledger sees a bin fill or empty)."""
    from wms.ledger import Draw, _decrement_statement, _increment_statement

    def work(s: Session) -> Any:
        cup = s.execute(select(StockBalance.location_id, StockBalance.item_id,
                               StockBalance.lot_id).join(Item).where(
            Item.sku == "CUP", StockBalance.qty > 0)).one()
        params = {"b_location_id": cup[0], "b_item_id": cup[1], "b_lot_id": cup[2]}
        upsert = _increment_statement(db.dialect, False, returning=True)
        added = run(s, upsert, params | {"b_qty": 2, "b_reserved": 0}).scalar()
        moved_in = run(s, upsert, params | {"b_location_id": (
            s.scalar(select(Location.id).where(Location.code == stocked[2]))),
            "b_qty": 4, "b_reserved": 0}).scalar()
        taken = run(s, _decrement_statement(Draw.AVAILABLE), params | {"b_qty": 7}).first()
        refused = run(s, _decrement_statement(Draw.AVAILABLE), params | {"b_qty": 1}).first()
        return added, moved_in, tuple(taken) if taken else None, refused

    assert both_ways(db, work) == ((7, 4, (0,), None),) * 2


def test_many_ledger_rows_written_at_once_read_back_as_sqlalchemy_writes_them(
    db: Database, stocked: list[str]
) -> None:
    """A document's ledger rows go in one executemany: their times, costs, empty columns and
    Chinese notes come back as SQLAlchemy's own executemany stores them."""
    from wms.ledger import _INSERT_MOVE

    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def work(s: Session) -> Any:
        bin_, item, lot = s.execute(select(StockBalance.location_id, StockBalance.item_id,
                                           StockBalance.lot_id).join(Item).where(
            Item.sku == "CUP", StockBalance.qty > 0)).one()
        rows = [{"at": at + timedelta(minutes=i), "kind": "adjust", "item_id": item,
                 "lot_id": lot, "qty": i + 1, "from_location_id": bin_ if i % 2 else None,
                 "to_location_id": None if i % 2 else bin_, "user_id": None,
                 "reference": "COUNT-9", "reason": "cycle_count", "note": f"盘点 {i}",
                 "pick_task_id": None, "unit_cost": Decimal("2.5") / (i + 1)}
                for i in range(3)]
        written = run(s, _INSERT_MOVE, rows).rowcount
        back = s.execute(select(Move.at, Move.qty, Move.from_location_id, Move.to_location_id,
                                Move.unit_cost, Move.note)
                         .where(Move.reference == "COUNT-9").order_by(Move.id)).all()
        return written, [tuple(row) for row in back]

    straight, through = both_ways(db, work, many=True)
    assert straight == through
    assert len(straight[1]) == 3
    assert [row[0] for row in straight[1]] == [at, at + timedelta(minutes=1),
                                               at + timedelta(minutes=2)]
    assert [row[4] for row in straight[1]] == [Decimal("2.5000"), Decimal("1.2500"),
                                               Decimal("0.8333")]
    assert straight[1][2][5] == "盘点 2"


def test_many_rows_with_a_duplicate_key_are_an_integrity_error(
    db: Database, build: Builder
) -> None:
    build.user("li", "operator")
    with db.read() as session:
        user_id = session.scalar(select(User.id).where(User.username == "li"))
    record = insert(IdempotencyRecord.__table__)  # type: ignore[arg-type]
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    rows = [{"key": key, "user_id": user_id, "fingerprint": "f", "status": 201,
             "body": "{}", "created_at": now} for key in ("hh-1:1", "hh-1:2", "hh-1:1")]

    def work(s: Session) -> Any:
        with pytest.raises(IntegrityError):
            run(s, record, rows)
        return True

    assert both_ways(db, work, many=True) == (True, True)
