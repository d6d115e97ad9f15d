"""Dependencies point one way (terminal_ui -> wms -> locations; drivers talk HTTP only),
checked by reading every module's imports, so a new import that breaks the rule fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB_AND_HARDWARE = {"flask", "werkzeug", "serial", "escpos"}
APPLICATION = {"wms", "terminal_ui", "printing", "locations"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a source file imports, relative imports resolved, including imports
    inside functions and `importlib.import_module("...")` / `__import__("...")` calls."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            if prefix:
                found.add(prefix)
            found.update(f"{prefix}.{alias.name}" if prefix else alias.name
                         for alias in node.names)
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute)
                       and node.func.attr == "import_module"))):
            found.add(node.args[0].value)
    return found


def top_level(module: str) -> str:
    return module.split(".")[0]


def imports_of_package(package: str) -> dict[str, set[str]]:
    """Top-level packages imported by each module of `package` (module -> names)."""
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    result = {}
    for path in files:
        name = module_name(path)
        modules = imported_modules(path.read_text(encoding="utf-8"), name,
                                   is_package=path.name == "__init__.py")
        result[name] = {top_level(m) for m in modules if m}
    return result


def offenders(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    return {module: sorted(names & forbidden)
            for module, names in imports_of_package(package).items() if names & forbidden}


@pytest.mark.parametrize("package", ["wms", "locations"])
def test_the_domain_packages_import_no_web_framework_and_no_hardware_library(
    package: str
) -> None:
    assert offenders(package, WEB_AND_HARDWARE) == {}


def test_drivers_import_nothing_of_the_application() -> None:
    assert offenders("drivers", APPLICATION) == {}


def test_locations_imports_nothing_from_wms() -> None:
    assert offenders("locations", {"wms", "terminal_ui", "printing", "drivers"}) == {}


def test_the_scan_sees_every_module_of_the_domain_packages() -> None:
    modules = imports_of_package("wms")
    assert {"wms.ledger", "wms.services.picking", "wms.api.dispatch"} <= set(modules)
    assert "sqlalchemy" in modules["wms.ledger"]
    assert "locations" in modules["wms.services.picking"]


@pytest.mark.parametrize(("source", "module", "expected"), [
    ("import flask", "wms.x", "flask"),
    ("from werkzeug.exceptions import NotFound", "wms.x", "werkzeug"),
    ("def open_port():\n    import serial.tools.list_ports\n", "wms.x", "serial"),
    ("from escpos.printer import Dummy", "locations.x", "escpos"),
    ("import importlib\nimportlib.import_module('flask')", "wms.x", "flask"),
    ("from ..wms import ledger", "drivers.bridge", "wms"),
    ("from .. import terminal_ui", "drivers.bridge", "terminal_ui"),
    ("from . import codes", "locations.putaway", "locations"),
])
def test_the_import_scan_catches_a_forbidden_import_however_it_is_written(
    source: str, module: str, expected: str
) -> None:
    assert expected in {top_level(m) for m in imported_modules(source, module)}


def test_the_domain_imports_neither_the_pages_nor_the_printers() -> None:
    assert offenders("wms", {"terminal_ui", "printing", "drivers"}) == {}


# -- only the ledger changes stock balances ---------------------------------------------

BALANCE_COLUMNS = {"qty", "reserved"}
RAW_BALANCE_WRITE = re.compile(
    r"\b(update\s+stock_balances|insert\s+into\s+stock_balances|delete\s+from\s+stock_balances)\b",
    re.IGNORECASE)


def _names_balance(node: ast.AST) -> bool:
    """Whether an expression mentions the balances (the model class, the ledger's handle on
    its table, or the table's name)."""
    return any((isinstance(n, ast.Name) and n.id in ("StockBalance", "BALANCES"))
               or (isinstance(n, ast.Constant) and n.value == "stock_balances")
               for n in ast.walk(node))


def _bound_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def balance_writes(source: str) -> list[str]:
    """Each place in a module's source that writes stock balances: update/insert/delete of
    StockBalance (or its table), raw SQL that does, or an assignment to .qty / .reserved of
    an object read as a StockBalance in the same function."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            if name in ("update", "insert", "delete"):
                # update(StockBalance), or a query/table of the balances followed by .update()
                subjects = list(node.args)
                if isinstance(func, ast.Attribute):
                    subjects.append(func.value)
                if any(_names_balance(t) for t in subjects):
                    found.append(f"line {node.lineno}: {name} of the balances")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                RAW_BALANCE_WRITE.search(node.value):
            found.append(f"line {node.lineno}: SQL that writes stock_balances")
    scopes = [n for n in ast.walk(tree)
              if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module)]
    for scope in scopes:
        balances: set[str] = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and \
                    _names_balance(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    balances |= _bound_names(t)
            elif isinstance(node, ast.For | ast.comprehension) and _names_balance(node.iter):
                balances |= _bound_names(node.target)
        for node in ast.walk(scope):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign)
                       else [])
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr in BALANCE_COLUMNS and (
                        _names_balance(t.value) or (isinstance(t.value, ast.Name)
                                                    and t.value.id in balances)):
                    found.append(f"line {t.lineno}: .{t.attr} of a balance assigned")
    return sorted(set(found))


def test_only_the_ledger_changes_stock_balances() -> None:
    writes = {}
    for path in sorted((ROOT / "wms").rglob("*.py")):
        name = module_name(path)
        if name == "wms.ledger" or name.startswith("wms.migrations."):
            continue
        found = balance_writes(path.read_text(encoding="utf-8"))
        if found:
            writes[name] = found
    assert writes == {}


def test_the_ledger_itself_is_seen_writing_balances() -> None:
    assert balance_writes((ROOT / "wms" / "ledger.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", [
    "stmt = update(StockBalance).values(qty=0)",
    "session.execute(sa.update(StockBalance.__table__).values(reserved=0))",
    "session.query(StockBalance).filter_by(id=1).update({'qty': 0})",
    "session.execute(StockBalance.__table__.delete())",
    "session.execute(text('UPDATE stock_balances SET reserved = 0'))",
    "def f(s):\n    balance = s.get(StockBalance, 1)\n    balance.qty -= 1\n",
    "def f(s):\n    for b in s.scalars(select(StockBalance)):\n        b.reserved = 0\n",
])
def test_the_balance_scan_catches_a_write_however_it_is_written(source: str) -> None:
    assert balance_writes(source)


@pytest.mark.parametrize("source", [
    "rows = s.execute(select(StockBalance.qty).where(StockBalance.qty > 0))",
    "def f(task):\n    task.qty = 3\n",
    "stmt = select(Lot).with_for_update()",
])
def test_the_balance_scan_lets_reads_and_other_records_be(source: str) -> None:
    assert balance_writes(source) == []
