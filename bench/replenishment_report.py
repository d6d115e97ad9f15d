"""How long each planning report takes over the bench database (50k items, 20k bins, 1M
moves, a year of history), in-process, one at a time.

    python -m bench.replenishment_report [var/bench/large.seed.sqlite3] [--repeat 3]

Works on a copy next to the seed (`*.reports.sqlite3`), migrated to the current schema
when the seed is older; with no seed there, seeds one as `make bench` does (minutes). The
target (issue 10) is at most 1 s per report on the 2-core machine. With `--postgresql [URL]`
the same calls run on a PostgreSQL copy of the working copy too (bench/postgres.py),
printed beside SQLite's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import postgres
from bench.seed import OpenWork, SeedSpec, fresh_copy, seed
from wms.config import Settings
from wms.db import Database
from wms.models import Warehouse
from wms.reports.replenishment import (
    ReplenishmentQuery,
    alerted_by_warehouse,
    alerts_by_warehouse,
    replenishment,
)
from wms.schema import upgrade
from wms.services.shelf_life import warehouse_today

TARGET_SECONDS = 1.0
DEFAULT_SEED = Path("var/bench/large.seed.sqlite3")


def working_copy(seed_path: Path) -> Path:
    """A copy of the seed at the current schema (the seed itself is never changed)."""
    if not seed_path.exists():
        print(f"seeding {seed_path}: 50,000 items, 20,000 bins, 1,000,000 moves", flush=True)
        seed(SeedSpec(items=50_000, bins=20_000, moves=1_000_000,
                      work=OpenWork(handhelds=10, tasks_per_handheld=5, dock_per_handheld=2)),
             seed_path)
    copy = seed_path.with_suffix(".reports.sqlite3")
    if not copy.exists() or copy.stat().st_mtime < seed_path.stat().st_mtime:
        fresh_copy(seed_path, copy)
    started = time.perf_counter()
    upgrade(f"sqlite:///{copy}")
    print(f"schema current ({time.perf_counter() - started:.1f} s)", flush=True)
    return copy


def timed(db: Database, work: Callable[[Any], int], repeat: int, url: str = "sqlite://"
          ) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of each run (each in its own read transaction; SQLite works in
    this process, so its CPU counts; a local PostgreSQL server's processes are counted
    with it, see bench.postgres.cpu_seconds) and the rows of the last. On a busy machine
    the CPU time is the figure that travels."""
    times, cpu, rows = [], [], 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), postgres.cpu_seconds(url)
        with db.read() as s:
            rows = work(s)
        times.append(time.perf_counter() - started)
        cpu.append(postgres.cpu_seconds(url) - started_cpu)
    return times, cpu, rows


def run_reports(url: str, repeat: int) -> dict[str, tuple[list[float], list[float], int]]:
    """Each planning report's wall and CPU seconds per run and its rows, over `url`."""
    db = Database(url)
    tz = Settings.timezone
    today = warehouse_today(tz)
    with db.read() as s:
        warehouse = s.scalars(select(Warehouse.code).order_by(Warehouse.code)).first()
    reports: dict[str, Callable[[Any], int]] = {
        "replenishment, all warehouses": lambda s: len(replenishment(s, today, tz)),
        f"replenishment, warehouse {warehouse}": lambda s: len(replenishment(
            s, today, tz, ReplenishmentQuery(warehouse=warehouse))),
        "replenishment, alerts only": lambda s: len(replenishment(
            s, today, tz, ReplenishmentQuery(alert="any"))),
        "alerts per warehouse (office home)": lambda s: len(alerts_by_warehouse(s, today, tz)),
        "alerted items per warehouse (supervisor)": lambda s: len(
            alerted_by_warehouse(s, today, tz)),
    }
    figures = {name: timed(db, work, repeat, url) for name, work in reports.items()}
    db.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", nargs="?", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    postgres.add_option(parser)
    args = parser.parse_args(argv)
    copy = working_copy(args.seed)
    engines = {"sqlite": run_reports(f"sqlite:///{copy}", args.repeat)}
    if args.postgresql:
        with postgres.server(args.postgresql, args.seed.parent) as server:
            url = postgres.copy_of(copy, server, "bench_replenishment")
            engines["postgresql"] = run_reports(url, args.repeat)
    failed = False
    print(f"{'':45} {'':>8} " + " ".join(f"{engine:>30}" for engine in engines))
    print(f"{'report':45} {'rows':>8} "
          + " ".join(f"{'median':>10}{'worst':>10}{'cpu':>10}" for _ in engines))
    for name in engines["sqlite"]:
        line, rows, over = "", set(), []
        for engine, figures in engines.items():
            times, cpu, count = figures[name]
            rows.add(count)
            worst = max(times)
            if worst > TARGET_SECONDS:
                over.append(engine)
            line += (f" {statistics.median(times):>8.3f}s {worst:>8.3f}s"
                     f" {statistics.median(cpu):>8.3f}s")
        failed |= bool(over)
        print(f"{name:45} {'/'.join(f'{r:,}' for r in sorted(rows)):>8}{line}"
              + (f"  FAIL on {', '.join(over)}" if over else "  PASS")
              + ("  rows differ between engines" if len(rows) > 1 else ""), flush=True)
    print("target: worst <= 1 s; cpu: this process's, plus the local PostgreSQL server's "
          "processes (not counted for a server given by URL)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
