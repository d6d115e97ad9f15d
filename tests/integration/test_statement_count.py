"""How many SQL statements one scan costs: a handheld on Wi-Fi waits for every round trip,
and on the Pi every statement is a write to the SD card's page cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.support.builders import Builder

PICK_BUDGET = 8
SCAN_BUDGET = 8
LOOKUP_BUDGET = 2  # who is calling, and what the bin holds
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    """The SQL statements the app's engine sends while the block runs, without transaction
    control and connection pragmas."""
    engine = app.extensions["wms.db"].engine
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def listing(sent: list[str]) -> str:
    return "\n".join(f"{i}. {s[:160]}" for i, s in enumerate(sent, start=1))


@pytest.fixture
def three_task_order(api: Any, build: Builder) -> list[dict[str, Any]]:
    """Sales order SO-1 with a pick list of three tasks in three bins (TEA is lot-tracked)."""
    bins = build.warehouse("WH1", bins=3)
    build.item("TEA", tracking="lot", barcodes=["6901234567892"])
    build.item("CUP")
    build.item("POT")
    build.stock("TEA", bins[0], 5, lot="L1")
    build.stock("CUP", bins[1], 5)
    build.stock("POT", bins[2], 5)
    build.sales_order("SO-1", [("TEA", 2), ("CUP", 2), ("POT", 2)])
    tasks = api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"]
    assert [t["location"] for t in tasks] == bins
    return tasks


def test_every_pick_scan_of_an_order_costs_at_most_8_statements(
    app: Any, api_as: Any, three_task_order: list[dict[str, Any]]
) -> None:
    picker = api_as("operator")
    assert picker.get("/stock").status_code == 200  # a warm connection, as in the field
    counted, order_status = {}, {}
    for name, task in zip(("first", "middle", "last"), three_task_order, strict=True):
        scan = {"location": task["location"], "sku": task["sku"], "qty": task["qty"],
                "lot": task["lot"]}
        with statements(app) as sent:
            response = picker.post(f"/pick-tasks/{task['id']}/confirm", scan,
                                   key=f"hh-7:{task['id']}")
        assert response.status_code == 200, response.get_json()
        counted[name], order_status[name] = sent, response.get_json()["order_status"]
    assert order_status == {"first": "picking", "middle": "picking", "last": "picked"}
    for name, sent in counted.items():
        assert len(sent) <= PICK_BUDGET, (
            f"the {name} pick took {len(sent)} statements:\n{listing(sent)}")


def test_a_move_scan_costs_at_most_8_statements(api_as: Any, app: Any, build: Builder) -> None:
    source, target = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", source, 5)
    mover = api_as("operator")
    assert mover.get("/stock").status_code == 200
    with statements(app) as sent:
        response = mover.post("/moves", {"sku": "CUP", "qty": 2, "from": source,
                                         "to": target}, key="hh-7:move-1")
    assert response.status_code == 201, response.get_json()
    assert len(sent) <= SCAN_BUDGET, f"the move took {len(sent)} statements:\n{listing(sent)}"


def test_a_move_scanned_by_barcode_costs_one_statement_more_than_by_sku(
    api_as: Any, app: Any, build: Builder
) -> None:
    source, target = build.warehouse("WH1", bins=2)
    build.item("CUP", barcodes=["6901234567892"])
    build.stock("CUP", source, 5)
    mover = api_as("operator")
    assert mover.get("/stock").status_code == 200
    counts = []
    for n, sku in enumerate(("CUP", "6901234567892")):
        with statements(app) as sent:
            response = mover.post("/moves", {"sku": sku, "qty": 1, "from": source,
                                             "to": target}, key=f"hh-7:barcode-{n}")
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["moves"][0]["sku"] == "CUP"
        counts.append(len(sent))
    assert counts[1] <= counts[0] + 1, f"by SKU {counts[0]}, by barcode {counts[1]} statements"


def test_a_putaway_suggestion_costs_at_most_8_statements(
    api_as: Any, app: Any, build: Builder
) -> None:
    bins = build.warehouse("WH1", bins=6)
    build.item("CUP")
    build.stock("CUP", bins[2], 5)
    build.stock("CUP", "DOCK-1", 10)
    clerk = api_as("operator")
    assert clerk.get("/stock").status_code == 200
    with statements(app) as sent:
        response = clerk.post("/putaway-suggestions", {"sku": "CUP", "qty": 10,
                                                       "from": "DOCK-1"}, key="hh-7:put-1")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["location"] == bins[2]
    assert len(sent) <= SCAN_BUDGET, (
        f"the suggestion took {len(sent)} statements:\n{listing(sent)}")


def test_a_stock_lookup_of_a_bin_costs_at_most_2_statements(
    api_as: Any, app: Any, build: Builder
) -> None:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", bins[0], 5)
    reader = api_as("operator")
    assert reader.get("/stock", location=bins[1]).status_code == 200
    with statements(app) as sent:
        response = reader.get("/stock", location=bins[0])
    assert response.status_code == 200
    assert [(row["sku"], row["qty"]) for row in response.get_json()] == [("CUP", 5)]
    assert len(sent) <= LOOKUP_BUDGET, f"the lookup took {len(sent)} statements:\n{listing(sent)}"


def test_a_stock_lookup_of_an_unknown_bin_is_refused(api_as: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=2)
    response = api_as("operator").get("/stock", location="Z-99-99-99")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_location"
