"""Dependencies point one way (terminal_ui -> wms -> locations; drivers talk HTTP only),
checked by reading every module's imports, so a new import that breaks the rule fails here."""

from __future__ import annotations

import ast
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
