"""How long each analysis report takes over the bench database (50,000 items, 20,000 bins,
a year of 1,000,000 moves) for a year's period: target 1 s each on a 2-core machine.

    .venv/bin/python -m bench.reports [--db-dir var/bench] [--reuse] [--repeat 3]

The database is the handheld bench's large seed (bench/seed.py; reused with --reuse when
its shape and schema match). The seed writes its year of moves in bulk with the items'
standard costs, so a working copy is given what the services would have written: each move
into or out of the company carries its item's cost, each item's average is that cost, and
each sales line a price 30 % above it. Then every report of wms.reports runs, as the API
and the office call it (one page of 50 rows, and the whole list as a file would read it),
and the best of `--repeat` runs is printed. With `--postgresql [URL]` the same calls run on
a PostgreSQL copy of that database too (bench/postgres.py), printed beside SQLite's."""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import postgres
from bench.seed import OpenWork, SeedSpec, fresh_copy, plan_path_for, schema_fingerprint, seed
from wms.db import Database
from wms.reports.abc import abc_ranking, classes, pareto_curve
from wms.reports.count_schedule import count_schedule
from wms.reports.period import Period, midnight
from wms.reports.sales import sales
from wms.reports.stock import slow_movers, stock_age
from wms.reports.turnover import stock_value_by_day, turnover

TARGET_SECONDS = 1.0


def pristine_seed(db_dir: Path, reuse: bool) -> Path:
    """The large seed of the handheld bench, seeded unless a matching one may be reused."""
    # The shape `python -m bench.run` seeds by default, so either bench may reuse it.
    spec = SeedSpec(items=50_000, bins=20_000, moves=1_000_000,
                    work=OpenWork(handhelds=50, tasks_per_handheld=50, dock_per_handheld=22))
    path = db_dir / "large.seed.sqlite3"
    plan = plan_path_for(path)
    old = json.loads(plan.read_text()) if plan.exists() else {}
    if reuse and path.exists() and old.get("spec") == spec.as_dict() and \
            old.get("schema") == schema_fingerprint():
        print(f"reusing {path}", flush=True)
        return path
    print(f"seeding {path}: 50,000 items, 20,000 bins, 1,000,000 moves ...", flush=True)
    seed(spec, path)
    return path


def costed_copy(pristine: Path, db_dir: Path, reuse: bool) -> Path:
    """A copy of the seed whose moves across the company's boundary carry a cost (with
    `reuse`, the copy made before from the same seed)."""
    path = db_dir / "reports.sqlite3"
    if reuse and path.exists() and path.stat().st_mtime > pristine.stat().st_mtime:
        print(f"reusing {path}", flush=True)
        return path
    fresh_copy(pristine, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE items SET avg_cost = unit_cost")
        conn.execute("UPDATE moves SET unit_cost = (SELECT unit_cost FROM items "
                     "WHERE items.id = moves.item_id) "
                     "WHERE from_location_id IS NULL OR to_location_id IS NULL")
        conn.execute("UPDATE sales_order_lines SET unit_price = round((SELECT unit_cost "
                     "FROM items WHERE items.id = sales_order_lines.item_id) * 1.3, 2)")
    conn.execute("ANALYZE")
    conn.close()
    return path


def timed(work: Callable[[], Any], repeat: int, url: str = "sqlite://"
          ) -> tuple[float, float, Any]:
    """Best wall and CPU seconds of `repeat` runs (CPU: this process's, and the local
    PostgreSQL server's; see bench.postgres.cpu_seconds), and the last result."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), postgres.cpu_seconds(url)
        result = work()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, postgres.cpu_seconds(url) - started_cpu)
    return best, best_cpu, result


def _bound(report: Callable[[Any], Any], session: Any) -> Callable[[], Any]:
    return lambda: report(session)


def _rows(result: Any) -> int:
    return int(result[1] if isinstance(result, tuple) else
               sum(len(v) for v in result.values()) if isinstance(result, dict)
               else len(result))


def run_reports(url: str, reports: list[tuple[str, Callable[[Any], Any]]], repeat: int
                ) -> list[tuple[float, float, int]]:
    """(best seconds, best CPU seconds, rows) of each report over the database at `url`."""
    db = Database(url)
    figures = []
    for _name, report in reports:
        with db.read() as s:
            seconds, cpu, result = timed(_bound(report, s), repeat, url)
        figures.append((seconds, cpu, _rows(result)))
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default="", help="a database already costed (skips seeding)")
    postgres.add_option(parser)
    args = parser.parse_args()
    url, copy = args.url, None
    if not url:
        copy = costed_copy(pristine_seed(args.db_dir, args.reuse), args.db_dir, args.reuse)
        url = f"sqlite:///{copy}"
    if args.postgresql and copy is None:
        parser.error("--postgresql copies the bench's SQLite database: leave out --url")
    zone = ZoneInfo("Asia/Shanghai")
    today = date.today()
    year = Period(today - timedelta(days=364), today, zone)
    since = midnight(today - timedelta(days=89), zone)
    reports: list[tuple[str, Callable[[Any], Any]]] = [
        ("turnover by item, a page", lambda s: turnover(s, year, limit=50)),
        ("turnover by item, whole list", lambda s: turnover(s, year)),
        ("turnover by category", lambda s: turnover(s, year, group="category")),
        ("stock value by day (chart)", lambda s: stock_value_by_day(s, year)),
        ("abc, a page", lambda s: abc_ranking(s, year, limit=50)),
        ("abc, whole list (file)", lambda s: abc_ranking(s, year)),
        ("abc classes (apply, without writing)", lambda s: classes(s, year)),
        ("abc pareto curve (chart)", lambda s: pareto_curve(s, year)),
        ("count schedule", lambda s: count_schedule(s, today=today, zone=zone)),
        ("slow movers, a page", lambda s: slow_movers(s, since=since, limit=50)),
        ("stock age, a page", lambda s: stock_age(s, today=today, zone=zone,
                                                  limits=[30, 60, 90], limit=50)),
        ("stock age, whole list", lambda s: stock_age(s, today=today, zone=zone,
                                                      limits=[30, 60, 90])),
        ("sales by item, a page", lambda s: sales(s, year, group="item", limit=50)),
        ("sales by customer", lambda s: sales(s, year, group="customer", limit=50)),
        ("sales by day", lambda s: sales(s, year, group="day")),
    ]
    engines = {"sqlite": run_reports(url, reports, args.repeat)}
    if args.postgresql and copy is not None:
        with postgres.server(args.postgresql, args.db_dir) as server:
            pg_url = postgres.copy_of(copy, server, "bench_reports")
            engines["postgresql"] = run_reports(pg_url, reports, args.repeat)
    title = f"report (a year, {year.first} to {year.last})"
    print(f"{'':<44} " + " ".join(f"{name:>20}" for name in engines))
    print(f"{title:<44} " + " ".join(f"{'wall':>10}{'cpu':>10}" for _ in engines)
          + "  rows")
    slow = []
    for i, (name, _report) in enumerate(reports):
        figures = [engines[engine][i] for engine in engines]
        rows = {r for _s, _c, r in figures}
        over = [engine for engine in engines if engines[engine][i][0] > TARGET_SECONDS]
        slow += [f"{name} ({engine})" for engine in over]
        print(f"{name:<44} " + " ".join(f"{s:9.3f}s{c:9.3f}s" for s, c, _r in figures)
              + f"  {'/'.join(str(r) for r in sorted(rows))}"
              + ("  rows differ between engines" if len(rows) > 1 else "")
              + (f"  over 1 s on {', '.join(over)}" if over else ""), flush=True)
    print("cpu: this process's, plus the local PostgreSQL server's processes (not counted "
          "for a server given by URL)")
    print(f"target {TARGET_SECONDS:.0f} s of wall time each (best of {args.repeat}): "
          + ("all within" if not slow else f"over it: {'; '.join(slow)}"))


if __name__ == "__main__":
    main()
