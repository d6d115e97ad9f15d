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


# A receipt's line costs one statement for the moving-average cost (the item's costs read
# under a row lock, wms/costing.py), and one more when its order line has a price that
# re-averages the cost.
COSTING = 2
TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"


def one_transaction(floor_app: Any, scan: Any, budget: int = SCAN_BUDGET) -> Any:
    """The screen after `scan()`, checked to be the sign-in check plus one write, of at most
    `budget` statements in all."""
    with transactions(floor_app) as begun, statements(floor_app) as sent:
        screen = scan()
    assert screen.banner is not None and screen.banner[0] == "ok", screen.banner
    assert sent[0].startswith("SELECT users."), listing(sent)
    assert begun == [False, True], f"transactions {begun}:\n{listing(sent)}"
    assert len(sent) <= budget, f"the scan took {len(sent)} statements:\n{listing(sent)}"
    return screen


def test_the_first_line_of_a_delivery_on_the_page_is_one_transaction_of_at_most_12_statements(
        handheld: Any, floor_app: Any) -> None:
    """Two over the scan budget, and on purpose: the first line of a delivery writes three
    rows no later line writes again, each needed: the receipt itself, the new lot, and the
    order's status (open to partial). The reads are one query (item, lot, dock and order
    with its lines); the rest is the line, its order line, the balance, the move and the
    stored reply; and the goods' cost (COSTING)."""
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(TEA_GS1)
    booked = one_transaction(floor_app, lambda: receiver.scan("40"),
                             budget=SCAN_BUDGET + 2 + COSTING)
    assert booked.banner[1] == "Received 40 × TEA-001" and booked.prompt == "Scan an item"


def test_a_further_line_of_a_delivery_on_the_page_is_one_transaction_of_at_most_10_statements(
        handheld: Any, floor_app: Any, ledger: Any) -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(TEA_GS1)
    receiver.scan("40")
    receiver.scan("]C1010690123456794610LDG-9~17271130")  # another item, a new lot
    booked = one_transaction(floor_app, lambda: receiver.scan("12"),
                             budget=SCAN_BUDGET + COSTING)
    assert booked.banner[1] == "Received 12 × SNK-030" and booked.prompt == "Scan an item"
    assert ledger.units("DOCK-1", "SNK-030", "LDG-9") == 12


def at_the_putaway_bin_step(handheld: Any) -> tuple[Any, str]:
    """An operator at the bin step of putting away 10 TEA-001 just received, and the
    suggested bin."""
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(TEA_GS1)
    receiver.scan("10")
    operator = handheld("operator")
    operator.open("/putaway/")
    operator.scan(TEA_GS1)
    at_bin = operator.scan("")
    assert at_bin.prompt == "Scan the bin"
    return operator, at_bin.fields["suggested"]


def test_putting_away_in_the_suggested_bin_is_one_transaction_of_at_most_9_statements(
        handheld: Any, floor_app: Any) -> None:
    """One statement over the scan budget when the bin was empty, as the suggested one is:
    the bin is flagged as no longer empty (the search for empty bins reads the flag)."""
    operator, suggested = at_the_putaway_bin_step(handheld)
    put = one_transaction(floor_app, lambda: operator.scan(suggested.lower()),
                          budget=SCAN_BUDGET + 1)
    assert put.banner[1] == f"Put 10 × TEA-001 in {suggested}"


def test_putting_away_in_another_bin_is_one_transaction_of_at_most_10_statements(
        handheld: Any, floor_app: Any) -> None:
    """Two statements over the scan budget, and on purpose: choosing another bin than the
    suggested one is recorded as an audit event of its own, beside the move, so that a
    supervisor finds every bin chosen against the advice. The move itself costs what a
    putaway to the suggested bin costs (this bin too was empty)."""
    operator, suggested = at_the_putaway_bin_step(handheld)
    assert suggested != "A-03-03-01"
    put = one_transaction(floor_app, lambda: operator.scan("a-03-03-01"),
                          budget=SCAN_BUDGET + 2)
    assert put.banner[1] == "Put 10 × TEA-001 in A-03-03-01"


def test_entering_a_count_on_the_page_is_one_transaction_of_at_most_8_statements(
        handheld: Any, floor_app: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("B-01-03-01")
    counter.scan("6901234567915")
    counted = one_transaction(floor_app, lambda: counter.scan("120"))
    assert counted.banner[1] == "Counted 120 × CUP-010"


def test_moving_on_the_page_is_one_transaction_of_at_most_8_statements(
        handheld: Any, floor_app: Any) -> None:
    mover = handheld("operator")
    mover.open("/move/")
    mover.scan("B-01-02-01")
    mover.scan("POT-020")
    mover.scan("2")
    moved = one_transaction(floor_app, lambda: mover.scan("B-01-02-02"))
    assert moved.banner[1] == "Moved 2 × POT-020 to B-01-02-02"


def test_reporting_a_pick_short_on_the_page_is_one_transaction(handheld: Any, floor_app: Any,
                                                               ledger: Any) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    picker.scan(order="SO-2003")
    assert picker.scan(action="short").prompt == "Report the rest short?"
    with transactions(floor_app) as begun, statements(floor_app) as sent:
        shorted = picker.scan(action="short_confirm")
    assert shorted.banner == ("info", "Recorded 2 × POT-020 short", "")
    assert "B-02-01-01" in shorted.text and shorted.prompt == "Scan bin"
    assert begun == [False, True], f"transactions {begun}:\n{listing(sent)}"
    assert ledger.units("PACK-1", "POT-020") == 0
