"""What one state-changing scan on a handheld page costs the database: the same budget as the
API (one transaction, at most 8 statements), since the handheld waits for every round trip."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.integration.test_statement_count import SCAN_BUDGET, listing, statements


@contextmanager
def transactions(app: Any) -> Iterator[list[bool]]:
    """One entry per transaction begun while the block runs: True for a write."""
    engine = app.extensions["wms.db"].engine
    begun: list[bool] = []

    def record(conn: Any) -> None:
        begun.append(bool(conn.get_execution_options().get("wms_write")))

    event.listen(engine, "begin", record)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", record)


def test_confirming_a_pick_on_the_page_is_one_transaction_of_at_most_8_statements(
    handheld: Any, floor_app: Any, ledger: Any
) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    picker.scan(order="SO-2003")
    picker.scan("B-01-02-01")
    assert picker.scan("6901234567922").prompt == "Quantity: press Enter for 2"
    with transactions(floor_app) as begun, statements(floor_app) as sent:
        done = picker.scan("2")
    assert done.banner == ("ok", "Picked 2 × POT-020", "")
    assert "B-02-01-01" in done.text and done.prompt == "Scan bin"
    assert ledger.units("PACK-1", "POT-020") == 2
    # the signed-in person is looked up first (as the API looks up its token); then one
    # transaction confirms the pick, stores the reply and reads the next task
    assert sent[0].startswith("SELECT users."), listing(sent)
    assert begun == [False, True], f"transactions {begun}:\n{listing(sent)}"
    assert len(sent) <= SCAN_BUDGET, f"the pick took {len(sent)} statements:\n{listing(sent)}"
