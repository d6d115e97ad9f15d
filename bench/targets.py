"""The yardsticks of the speed targets, measured in the same run on the same machine as the
product: the raw rate of fsync'd SQLite commits on the bench's disk, a bare Flask endpoint
doing one indexed read under the handhelds' load, the same bare app's one-insert durable
write in a closed loop, closed-loop durable moves through the API,
the restart time after SIGKILL, and big documents (a 5,000-line count and transfer).

Figures that travel between machines: server CPU per request and the ratios between these
and the product's figures; the absolute times depend on the machine and its load.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bare_app import prepare_writes
from bench.load import Server, percentile
from bench.seed import fresh_copy

# One request: method, path, JSON body or None, and the statuses that count as success.
Step = tuple[str, str, Any, tuple[int, ...]]


def fsync_commit_rate(directory: Path, seconds: float = 3.0) -> dict[str, float]:
    """Commits per second of one writer on a SQLite file in `directory`: WAL,
    synchronous=FULL, BEGIN IMMEDIATE, one small insert each. The ceiling of any durable
    write path on this disk."""
    path = directory / "fsync-probe.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        commits, started = 0, time.perf_counter()
        latencies = []
        while (now := time.perf_counter()) - started < seconds:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO probe (body) VALUES (?)", (uuid.uuid4().hex,))
            conn.execute("COMMIT")
            latencies.append((time.perf_counter() - now) * 1000)
            commits += 1
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    latencies.sort()
    return {"commits": commits, "seconds": round(elapsed, 2),
            "per_s": round(commits / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50), 3),
            "p99_ms": round(percentile(latencies, 99), 3)}


@dataclass(eq=False)
class Client(threading.Thread):
    """One closed-loop client with its own keep-alive connection: asks `next_step` what to
    send, sends it, thinks (exponential, mean `think` s, 0 for none), and again."""

    port: int
    next_step: Callable[[random.Random], Step]
    headers: dict[str, str]
    think: float
    t0: float
    t_end: float
    seed: int
    samples: list[tuple[float, float, bool]] = field(default_factory=list)  # start, ms, ok
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(self.seed)
        self.conn: http.client.HTTPConnection | None = None

    def _send(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    self.conn.connect()
                    assert self.conn.sock is not None
                    self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, payload
            except (http.client.HTTPException, OSError) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0, str(exc).encode()
        raise AssertionError("unreachable")

    def run(self) -> None:
        if self.think > 0:
            time.sleep(self.rng.uniform(0, self.think))
        while time.perf_counter() < self.t_end:
            method, path, body, expect = self.next_step(self.rng)
            start = time.perf_counter()
            status, payload = self._send(method, path, body)
            ok = status in expect
            self.samples.append((start - self.t0, (time.perf_counter() - start) * 1000, ok))
            if not ok and len(self.failures) < 5:
                self.failures.append(f"{method} {path} -> {status}: {payload[:200]!r}")
            if self.think > 0:
                pause = min(self.rng.expovariate(1 / self.think), 10 * self.think)
                time.sleep(max(0.0, min(pause, self.t_end - time.perf_counter())))
        if self.conn is not None:
            self.conn.close()


def drive(server: Server, clients: list[Client], warmup: float, duration: float
          ) -> dict[str, Any]:
    """Run the clients against the server; the measured window's figures, server CPU
    included."""
    for c in clients:
        c.start()
    time.sleep(max(0.0, clients[0].t0 - time.perf_counter()))
    (user_0, kernel_0), client_0 = server.cpu_times(), os.times()
    time.sleep(max(0.0, clients[0].t_end - time.perf_counter()))
    (user_1, kernel_1), client_1 = server.cpu_times(), os.times()
    for c in clients:
        c.join(timeout=120)
    measured = [(ms, ok) for c in clients for start, ms, ok in c.samples
                if 0 <= start < duration]
    lat = sorted(ms for ms, _ in measured)
    n = len(measured)
    cpu, kernel = (user_1 - user_0) + (kernel_1 - kernel_0), kernel_1 - kernel_0
    # The clients are threads of this process; besides them it only sleeps and samples the
    # server's memory five times a second, so its CPU is, nearly all, the clients'.
    client = (client_1.user - client_0.user) + (client_1.system - client_0.system)
    return {
        "requests": n, "window_s": duration, "per_s": round(n / duration, 1),
        "errors": sum(1 for _, ok in measured if not ok),
        "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2),
        "server_cpu_s": round(cpu, 2),
        "cpu_ms_per_request": round(cpu / n * 1000, 2) if n else None,
        "kernel_ms_per_request": round(kernel / n * 1000, 2) if n else None,
        "client_cpu_ms_per_request": round(client / n * 1000, 2) if n else None,
        "failures": [f for c in clients for f in c.failures][:5],
        "warmup_s": warmup,
    }


def bare_write(rng: random.Random) -> Step:
    """One request of the bare app's durable write: a small body stored as one new row."""
    return ("POST", "/bare/write", {"sku": f"SKU-{rng.randrange(1000)}", "qty": 1}, (201,))


def bare_endpoint(db_path: Path, plan: dict[str, Any], handhelds: int, think: float,
                  warmup: float, duration: float, workers: int, threads: int,
                  log_path: Path, write_share: float = 0.0) -> dict[str, Any]:
    """The bare endpoint under the handhelds' load: one indexed read of a random bin; with
    `write_share`, that share of the scans is the bare durable write instead (one insert,
    committed with fsync), as the handhelds' writing scans would."""
    if write_share:
        prepare_writes(str(db_path))
    server = Server(db_path, workers, threads, log_path, app="bench.bare_app:create_app()")
    bins = plan["lookup_bins"]

    def scan(rng: random.Random) -> Step:
        if write_share and rng.random() < write_share:
            return bare_write(rng)
        return ("GET", f"/bare/location?code={rng.choice(bins)}", None, (200,))

    try:
        server.wait_healthy()
        t0 = time.perf_counter() + warmup
        clients = [
            Client(server.port, scan, {"Accept": "application/json"}, think, t0,
                   t0 + duration, seed=i)
            for i in range(handhelds)]
        result = drive(server, clients, warmup, duration)
    finally:
        server.stop()
    result["ready_s"] = round(server.ready_after or float("nan"), 2)
    return result


def bare_writes(db_path: Path, concurrency: int, warmup: float, duration: float,
                workers: int, threads: int, log_path: Path) -> dict[str, Any]:
    """The bare endpoint's durable write in a closed loop at `concurrency`, in the product's
    worker shape: the rate any Flask endpoint that commits each request with fsync reaches
    on this machine, with the same load client."""
    prepare_writes(str(db_path))
    server = Server(db_path, workers, threads, log_path, app="bench.bare_app:create_app()")
    try:
        server.wait_healthy()
        t0 = time.perf_counter() + warmup
        clients = [
            Client(server.port, bare_write, {"Accept": "application/json"}, 0.0, t0,
                   t0 + duration, seed=i)
            for i in range(concurrency)]
        return drive(server, clients, warmup, duration)
    finally:
        server.stop()


def _mover(plan_hh: dict[str, Any]) -> Callable[[random.Random], Step]:
    """Moves of one unit of the handheld's own item to one of its own bins and back, so the
    stock never runs out and no bin fills up."""
    source = next(s for s in plan_hh["move_sources"] if s["free"] > 0)
    target = next(d["location"] for d in plan_hh["move_dests"]
                  if d["room"] > 0 and d["location"] != source["location"])
    legs = [(source["location"], target), (target, source["location"])]
    state = {"leg": 0}

    def step(_rng: random.Random) -> Step:
        frm, to = legs[state["leg"] % 2]
        state["leg"] += 1
        return ("POST", "/api/v1/moves",
                {"sku": source["sku"], "qty": 1, "from": frm, "to": to}, (201,))

    return step


def closed_loop_moves(db_path: Path, plan: dict[str, Any], concurrency: tuple[int, ...],
                      warmup: float, duration: float, workers: int, threads: int,
                      log_path: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    """Durable moves through the API as fast as each client gets its answers, at each
    concurrency in turn on one server; then the server is SIGKILLed and started again, and
    the time to its first 200 on /api/v1/health is the restart time."""
    server = Server(db_path, workers, threads, log_path, extra_env)
    out: dict[str, Any] = {}
    try:
        server.wait_healthy()
        out["cold_start_s"] = round(server.ready_after or float("nan"), 2)
        for c in concurrency:
            t0 = time.perf_counter() + warmup
            clients = [
                Client(server.port, _mover(plan["handhelds"][i]),
                       {"Authorization": f"Bearer {plan['handhelds'][i]['token']}",
                        "Accept": "application/json"}, 0.0, t0, t0 + duration, seed=i)
                for i in range(c)]
            out[f"c{c}"] = drive(server, clients, warmup, duration)
        # A crash under load: kill every process while movers are still sending.
        t0 = time.perf_counter() + 0.5
        clients = [Client(server.port, _mover(plan["handhelds"][i]),
                          {"Authorization": f"Bearer {plan['handhelds'][i]['token']}"},
                          0.0, t0, t0 + 1.0, seed=i) for i in range(max(concurrency))]
        for cl in clients:
            cl.start()
        time.sleep(1.0)
        server.kill()
        for cl in clients:
            cl.join(timeout=60)
    finally:
        server.stop()
    restarted = Server(db_path, workers, threads, log_path.with_suffix(".restart.log"),
                       extra_env)
    try:
        restarted.wait_healthy()
    finally:
        restarted.stop()
    out["restart_after_kill_s"] = round(restarted.ready_after or float("nan"), 2)
    return out


def big_documents(seed_db: Path, work_dir: Path, lines: int = 5000) -> dict[str, Any]:
    """Commit time (wall, and this process's CPU) of a count of `lines` entries (submit, then
    approve: one adjustment per line, each a unit short), of a transfer of `lines` lines, and
    of the approval of a second count of `lines` entries each a unit over, in-process through
    the services, on a copy of the seeded database. The entries are made beforehand and are
    not timed."""
    from sqlalchemy import func, select

    from wms.db import Database
    from wms.models import Item, Location, Lot, StockBalance, Warehouse
    from wms.services.counting import Thresholds, approve_count, submit_count
    from wms.services.transfers import TransferLineInput, create_transfer

    db_path = work_dir / "documents.sqlite3"
    fresh_copy(seed_db, db_path)
    db = Database(f"sqlite:///{db_path}")
    out: dict[str, Any] = {"lines": lines}
    try:
        with db.read() as session:
            free = StockBalance.qty - StockBalance.reserved
            rows = session.execute(
                select(Location.code, Item.sku, Lot.code, Lot.internal, Item.tracking,
                       StockBalance.qty, free)
                .join(Location, Location.id == StockBalance.location_id)
                .join(Item, Item.id == StockBalance.item_id)
                .join(Lot, Lot.id == StockBalance.lot_id)
                .where(free > 1, Location.kind == "storage")
                .order_by(func.random()).limit(lines * 2)).all()
            warehouse = session.scalar(select(Warehouse.code))
        # The transfer: one line per (bin, item) with units to spare.
        seen: set[tuple[str, str]] = set()
        chosen = []
        for row in rows:
            if (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                chosen.append(row)
        chosen = chosen[:lines]
        out["lines"] = len(chosen)
        if len(chosen) < lines:
            out["note"] = f"the database has {len(chosen)} suitable balances, not {lines}"
        # The count: whole bins, every item in them (and every lot of a lot-tracked item),
        # until `lines` entries; each counted one unit short where it holds more than one.
        entries = _count_sheet(db, lines)
        out["count_lines"] = len(entries)
        count_id = _entered_count(db, entries, lambda qty: qty - 1 if qty > 1 else qty)
        with db.write() as session:
            session.add(Warehouse(code="BENCH2", name="second warehouse for transfers"))
        thresholds = Thresholds(pct=100.0, units=1000)  # no recounts: one round
        _timed(db, out, "count_submit",
               lambda session: submit_count(session, count_id, thresholds, None))
        _, moves = _timed(db, out, "count_approve",
                          lambda session: approve_count(session, count_id, None))
        out["count_adjustments"] = len(moves)
        _, moves = _timed(db, out, "transfer", lambda session: create_transfer(
            session, from_warehouse=str(warehouse), to_warehouse="BENCH2",
            lines=[TransferLineInput(sku, 1, code, lot if tracking == "lot" else None)
                   for code, sku, lot, _internal, tracking, _, _ in chosen],
            user_id=None))
        out["transfer_moves"] = len(moves)
        # A second count, each entry found one over: every adjustment brings units in, at
        # the item's average cost, with the count's earlier gains of that item still unwritten.
        entries = _count_sheet(db, lines)
        out["count_gain_lines"] = len(entries)
        gains_id = _entered_count(db, entries, lambda qty: qty + 1)
        with db.write() as session:
            submit_count(session, gains_id, thresholds, None)
        _, moves = _timed(db, out, "count_gains",
                          lambda session: approve_count(session, gains_id, None))
        out["count_gains"] = len(moves)
    finally:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    return out


def _entered_count(db: Any, entries: list[tuple[str, str, str | None, int]],
                   found: Callable[[int], int]) -> int:
    """A count of the entries' bins with each entry counted as `found` of what it holds."""
    from wms.services.counting import enter_count, start_count

    with db.write() as session:
        count_id = int(start_count(session, sorted({e[0] for e in entries}), None).id)
        for code, sku, lot, qty in entries:
            enter_count(session, count_id=count_id, location=code, sku=sku, qty=found(qty),
                        lot=lot, user_id=None)
    return count_id


def _timed(db: Any, out: dict[str, Any], name: str, work: Callable[[Any], Any]) -> Any:
    """What `work` returns in one write transaction; its wall and CPU seconds in `out`."""
    started, cpu = time.perf_counter(), time.process_time()
    with db.write() as session:
        result = work(session)
    out[f"{name}_s"] = round(time.perf_counter() - started, 3)
    out[f"{name}_cpu_s"] = round(time.process_time() - cpu, 3)
    return result


def _count_sheet(db: Any, lines: int) -> list[tuple[str, str, str | None, int]]:
    """(bin, sku, lot or None, units) for whole storage bins in random order until `lines`
    entries: a lot-tracked item by lot, any other item as a whole."""
    from sqlalchemy import func, select

    from wms.models import Item, Location, Lot, StockBalance

    entries: list[tuple[str, str, str | None, int]] = []
    with db.read() as session:
        bins = session.scalars(
            select(Location.code).join(StockBalance, StockBalance.location_id == Location.id)
            .where(Location.kind == "storage", StockBalance.qty > 0)
            .group_by(Location.code).order_by(func.random())).all()
        for code in bins:
            held: dict[tuple[str, str | None], int] = {}
            for sku, tracking, lot, qty in session.execute(
                    select(Item.sku, Item.tracking, Lot.code, StockBalance.qty)
                    .join(Item, Item.id == StockBalance.item_id)
                    .join(Lot, Lot.id == StockBalance.lot_id)
                    .join(Location, Location.id == StockBalance.location_id)
                    .where(Location.code == code, StockBalance.qty > 0)):
                key = (sku, lot if tracking == "lot" else None)
                held[key] = held.get(key, 0) + qty
            entries += [(code, sku, lot, qty) for (sku, lot), qty in held.items()]
            if len(entries) >= lines:
                break
    return entries
