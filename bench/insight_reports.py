"""How long the forecast, the supplier evaluation and the warehouse map take over the bench
database (50k items, 20k bins, 1M moves over a year).

    .venv/bin/python -m bench.insight_reports [--seed var/bench/large.seed.sqlite3] [--runs 5]

The seeded database (made by bench.seed when it is missing) is copied, migrated to the
newest schema and given what the seed leaves out: a purchase order behind every receipt
(made 2 to 10 days before it, expected 1 to 8 days after the order, one line per receipt
line, some lines short, some delivered units rejected at inspection, unit prices that move
over the year) and a count entry for most bins on a day of the year. Then each report runs
`--runs` times in-process (the first run warms the caches and is shown apart): the
forecast of the busiest item over 365 days by both methods, one supplier's evaluation and
every supplier side by side over a year, and the map of 20,000 bins in each colouring, as
the report (one query) and as the office page (query and SVG, through the test client).
The target is 1 s each; the figures are printed, not asserted. With `--postgresql [URL]`
the same calls run on a PostgreSQL copy of the bench database too (bench/postgres.py;
reused while the seed and this file are unchanged), printed beside SQLite's."""

from __future__ import annotations

import argparse
import hashlib
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from bench import postgres
from bench.seed import OpenWork, SeedSpec, describe, fresh_copy, seed
from wms.auth import add_user
from wms.db import Database
from wms.reports.forecast import ForecastQuery, forecast
from wms.reports.suppliers import supplier_evaluation, supplier_ranking
from wms.reports.warehouse_map import COLORS, warehouse_map
from wms.schema import upgrade

TIMEZONE = "Asia/Shanghai"
TARGET_S = 1.0


def augment(path: Path) -> dict[str, int]:
    """Purchase orders behind the seed's receipts, some rejects, and count entries."""
    conn = sqlite3.connect(path)
    with conn:
        suppliers = [r[0] for r in conn.execute("SELECT id FROM suppliers ORDER BY id")]
        n, low = len(suppliers), suppliers[0]
        conn.execute(f"UPDATE items SET supplier_id = {low} + id % {n}")
        # one order per receipt, made 2-10 days before it, expected 1-8 days after the order
        conn.execute(f"""
            INSERT INTO purchase_orders (id, number, supplier_id, status, created_at,
                                         expected_date, warehouse_id)
            SELECT r.id, 'BPO-' || r.id,
                   (SELECT {low} + rl.item_id % {n} FROM receipt_lines rl
                    WHERE rl.receipt_id = r.id LIMIT 1),
                   'received', datetime(r.at, '-' || (2 + r.id % 9) || ' days'),
                   date(r.at, '+8 hours', '-' || (2 + r.id % 9) || ' days',
                        '+' || (1 + r.id % 8) || ' days'),
                   1
            FROM receipts r""")
        # a line per receipt line; every 7th ordered 10 % more than came
        conn.execute("""
            INSERT INTO purchase_order_lines (id, order_id, item_id, qty, received, rejected,
                                              unit_price)
            SELECT rl.id, rl.receipt_id, rl.item_id,
                   rl.qty + CASE WHEN rl.id % 7 = 0 THEN rl.qty / 10 + 1 ELSE 0 END,
                   rl.qty, 0,
                   round((1 + rl.item_id % 97) * (1 + (julianday(r.at) % 60) / 600.0), 2)
            FROM receipt_lines rl JOIN receipts r ON r.id = rl.receipt_id""")
        conn.execute("UPDATE receipt_lines SET po_line_id = id")
        conn.execute("UPDATE receipts SET purchase_order_id = id")
        # every 20th line had a few units rejected at inspection
        conn.execute("""
            INSERT INTO receipt_lines (receipt_id, po_line_id, item_id, lot_id, qty,
                                       disposition, reason)
            SELECT receipt_id, id, item_id, lot_id, 1 + id % 3, 'reject', 'damaged'
            FROM receipt_lines WHERE id % 20 = 0""")
        conn.execute("UPDATE purchase_order_lines SET rejected = 1 + id % 3 WHERE id % 20 = 0")
        # a count entry for most bins holding stock, on a day of the last year
        conn.execute("INSERT INTO counts (id, status, round, created_at) VALUES "
                     "(900000, 'approved', 1, datetime('now', '-365 days'))")
        conn.execute("""
            INSERT INTO count_entries (count_id, round, location_id, item_id, lot_id, qty,
                                       expected, ledger_mark, at)
            SELECT 900000, 1, location_id, MIN(item_id), MIN(lot_id), 0, 0, 0,
                   datetime('now', '-' || (location_id * 7 % 400) || ' days')
            FROM stock_balances WHERE qty > 0 AND location_id % 10 != 0
            GROUP BY location_id""")
    figures = {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
               for name in ("purchase_orders", "purchase_order_lines", "receipt_lines",
                            "count_entries", "locations", "moves")}
    conn.close()
    return figures


def timed(runs: int, work: Callable[[], Any]) -> tuple[float, float, float]:
    """(first run, median, worst) of the later runs, in seconds."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    later = times[1:]
    return times[0], statistics.median(later), max(later)


def signed_in_client(url: str, tmp: Path) -> Any:
    """A test client of the app over the database, signed in as an office admin."""
    from terminal_ui import create_app

    app = create_app({"database_url": url, "config_path": str(tmp / "bench-wms.toml"),
                      "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post("/login", data={"username": "insight-bench",
                                         "password": "password-1",
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.status_code
    return client


def timed_jobs(url: str, tmp: Path, jobs: list[tuple[str, str, Any]], runs: int
               ) -> list[tuple[float, float, float, float]]:
    """(first, median, worst, median CPU) seconds of each job over the database at `url`:
    ("read", label, report) runs the report in a read transaction, ("page", label, path)
    gets the office page through the test client."""
    db = Database(url)
    client = signed_in_client(url, tmp)

    def read(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with db.read() as s:
                return fn(s)
        return run

    def page(path: str) -> Callable[[], Any]:
        def run() -> Any:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            return answer.get_data()
        return run

    figures = []
    for kind, _label, what in jobs:
        work = read(what) if kind == "read" else page(what)
        cpu: list[float] = []

        def measured(work: Callable[[], Any] = work, cpu: list[float] = cpu) -> None:
            started = postgres.cpu_seconds(url)
            work()
            cpu.append(postgres.cpu_seconds(url) - started)

        first, median, worst = timed(runs, measured)
        figures.append((first, median, worst, statistics.median(cpu[1:])))
    db.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=Path, default=Path("var/bench/large.seed.sqlite3"))
    p.add_argument("--work", type=Path, default=Path("var/bench/insight.sqlite3"))
    p.add_argument("--runs", type=int, default=5)
    postgres.add_option(p)
    args = p.parse_args(argv)
    if not args.seed.exists():
        print(f"seeding {args.seed} (50k items, 20k bins, 1M moves)", flush=True)
        result = seed(SeedSpec(items=50_000, bins=20_000, moves=1_000_000,
                               work=OpenWork(handhelds=1, tasks_per_handheld=5,
                                             dock_per_handheld=2)), args.seed)
        print(describe(result), flush=True)
    args.work.parent.mkdir(parents=True, exist_ok=True)
    fresh_copy(args.seed, args.work)
    url = f"sqlite:///{args.work.resolve()}"
    upgrade(url)
    print("bench database:", augment(args.work), flush=True)
    db = Database(url)
    with db.write() as s:
        add_user(s, "insight-bench", "admin", pin="1234", password="password-1")
    db.dispose()
    conn = sqlite3.connect(args.work)
    busiest_sku, ships = conn.execute(
        "SELECT i.sku, COUNT(*) FROM moves m JOIN items i ON i.id = m.item_id "
        "WHERE m.kind = 'ship' GROUP BY m.item_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
    supplier, lines = conn.execute(
        "SELECT s.code, COUNT(*) FROM purchase_order_lines l "
        "JOIN purchase_orders o ON o.id = l.order_id JOIN suppliers s ON s.id = o.supplier_id "
        "GROUP BY s.code ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
    last_move = conn.execute("SELECT MAX(at) FROM moves").fetchone()[0]
    conn.close()
    today = date.fromisoformat(last_move[:10])
    year_start = today - timedelta(days=364)

    jobs: list[tuple[str, str, Any]] = []
    for method in ("moving_average", "exp_smoothing"):
        query = ForecastQuery(sku=busiest_sku, today=today, timezone=TIMEZONE, method=method,
                              window=7, alpha=Decimal("0.3"), days=365)
        jobs.append(("read", f"forecast {method}, 365 days ({busiest_sku}, {ships:,} "
                     "shipments)", partial(forecast, query=query)))
    jobs.append(("read", f"supplier evaluation, a year ({supplier}, {lines:,} lines)",
                 lambda s: supplier_evaluation(s, supplier, year_start, today, TIMEZONE)))
    jobs.append(("read", "suppliers side by side, a year",
                 lambda s: supplier_ranking(s, year_start, today, TIMEZONE)))
    jobs.append(("page", "forecast page, 365 days",
                 f"/office/forecast/?sku={busiest_sku}&days=365"))
    jobs.append(("page", "supplier evaluation page, a year",
                 f"/office/supplier-evaluation/?from={year_start}&to={today}"))
    for color in COLORS:
        jobs.append(("read", f"warehouse map report, {color}",
                     partial(warehouse_map, warehouse="WH1", color=color, today=today,
                             timezone=TIMEZONE)))
        jobs.append(("page", f"warehouse map page (SVG), {color}",
                     f"/office/map/?warehouse=WH1&color={color}"))
    size = len(signed_in_client(url, args.work.parent)
               .get("/office/map/?warehouse=WH1&color=fill").get_data())
    engines = {"sqlite": timed_jobs(url, args.work.parent, jobs, args.runs)}
    if args.postgresql:
        # The work file is made anew each run from the seed by this file's code.
        code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
        with postgres.server(args.postgresql, args.work.parent) as server:
            pg_url = postgres.copy_of(args.work, server, "bench_insight",
                                      made_from=args.seed, key_extra=f"bench code {code}")
            engines["postgresql"] = timed_jobs(pg_url, args.work.parent, jobs, args.runs)
    print(f"\n{'':<62} " + " ".join(f"{engine:>36}" for engine in engines))
    print(f"{'report':<62} " + " ".join(f"{'first':>9}{'median':>9}{'worst':>9}{'cpu':>9}"
                                        for _ in engines) + "  target 1 s")
    failed = 0
    for i, (_kind, label, _what) in enumerate(jobs):
        line, bad = "", []
        for engine, figures in engines.items():
            first, median, worst, cpu = figures[i]
            if median > TARGET_S:
                bad.append(engine)
            line += (f" {first * 1000:7.0f}ms {median * 1000:7.0f}ms {worst * 1000:7.0f}ms "
                     f"{cpu * 1000:7.0f}ms")
        failed += bool(bad)
        print(f"{label:<62}{line}  {'PASS' if not bad else 'FAIL on ' + ', '.join(bad)}",
              flush=True)
    print("cpu: this process's, plus the local PostgreSQL server's processes (not counted "
          "for a server given by URL)")
    print(f"\nthe 20k-bin map page weighs {size / 1024:,.0f} KiB")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
