"""How long the office takes to import a catalogue of 50,000 items from a file.

    .venv/bin/python -m bench.import_items [--items 50000] [--format csv|xlsx] [--url URL]

Makes a fresh SQLite database (or uses --url), writes a file of N items (names in Chinese
and English, a barcode, a case barcode, cost, category, stock levels), then times: the dry
run (every row checked), the import (the file read and its rows checked, then compared with
the records and written in one transaction, the only part that holds the write lock), and
the same file imported again (every row unchanged, nothing written). The target is under
a minute for the import of 50,000 items; the figures are printed, not asserted."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from wms.db import Database
from wms.imports import apply_file, columns_for, prepare_file, run_import
from wms.imports.table import file_columns
from wms.ledger import verify_balances
from wms.models import Item, ItemBarcode
from wms.schema import upgrade
from wms.tabular import write_table


def catalogue(count: int) -> list[dict[str, Any]]:
    """`count` items as rows of an import file."""
    return [{
        "sku": f"SKU-{n:06d}", "name": f"商品 {n} 号", "name_en": f"Item number {n}",
        "name_zh": f"商品 {n} 号", "barcodes": [f"69{n:011d}"],
        "case_barcodes": [f"169{n:011d}"], "uom": "pcs", "tracking": "lot" if n % 5 == 0
        else "none", "expiry": n % 7 == 0, "unit_cost": f"{1 + n % 97}.{n % 100:02d}",
        "category": f"类别 {n % 40}", "lead_time_days": 3 + n % 10, "safety_stock": None,
        "min_qty": 10, "max_qty": 200, "pack_size": 12, "active": True,
    } for n in range(count)]


def timed(label: str, work: Any) -> Any:
    started = time.perf_counter()
    result = work()
    print(f"{label:<34} {time.perf_counter() - started:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="import-bench-")
    url = args.url or f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}"
    upgrade(url)
    db = Database(url)
    rows = catalogue(args.items)
    data = timed(f"write the {args.format} file", lambda: write_table(
        args.format, file_columns(columns_for("items")), rows))
    name = f"items.{args.format}"
    print(f"{'file':<34} {len(data) / 1e6:7.2f} MB, {args.items} items")

    def dry_run() -> Any:
        with db.read() as session:
            return run_import(session, "items", name, data, None, dry_run=True)

    result = timed("dry run (check every row)", dry_run)
    assert not result.errors, result.errors[:5]
    for label in ("import", "import again"):
        started = time.perf_counter()
        prepared = timed(f"{label}: read, check rows", lambda: prepare_file("items", name, data))
        result = timed(f"{label}: compare, write (locked)", lambda rows=prepared: (
            db.transaction(lambda s: apply_file(s, rows, None))))
        print(f"{label + ': in all':<34} {time.perf_counter() - started:7.2f} s   "
              f"({result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged)")
    with db.read() as session:
        items = session.scalar(select(func.count()).select_from(Item))
        codes = session.scalar(select(func.count()).select_from(ItemBarcode))
        assert verify_balances(session) == []
    print(f"{'in the database':<34} {items} items, {codes} barcodes")
    db.dispose()
    folder.cleanup()


if __name__ == "__main__":
    main()
