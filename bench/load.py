"""The load: the real server (`wms serve`, gunicorn) as a subprocess, and simulated handhelds.

Each handheld is a thread with its own keep-alive HTTP connection (http.client) and its own
operator's token. It works its own open work from the seed plan, so no two handhelds ever
compete for the same units: pick confirms of its pick lists (in walking order), bin-to-bin
moves of its own items into its own destination bins, putaways of its own deliveries from
the dock (a suggestion, then the move to the suggested bin), and stock lookups of random
bins. Every POST carries a fresh Idempotency-Key; a request that fails at the connection is
retried once on a new connection with the same key, as a handheld on flaky Wi-Fi would.

Between scans a handheld waits a think time: a person walks to the bin, reaches, scans.
Latency is measured client-side, from sending the request to having read the whole answer.
The load is closed-loop (a handheld waits for its answer), so a slow server also lowers the
offered load; see README.md.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

DEFAULT_MIX = {"pick": 0.45, "move": 0.20, "putaway": 0.20, "lookup": 0.14, "dock_lookup": 0.01}
OPS = ("pick_confirm", "move", "putaway_suggestion", "putaway_move", "stock_lookup",
       "dock_lookup")


@dataclass
class LoadConfig:
    handhelds: int = 50
    duration: float = 30.0
    warmup: float = 5.0
    think: float = 1.0
    think_dist: str = "exp"  # exp: exponential with mean `think`; uniform: think * U(0.5, 1.5)
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    mistakes: float = 0.01  # share of pick scans at a wrong bin first (409 wrong_location)
    barcode_share: float = 0.3  # share of item scans by barcode instead of SKU
    workers: int = 2
    threads: int = 4
    seed: int = 7
    server_env: dict[str, str] = field(default_factory=dict)  # e.g. GUNICORN_CMD_ARGS


@dataclass
class Sample:
    op: str
    start: float  # seconds since the measured window began (negative: warm-up)
    ms: float
    status: int
    expected: bool  # the status is the one this scan should get
    planned_4xx: bool = False  # a deliberate wrong scan answered with the right 409
    detail: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wms_executable() -> str:
    for candidate in (REPO / ".venv" / "bin" / "wms", Path(sys.executable).with_name("wms")):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("the wms command is not installed: run make install")


# ----- the server and its memory ---------------------------------------------------------

def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces; the ppid is the 2nd field after ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry))
    return kids


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(_children(p))
    return tree


def _status_kib(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_times(pid: int) -> tuple[float, float]:
    """User and kernel CPU seconds a process has used."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick
    except OSError:
        return 0.0, 0.0


# A SQLite file, or the URL of a database on a server (PostgreSQL).
DatabaseLocation = Path | str


def database_url(db: DatabaseLocation) -> str:
    return db if isinstance(db, str) else f"sqlite:///{db}"


class Server:
    """`wms serve` on a free port against one database; gunicorn master + workers."""

    def __init__(self, db: DatabaseLocation, workers: int, threads: int, log_path: Path,
                 extra_env: dict[str, str] | None = None, app: str | None = None) -> None:
        """`db`: a SQLite file, or the URL of a PostgreSQL database. `app`, when given, is a
        WSGI app spec that gunicorn serves directly (the bare endpoint), in the same worker
        shape; else `wms serve` serves the product."""
        self.port = free_port()
        self.log_path = log_path
        self.workers = workers
        env = dict(os.environ, **(extra_env or {}), WMS_DATABASE_URL=database_url(db))
        if app is None:
            command = [wms_executable(), "serve", "--host", "127.0.0.1", "--port",
                       str(self.port), "--workers", str(workers), "--threads", str(threads)]
        else:
            command = [str(Path(wms_executable()).with_name("gunicorn")), "--bind",
                       f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads",
                       str(threads), "--worker-class", "gthread", "--access-logfile", "-",
                       app]
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ready_after: float | None = None  # seconds from start to the first 200
        self.peak_rss_kib = 0
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self.pids: list[int] = []

    def wait_healthy(self, timeout: float = 90.0) -> None:
        """Until the first 200 on /api/v1/health (`ready_after`: the time a restart takes to
        answer again) and every worker has been forked. Clients that connected while only
        the first worker was up would all stay on its keep-alive connections, one process
        serving the whole load while the other idles, which no warehouse sees after start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}; see "
                                 f"{self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    if self.ready_after is None:
                        self.ready_after = time.perf_counter() - self.started
                    self.pids = process_tree(self.proc.pid)
                    if len(self.pids) > self.workers:  # the master and every worker
                        time.sleep(0.3)  # the last one forked opens its listener
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"the server did not answer /api/v1/health; see {self.log_path}")

    def start_sampling(self) -> None:
        def sample() -> None:
            while not self._sampling.wait(0.2):
                pids = process_tree(self.proc.pid)
                total = sum(_status_kib(p, "VmRSS") for p in pids)
                self.peak_rss_kib = max(self.peak_rss_kib, total)

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def cpu_times(self) -> tuple[float, float]:
        """User and kernel CPU seconds of the master and its workers."""
        times = [_cpu_times(p) for p in process_tree(self.proc.pid)]
        return sum(t[0] for t in times), sum(t[1] for t in times)

    def cpu_seconds(self) -> float:
        return sum(self.cpu_times())

    def memory(self) -> dict[str, Any]:
        """VmHWM (peak resident set) of the master and of each worker, in MiB."""
        pids = process_tree(self.proc.pid)
        per = {p: _status_kib(p, "VmHWM") / 1024 for p in pids}
        return {
            "master_hwm_mib": round(per.get(self.proc.pid, 0.0), 1),
            "workers_hwm_mib": [round(v, 1) for p, v in per.items() if p != self.proc.pid],
            "tree_hwm_sum_mib": round(sum(per.values()), 1),
            "tree_rss_sampled_peak_mib": round(self.peak_rss_kib / 1024, 1),
        }

    def kill(self) -> None:
        """SIGKILL every process of the server at once, as a power cut or an OOM kill
        would; nothing gets to clean up."""
        self._sampling.set()
        for pid in process_tree(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        self._sampling.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in process_tree(self.proc.pid)[::-1]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


# ----- a handheld ------------------------------------------------------------------------

class Handheld(threading.Thread):
    """One person with a scanner, working through their own open work."""

    def __init__(self, index: int, plan: dict[str, Any], lookup_bins: list[str], dock: str,
                 packing: str, port: int, cfg: LoadConfig, t0: float, t_end: float) -> None:
        super().__init__(name=f"handheld-{index}", daemon=True)
        self.plan = plan
        self.lookup_bins = lookup_bins
        self.dock = dock
        self.packing = packing
        self.port = port
        self.cfg = cfg
        self.t0 = t0
        self.t_end = t_end
        self.rng = random.Random(cfg.seed * 1000 + index)
        self.samples: list[Sample] = []
        self.reconnects = 0
        self.retries = 0
        self.conn: http.client.HTTPConnection | None = None
        self.headers = {"Authorization": f"Bearer {plan['token']}",
                        "Accept": "application/json"}
        self.tasks = [t for pl in plan["pick_lists"] for t in pl["tasks"]]
        self.sources = {(s["location"], s["sku"]): dict(s) for s in plan["move_sources"]}
        self.barcodes = {s["sku"]: s["barcode"] for s in plan["move_sources"]}
        self.dests = {d["location"]: d["room"] for d in plan["move_dests"]}
        self.deliveries = list(plan["dock"])
        self.pending_putaway: tuple[dict[str, Any], str] | None = None
        self.failure: BaseException | None = None

    # HTTP ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reconnects += 1

    def _stale(self) -> bool:
        """The server closed the idle keep-alive connection (gunicorn's keepalive is 2 s)."""
        if self.conn is None or self.conn.sock is None:
            return True
        readable, _, _ = select.select([self.conn.sock], [], [], 0)
        return bool(readable)

    def request(self, op: str, method: str, path: str, body: Any = None,
                expect: Iterable[int] = (200,), planned_4xx: bool = False
                ) -> tuple[int, Any]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        start = time.perf_counter()
        status, payload = 0, b""
        for attempt in range(2):
            try:
                if self._stale():
                    self._connect()
                assert self.conn is not None
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                status = response.status
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                break
            except (http.client.HTTPException, OSError) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                payload = f"{type(exc).__name__}: {exc}".encode()
                if attempt == 0:
                    self.retries += 1
        ms = (time.perf_counter() - start) * 1000
        try:
            answer = json.loads(payload) if payload else None
        except ValueError:
            answer = payload.decode(errors="replace")
        expected = status in tuple(expect)
        detail = ""
        if not expected or planned_4xx:
            detail = json.dumps(answer, ensure_ascii=False)[:300] if status else str(answer)
        self.samples.append(Sample(op, start - self.t0, ms, status, expected,
                                   planned_4xx and expected, detail))
        return status, answer

    # scans --------------------------------------------------------------------------------

    def _item_code(self, sku: str, barcode: str) -> str:
        return barcode if self.rng.random() < self.cfg.barcode_share else sku

    def pick(self) -> None:
        task = self.tasks.pop(0)
        path = f"/api/v1/pick-tasks/{task['id']}/confirm"
        body = {"location": task["location"], "sku": self._item_code(task["sku"],
                                                                    task["barcode"]),
                "qty": task["qty"]}
        if task["lot"]:
            body["lot"] = task["lot"]
        if self.rng.random() < self.cfg.mistakes:
            wrong = self.rng.choice(self.lookup_bins)
            if wrong != task["location"]:
                self.request("pick_confirm", "POST", path, {**body, "location": wrong},
                             expect=(409,), planned_4xx=True)
                self.think()
        self.request("pick_confirm", "POST", path, body, expect=(200,))

    def move(self) -> None:
        sources = [s for s in self.sources.values() if s["free"] > 0]
        source = self.rng.choice(sources)
        qty = self.rng.randint(1, min(source["free"], 10))
        dests = [d for d, room in self.dests.items()
                 if room >= qty and d != source["location"]]
        if not dests:
            return
        to = self.rng.choice(dests)
        status, _ = self.request("move", "POST", "/api/v1/moves", {
            "sku": self._item_code(source["sku"], self.barcodes[source["sku"]]), "qty": qty,
            "from": source["location"], "to": to}, expect=(201,))
        if status == 201:
            source["free"] -= qty
            self.dests[to] -= qty
            moved = self.sources.setdefault((to, source["sku"]), {
                "location": to, "sku": source["sku"], "free": 0})
            moved["free"] += qty

    def putaway_suggestion(self) -> None:
        delivery = self.deliveries.pop(0)
        body = {"sku": delivery["sku"], "qty": delivery["qty"], "from": self.dock}
        if delivery["lot"]:
            body["lot"] = delivery["lot"]
        status, answer = self.request("putaway_suggestion", "POST",
                                      "/api/v1/putaway-suggestions", body, expect=(200,))
        if status == 200 and isinstance(answer, dict) and answer.get("location"):
            self.pending_putaway = (delivery, answer["location"])

    def putaway_move(self) -> None:
        assert self.pending_putaway is not None
        delivery, to = self.pending_putaway
        self.pending_putaway = None
        body = {"sku": self._item_code(delivery["sku"], delivery["barcode"]),
                "qty": delivery["qty"], "from": self.dock, "to": to}
        if delivery["lot"]:
            body["lot"] = delivery["lot"]
        self.request("putaway_move", "POST", "/api/v1/moves", body, expect=(201,))

    def lookup(self) -> None:
        location = self.rng.choice(self.lookup_bins)
        self.request("stock_lookup", "GET", f"/api/v1/stock?location={location}",
                     expect=(200,))

    def dock_lookup(self) -> None:
        """What is on the dock, or waiting at packing: the places the whole history passed."""
        location = self.rng.choice((self.dock, self.packing))
        self.request("dock_lookup", "GET", f"/api/v1/stock?location={location}",
                     expect=(200,))

    def think(self) -> None:
        mean = self.cfg.think
        if mean <= 0:
            return
        if self.cfg.think_dist == "uniform":
            pause = self.rng.uniform(0.5 * mean, 1.5 * mean)
        else:
            pause = min(self.rng.expovariate(1 / mean), 10 * mean)
        time.sleep(max(0.0, min(pause, self.t_end - time.perf_counter())))

    def next_scan(self) -> bool:
        if self.pending_putaway is not None:
            self.putaway_move()
            return True
        choices = []
        if self.tasks:
            choices.append(("pick", self.pick))
        if any(s["free"] > 0 for s in self.sources.values()) and self.dests:
            choices.append(("move", self.move))
        if self.deliveries:
            choices.append(("putaway", self.putaway_suggestion))
        choices.append(("lookup", self.lookup))
        choices.append(("dock_lookup", self.dock_lookup))
        weights = [self.cfg.mix.get(name, 0.0) for name, _ in choices]
        if not any(weights):
            return False
        _, scan = self.rng.choices(choices, weights=weights)[0]
        scan()
        return True

    def run(self) -> None:
        try:
            # People do not start in lockstep.
            time.sleep(self.rng.uniform(0, max(self.cfg.think, 0.01)))
            while time.perf_counter() < self.t_end:
                if not self.next_scan():
                    break
                self.think()
        except BaseException as exc:  # noqa: BLE001 - reported by the runner
            self.failure = exc
        finally:
            if self.conn is not None:
                self.conn.close()


# ----- one run ---------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-p / 100 * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(samples: list[Sample], window: float) -> dict[str, Any]:
    lat = sorted(s.ms for s in samples)
    per_op: dict[str, Any] = {}
    for op in OPS:
        values = sorted(s.ms for s in samples if s.op == op)
        if values:
            per_op[op] = {"n": len(values), "p50": round(percentile(values, 50), 2),
                          "p99": round(percentile(values, 99), 2),
                          "max": round(values[-1], 2)}
    errors = [s for s in samples if not s.expected]
    # What sets the p99: the operations among the slowest 1 % of the requests, and the p99
    # of the rest with each of those operations left out in turn (an operation of 1 % of the
    # scans that is slower than every other can be the whole of that 1 %).
    cut = percentile(lat, 99)
    slowest = _count(s.op for s in samples if s.ms >= cut)
    without = {op: round(percentile(sorted(s.ms for s in samples if s.op != op), 99), 2)
               for op in per_op}
    return {
        "requests": len(samples),
        "window_s": round(window, 2),
        "throughput_rps": round(len(samples) / window, 1) if window else 0.0,
        "p50_ms": round(percentile(lat, 50), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "p999_ms": round(percentile(lat, 99.9), 2),
        "max_ms": round(lat[-1], 2) if lat else None,
        "mean_ms": round(sum(lat) / len(lat), 2) if lat else None,
        "errors": len(errors),
        "planned_wrong_scans": sum(1 for s in samples if s.planned_4xx),
        "per_op": per_op,
        "slowest_1pct": dict(sorted(slowest.items(), key=lambda kv: -kv[1])),
        "p99_ms_without": without,
        "error_samples": [
            {"op": s.op, "status": s.status, "ms": round(s.ms, 1), "detail": s.detail}
            for s in errors[:20]
        ],
        "error_statuses": _count(f"{s.op} {s.status}" for s in errors),
    }


def _count(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in keys:
        out[k] = out.get(k, 0) + 1
    return out


def run_load(db: DatabaseLocation, plan: dict[str, Any], cfg: LoadConfig, log_path: Path,
             database_cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """Start the server on `db`, drive it with the handhelds, stop it; the figures.
    `database_cpu`: the CPU seconds used so far by the database's own server (PostgreSQL),
    counted beside the app server's."""
    database_cpu = database_cpu or (lambda: 0.0)
    if cfg.handhelds > len(plan["handhelds"]):
        raise SystemExit(f"the plan has work for {len(plan['handhelds'])} handhelds, not "
                         f"{cfg.handhelds}: seed again")
    server = Server(db, cfg.workers, cfg.threads, log_path, cfg.server_env)
    try:
        server.wait_healthy()
        server.start_sampling()
        begin = time.perf_counter()
        t0 = begin + cfg.warmup  # the measured window starts after the warm-up
        t_end = t0 + cfg.duration
        handhelds = [
            Handheld(i, plan["handhelds"][i], plan["lookup_bins"], plan["dock"],
                     plan.get("packing", "PACK-1"), server.port, cfg, t0, t_end)
            for i in range(cfg.handhelds)
        ]
        for h in handhelds:
            h.start()
        time.sleep(max(0.0, t0 - time.perf_counter()))
        cpu_server_0, cpu_self_0 = server.cpu_seconds(), time.process_time()
        cpu_database_0, busy_0 = database_cpu(), machine_busy_seconds()
        time.sleep(max(0.0, t_end - time.perf_counter()))
        cpu_server_1, cpu_self_1 = server.cpu_seconds(), time.process_time()
        cpu_database_1, busy_1 = database_cpu(), machine_busy_seconds()
        for h in handhelds:
            h.join(timeout=120)
        finished = time.perf_counter()
        memory = server.memory()
    finally:
        server.stop()
    cpu_server = cpu_server_1 - cpu_server_0
    cpu_self = cpu_self_1 - cpu_self_0
    cpu_database = cpu_database_1 - cpu_database_0
    cpu_other = max(0.0, (busy_1 - busy_0) - cpu_server - cpu_self - cpu_database)
    failures = [f"{h.name}: {h.failure!r}" for h in handhelds if h.failure]
    if failures:
        raise SystemExit("handheld threads failed: " + "; ".join(failures[:5]))
    measured = [s for h in handhelds for s in h.samples if 0 <= s.start < cfg.duration]
    warm = [s for h in handhelds for s in h.samples if s.start < 0]
    window = min(cfg.duration, finished - t0)
    result = summarize(measured, cfg.duration if window >= cfg.duration else window)
    result.update({
        "warmup_requests": len(warm),
        "warmup_errors": sum(1 for s in warm if not s.expected),
        "connections_opened": sum(h.reconnects for h in handhelds),
        "retries": sum(h.retries for h in handhelds),
        "work_left": {
            "pick_tasks": sum(len(h.tasks) for h in handhelds),
            "dock_deliveries": sum(len(h.deliveries) for h in handhelds),
            "handhelds_out_of_pick_tasks": sum(1 for h in handhelds if not h.tasks),
            "handhelds_out_of_deliveries": sum(1 for h in handhelds if not h.deliveries),
        },
        "memory": memory,
        "cpu": {"server_s": round(cpu_server, 2), "load_generator_s": round(cpu_self, 2),
                "database_server_s": round(cpu_database, 2),
                "machine_busy_s": round(busy_1 - busy_0, 2),
                "other_processes_s": round(cpu_other, 2),
                "window_s": cfg.duration, "cores": os.cpu_count()},
        "server_log": str(log_path),
        "samples": [[s.op, round(s.start, 3), round(s.ms, 2), s.status] for s in measured],
        "port": server.port,
    })
    return result
