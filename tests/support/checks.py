"""Checks the integration tests share: error codes, unchanged state, a clean ledger."""

from __future__ import annotations

from typing import Any

from wms.db import Database
from wms.ledger import verify_balances


def error_code(response: Any) -> str:
    """The `error.code` of an API error response."""
    return response.get_json()["error"]["code"]


def snapshot(api: Any) -> dict[str, Any]:
    """What a failing request must leave alone: the ledger and every stock row."""
    ledger = api.get("/ledger", limit=500)
    stock = api.get("/stock")
    assert ledger.status_code == 200 and stock.status_code == 200
    return {"ledger": ledger.get_json(), "stock": stock.get_json()}


def assert_ledger_agrees(db: Database) -> None:
    """Every balance equals what the ledger says."""
    with db.read() as session:
        assert verify_balances(session) == []


def assert_answered_moves_are_the_ledgers(api: Any, answered: list[dict[str, Any]]) -> None:
    """Each move an answer names is the ledger's row of that id, as GET /ledger shows it (a
    document's moves are written together, and each must carry its own row's id)."""
    ledger = {m["id"]: m for m in api.get("/ledger", limit=200).get_json()}
    assert answered
    assert [ledger.get(m["id"]) for m in answered] == answered
