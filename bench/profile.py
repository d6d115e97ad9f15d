"""Diagnosis: where one request of each kind spends its time, without concurrency.

    python -m bench.profile var/bench/large.seed.sqlite3 [--n 30] [--cprofile] [--postgresql [URL]]

Works on a copy of a seeded database (next to it, `*.profile.sqlite3`; with --postgresql, a
PostgreSQL copy of that, made afresh, see bench/postgres.py). Runs the handheld
scans in-process through the Flask app (no HTTP, no gunicorn), one at a time, times each
request, and times every SQL statement (SQLAlchemy cursor events), grouped by endpoint and by
statement; prints the slowest statements with SQLite's EXPLAIN QUERY PLAN. With --cprofile
it also prints the top functions by cumulative time per endpoint.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sqlite3
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import postgres
from bench.seed import fresh_copy, plan_path_for

# Requests of each kind whose Python calls are counted; the median of them is reported. A
# request now and then compiles a statement of a new shape or takes a path for the first
# time (a few hundred to 1,400 calls more, once per process): a mean of a few would carry
# it, and move from one seed's open work to the next.
CALL_SAMPLES = 9
OPERATIONS = ("putaway_suggestion", "putaway_move", "pick_confirm", "move", "stock_lookup")


@dataclass
class Measured:
    """Per operation: service times (ms), SQL statements by text with their times, the
    Python function calls per request, this process's CPU per request, the database
    server's CPU per request (a local PostgreSQL server; else None), and the cProfile when
    asked for."""

    db_path: Path
    moves: int
    timings: dict[str, list[float]]
    stats: dict[str, dict[str, list[float]]]
    params_of: dict[str, Any]
    calls: dict[str, float]
    profiles: dict[str, cProfile.Profile]
    cpu_ms: dict[str, float]
    server_cpu_ms: dict[str, float] | None = None

    def statements_per_request(self, op: str) -> float:
        """Statements sent per request, transaction control (BEGIN, COMMIT) included."""
        n = len(self.timings[op]) + (CALL_SAMPLES if self.calls[op] == self.calls[op] else 0)
        return sum(len(v) for v in self.stats[op].values()) / (n or 1)


def measure(seed_db: Path, n: int = 30, cprofile: bool = False,
            sql_timing: bool = True, postgresql: str | None = None) -> Measured:
    """Run `n` requests of each handheld operation in-process on a copy of `seed_db`, one at
    a time, recording times, statements and Python calls.

    With `sql_timing` every statement is timed through SQLAlchemy's cursor events (for the
    diagnosis). Any engine event listener makes SQLAlchemy dispatch events around every
    statement, which adds hundreds of Python calls and their CPU to each request: without
    `sql_timing` the statements are only counted, by the SQLite driver's trace callback (a
    C-level append), so the calls and CPU measured are the server's own.

    `postgresql`: the URL of a server's `postgres` database; the requests then run on a
    fresh copy of the seed there (statements counted only with `sql_timing`), and the
    server's CPU is measured too when `bench.postgres` started it."""
    plan = json.loads(plan_path_for(seed_db).read_text())
    db_path = seed_db.with_name(seed_db.name.replace(".seed", "") + ".profile.sqlite3")
    fresh_copy(seed_db, db_path)
    url = f"sqlite:///{db_path}"
    if postgresql:
        # The copy just made has a new mtime: copied again, never a used database reused.
        url = postgres.copy_of(db_path, postgresql, "bench_profile")
    os.environ["WMS_DATABASE_URL"] = url

    from sqlalchemy import event

    from terminal_ui import create_app

    app = create_app()
    engine = app.extensions["wms.db"].engine
    current: dict[str, Any] = {"op": None}
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    params_of: dict[str, Any] = {}

    traced: list[str] = []
    if sql_timing:
        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            conn.info.setdefault("t", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            t = conn.info["t"].pop()
            if current["op"]:
                stats[current["op"]][statement].append((time.perf_counter() - t) * 1000)
                params_of.setdefault(statement, parameters)
    elif not postgresql:
        # A pool event (on new connections only), not an engine one.
        @event.listens_for(engine, "connect")
        def trace(dbapi_connection, record):  # noqa: ANN001
            dbapi_connection.set_trace_callback(traced.append)

    def count_traced() -> None:
        """Statements the driver ran since the last call, as the cursor events see them:
        COMMIT and ROLLBACK (sent by the driver's own methods) left out."""
        if current["op"]:
            for statement in traced:
                if not statement.lstrip().upper().startswith(("COMMIT", "ROLLBACK")):
                    stats[current["op"]][statement].append(0.0)
        traced.clear()

    client = app.test_client()
    hh = plan["handhelds"][0]
    headers = {"Authorization": f"Bearer {hh['token']}"}
    tasks = [t for pl in hh["pick_lists"] for t in pl["tasks"]]
    for other in plan["handhelds"][1:]:
        if len(tasks) >= n + 1:
            break
        tasks += [t for pl in other["pick_lists"] for t in pl["tasks"]]
    deliveries = [d for h in plan["handhelds"] for d in h["dock"]][: n + 1]
    sources = [s for h in plan["handhelds"] for s in h["move_sources"]]
    dests = [d["location"] for h in plan["handhelds"] for d in h["move_dests"]]

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(path, json=body,
                           headers={**headers, "Idempotency-Key": str(uuid.uuid4())})

    def scans() -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {op: [] for op in OPERATIONS}
        for t in tasks[: n + 1]:
            body = {"location": t["location"], "sku": t["sku"], "qty": t["qty"]}
            if t["lot"]:
                body["lot"] = t["lot"]
            out["pick_confirm"].append(
                lambda t=t, body=body: post(f"/api/v1/pick-tasks/{t['id']}/confirm", body))
        for i in range(n + 1):
            s = sources[i % len(sources)]
            out["move"].append(lambda s=s, i=i: post("/api/v1/moves", {
                "sku": s["sku"], "qty": 1, "from": s["location"], "to": dests[i % len(dests)]}))
        for d in deliveries:
            def suggest(d: dict[str, Any] = d) -> Any:
                r = post("/api/v1/putaway-suggestions", {"sku": d["sku"], "qty": d["qty"],
                                                         "from": plan["dock"]})
                d["to"] = r.get_json().get("location")
                return r
            out["putaway_suggestion"].append(suggest)
            out["putaway_move"].append(lambda d=d: post("/api/v1/moves", {
                "sku": d["sku"], "qty": d["qty"], "from": plan["dock"], "to": d["to"]}))
        for b in plan["lookup_bins"][: n + 1]:
            out["stock_lookup"].append(
                lambda b=b: client.get(f"/api/v1/stock?location={b}", headers=headers))
        return out

    client.get("/api/v1/health")
    timings: dict[str, list[float]] = {}
    calls: dict[str, float] = {}
    cpu_ms: dict[str, float] = {}
    server_cpu_ms: dict[str, float] = {}
    profiles: dict[str, cProfile.Profile] = {}
    work = scans()
    for op in OPERATIONS:
        # The first request of each kind warms the compiled-SQL cache; not counted.
        first, rest = work[op][0], work[op][1:]
        first()
        count_traced()
        current["op"] = op
        prof = cProfile.Profile() if cprofile else None
        times: list[float] = []
        cpu: list[float] = []
        counted: list[int] = []
        own_before, both_before = time.process_time(), postgres.cpu_seconds(url)
        for i, call in enumerate(rest):
            # The first few requests count Python calls (sys.setprofile slows them); the
            # others are timed (wall and this process's CPU) without it. cProfile and the
            # counter both use sys.setprofile: one or the other.
            counter = CallCounter() if i < CALL_SAMPLES and not prof else None
            t, c = time.perf_counter(), time.process_time()
            if prof:
                prof.enable()
                r = call()
                prof.disable()
            elif counter:
                with counter:
                    r = call()
                counted.append(counter.calls)
            else:
                r = call()
            if counter is None:
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            count_traced()
            if r.status_code >= 400:
                print(f"  {op}: {r.status_code} {r.get_data(as_text=True)[:200]}")
        current["op"] = None
        server = (postgres.cpu_seconds(url) - both_before) - (time.process_time() - own_before)
        server_cpu_ms[op] = server * 1000 / (len(rest) or 1)
        timings[op] = times
        cpu_ms[op] = sum(cpu) / len(cpu) if cpu else float("nan")
        calls[op] = statistics.median(counted) if counted else float("nan")
        if prof:
            profiles[op] = prof
    app.extensions["wms.db"].dispose()
    return Measured(db_path, plan["moves"], timings, stats, params_of, calls, profiles, cpu_ms,
                    server_cpu_ms if postgresql else None)


class CallCounter:
    """Counts Python function calls (not C calls) made by this thread inside the block."""

    def __init__(self) -> None:
        self.calls = 0

    def _event(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            self.calls += 1

    def __enter__(self) -> CallCounter:
        sys.setprofile(self._event)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("seed_db", type=Path)
    p.add_argument("--n", type=int, default=30, help="requests per operation")
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--top", type=int, default=6, help="statements shown per operation")
    p.add_argument("--postgresql", nargs="?", const=postgres.LOCAL, default=None,
                   metavar="URL",
                   help="run the requests on a PostgreSQL copy of the seed instead, and "
                        "print the server's CPU per request too. URL: a server to use "
                        "(postgresql://user@host:port/postgres; the bench replaces its own "
                        "bench_profile database there); without URL a local server from the "
                        "system's PostgreSQL, its files in var/bench/postgres")
    args = p.parse_args()
    if args.postgresql:
        with postgres.server(args.postgresql, Path("var/bench")) as server:
            # Untimed: an engine event listener would send every statement through
            # SQLAlchemy's execution layer, and PostgreSQL's driver has no trace callback
            # to count them by.
            m = measure(args.seed_db, args.n, args.cprofile, sql_timing=False,
                        postgresql=server)
    else:
        m = measure(args.seed_db, args.n, args.cprofile)
    timings, stats, params_of, profiles = m.timings, m.stats, m.params_of, m.profiles
    db_path = m.db_path
    plan = {"moves": m.moves}
    raw = sqlite3.connect(db_path)
    engine = "PostgreSQL" if m.server_cpu_ms is not None else "SQLite"
    print(f"\nIn-process service time per request on {args.seed_db.name} "
          f"({plan['moves']:,} moves) in {engine}, one request at a time:")
    for op, times in timings.items():
        ts = sorted(times)
        if m.server_cpu_ms is None:
            also = f"{m.statements_per_request(op):5.1f} statements"
        else:
            also = f"database server CPU {m.server_cpu_ms[op]:6.2f} ms"
        print(f"  {op:<20} n={len(ts):<4} median {ts[len(ts) // 2]:7.1f} ms   "
              f"max {ts[-1]:7.1f} ms   CPU {m.cpu_ms[op]:6.2f} ms   {also}   "
              f"{m.calls[op]:8,.0f} Python calls")
    for op, by_stmt in stats.items():
        n = len(timings[op]) or 1
        total = sum(sum(v) for v in by_stmt.values())
        print(f"\n== {op}: SQL {total / n:.1f} ms per request in "
              f"{sum(len(v) for v in by_stmt.values()) / n:.1f} statements ==")
        ranked = sorted(by_stmt.items(), key=lambda kv: -sum(kv[1]))
        for statement, values in ranked[: args.top]:
            flat = re.sub(r"\s+", " ", statement)
            print(f"  {sum(values) / n:7.2f} ms/request  ({len(values) / n:.1f}x, "
                  f"max {max(values):.1f} ms)  {flat[:400]}")
            if engine == "SQLite" and flat.lstrip().upper().startswith(
                    ("SELECT", "UPDATE", "INSERT", "WITH")):
                try:
                    plan_rows = raw.execute("EXPLAIN QUERY PLAN " + statement,
                                            params_of[statement]).fetchall()
                    for row in plan_rows:
                        print(f"        plan: {row[-1]}")
                except sqlite3.Error as exc:
                    print(f"        plan: ({exc})")
    if profiles:
        for op, prof in profiles.items():
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            print(f"\n== cProfile {op} ==")
            print("\n".join(buf.getvalue().splitlines()[:45]))
    raw.close()


if __name__ == "__main__":
    main()
