"""`wms verify` compares the ledger with the balances as of one moment, even while moves are
being posted between the statements it runs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.support.builders import Builder
from wms.db import Database
from wms.ledger import verify_balances
from wms.services.moving import move_stock

pytestmark = pytest.mark.faults


def test_verify_reports_no_difference_when_a_move_commits_while_it_reads(
    db: Database, build: Builder, database_url: str
) -> None:
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP")
    build.stock("CUP", source, 50)
    writer = Database(database_url)
    moved: list[int] = []

    def move_in_between(*_: Any) -> None:
        """Right after verify's first statement ran, a handheld's move commits."""
        if not moved:
            with writer.write() as session:
                moved.extend(m.id for m in move_stock(
                    session, sku="CUP", qty=3, from_code=source, to_code=target,
                    user_id=None))

    event.listen(db.engine, "after_cursor_execute", move_in_between)
    try:
        with db.read() as session:
            differences = verify_balances(session)
    finally:
        event.remove(db.engine, "after_cursor_execute", move_in_between)
        writer.dispose()

    assert moved, "the move was not made while verify read"
    assert differences == []
    with db.read() as session:
        assert verify_balances(session) == []
