"""Only `wms/ledger.py` writes stock balances (quantities and reservations): every other
module goes through its functions. Checked by reading the source of every module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("wms", "terminal_ui", "printing", "locations", "drivers")
LEDGER = ROOT / "wms" / "ledger.py"
WRITES = {"update", "insert", "delete"}
BALANCE_COLUMNS = {"qty", "reserved"}


def balance_writes(source: str) -> list[int]:
    """Lines that write balances: an UPDATE/INSERT/DELETE of StockBalance, a new
    StockBalance row, or an assignment to a balance's qty or reserved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = (node.func.id if isinstance(node.func, ast.Name)
                    else node.func.attr if isinstance(node.func, ast.Attribute) else "")
            mentions = any("StockBalance" in ast.unparse(arg) for arg in node.args)
            if (name in WRITES and mentions) or name == "StockBalance":
                found.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Attribute) and target.attr in BALANCE_COLUMNS
                        and "balance" in ast.unparse(target.value).lower()):
                    found.append(node.lineno)
    return found


def test_no_module_but_the_ledger_writes_stock_balances() -> None:
    offenders = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == LEDGER or "migrations" in path.parts:
                continue
            lines = balance_writes(path.read_text(encoding="utf-8"))
            if lines:
                offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}


def test_the_scan_catches_a_balance_written_outside_the_ledger_however_it_is_written() -> None:
    assert balance_writes("session.execute(update(StockBalance.__table__).values(qty=0))")
    assert balance_writes("s.execute(sa.insert(StockBalance).values(qty=1))")
    assert balance_writes("session.add(StockBalance(location_id=1, qty=3))")
    assert balance_writes("balance.reserved += 2")
    assert balance_writes("row_balance.qty = 0")
    assert not balance_writes("select(StockBalance.qty).where(StockBalance.qty > 0)")
    assert balance_writes(LEDGER.read_text(encoding="utf-8"))
