"""Two gateways (two sites) on one PostgreSQL, each as it runs on its Raspberry Pi: `wms serve`
under gunicorn with its own WMS_GATEWAY and hardware file, its scanner bridge with a fixed
scanner at its dock, and its print worker with a folder for a printer. Both call their station
"dock" and their printer "labels". Pickers on both race for the same units; each dock's scans
land at that gateway's dock; each printer prints exactly its own gateway's jobs; `wms verify`
is clean."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.simulator import VirtualScanner
from tests.faults.conftest import wms_verify
from tests.faults.resend import call
from tests.support.builders import Builder
from tests.support.figures import record
from tests.support.live_server import LiveServer
from wms.auth import add_user
from wms.db import Database
from wms.demo import bridge_token
from wms.models import PrintJob, StationEvent, StationState
from wms.services.allocation import create_pick_list
from wms.services.orders import OrderLineInput, create_purchase_order

pytestmark = [pytest.mark.faults, pytest.mark.postgres,
              pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]

PICKERS = 16
UNITS = 10
SETTLE_S = 30.0  # how long the bridges and print workers may take to deliver and print

HARDWARE = """\
[printers.labels]
backend = "directory"
target = "{folder}/prints"
paper = 58
mode = "chinese"
auto = ["lot_label", "receiving_note"]

[stations.dock]
kind = "dock"
location = "{dock}"

[bridge]
app_url = "http://127.0.0.1:{port}"
token_file = "{folder}/station-token"
spool = "{folder}/bridge-spool"
heartbeat = "{folder}/heartbeats/bridge"

[scanners.dock]
url = "{folder}/dev/dock-scanner"
station = "dock"
terminator = "CR"
"""


@dataclass
class Gateway:
    """One site's gateway: the app, the bridge, the print worker, a scanner, a printer."""

    name: str
    folder: Path
    server: LiveServer
    scanner: VirtualScanner
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def prints(self) -> Path:
        return self.folder / "prints"

    def printed_jobs(self) -> set[int]:
        """The job ids whose bytes the gateway's printer (its folder) received."""
        return {int(path.name.split("-", 1)[0]) for path in self.prints.glob("*.bin")}

    def start_processes(self) -> None:
        wms = str(Path(sys.executable).with_name("wms"))
        env = {**os.environ, "WMS_DATABASE_URL": self.server.database_url,
               "WMS_CONFIG_PATH": str(self.folder / "wms.toml"), **self.server.env}
        for name, args in (("bridge", ["bridge"]),
                           ("printer-worker", ["printer-worker", "--poll", "0.2"])):
            log = (self.folder / f"{name}.log").open("wb")
            self.processes.append(subprocess.Popen([wms, *args], cwd=self.folder, env=env,
                                                   stdout=log, stderr=subprocess.STDOUT))
            log.close()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.server.stop()
        self.scanner.close()


@dataclass
class Sites:
    db: Database
    bin: str
    supervisor: str  # an API token
    picker: str
    tasks: list[int]
    gateways: dict[str, Gateway]


def _gateway(name: str, dock: str, database_url: str, db: Database, folder: Path) -> Gateway:
    folder.mkdir()
    (folder / "prints").mkdir()
    server = LiveServer(database_url, folder, workers=1, threads=8,
                        env={"WMS_GATEWAY": name,
                             "WMS_HEARTBEAT_DIR": str(folder / "heartbeats")})
    (folder / "wms.toml").write_text(HARDWARE.format(folder=folder, dock=dock,
                                                     port=server.port), encoding="utf-8")
    with db.write() as s:
        (folder / "station-token").write_text(bridge_token(s, ["dock"], name))
    scanner = VirtualScanner(folder / "dev" / "dock-scanner", "CR")
    scanner.plug()
    return Gateway(name, folder, server, scanner)


@pytest.fixture
def sites(database_url: str, db: Database, build: Builder, tmp_path: Path) -> Iterator[Sites]:
    bin_ = build.warehouse("WH1", bins=1, capacity=None)[0]
    build.warehouse("WH2", bins=1, capacity=None, zone="B")
    build.item("CUP", name="茶杯")
    build.item("TEA", name="龙井茶", barcodes=["6901234567892"])
    build.stock("CUP", bin_, PICKERS)
    build.supplier("SUP-1")
    numbers = [build.sales_order(f"SO-{i:03d}", [("CUP", 1)]) for i in range(PICKERS)]
    with db.write() as s:
        tasks = [create_pick_list(s, n, None).pick_list.tasks[0].id for n in numbers]
        for number, warehouse in (("PO-NORTH", "WH1"), ("PO-SOUTH", "WH2")):
            create_purchase_order(s, number, "SUP-1", [OrderLineInput("TEA", 10)], None,
                                  warehouse_code=warehouse)
        for name, badge in (("north-receiver", "BADGE-N"), ("south-receiver", "BADGE-S")):
            add_user(s, name, "operator", badge=badge, pin="1234")
    supervisor = build.user("boss", "supervisor")
    picker = build.user("picker", "operator")
    gateways = {name: _gateway(name, dock, database_url, db, tmp_path / name)
                for name, dock in (("north", "DOCK-1"), ("south", "DOCK-2"))}
    try:
        for gateway in gateways.values():  # both at once, as two sites' power comes back
            threading.Thread(target=gateway.server.start, daemon=True).start()
        deadline = time.monotonic() + 60
        for gateway in gateways.values():
            while not _answers(gateway.server) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _answers(gateway.server), f"gateway {gateway.name} did not start"
            gateway.start_processes()
        while not _scanners_connected(db, gateways) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _scanners_connected(db, gateways), "the bridges did not open their scanners"
        yield Sites(db, bin_, supervisor, picker, tasks, gateways)
    finally:
        for gateway in gateways.values():
            gateway.stop()


def _scanners_connected(db: Database, gateways: dict[str, Gateway]) -> bool:
    """Whether each gateway's bridge has told its app that its dock scanner is connected."""
    with db.read() as s:
        states = {st.gateway: st.data for st in s.scalars(select(StationState))}
    return all(states.get(name, {}).get("devices", {}).get("dock", {}).get("state")
               == "connected" for name in gateways)


def _answers(server: LiveServer) -> bool:
    try:
        return call(server.port, "GET", "/api/v1/health", token="")[0] == 200
    except OSError:
        return False


def _count_down_to(sites: Sites, units: int) -> None:
    """A supervisor counts the bin at `units` on the north gateway (twice, as a count this
    far off is counted again), so the pick tasks promise more than the bin holds."""
    port = sites.gateways["north"].server.port
    status, body = call(port, "POST", "/api/v1/counts", token=sites.supervisor,
                        body={"locations": [sites.bin]}, key="count")
    assert status == 201, body
    count = body["id"]
    for attempt in range(2):
        entry = {"location": sites.bin, "sku": "CUP", "qty": units}
        assert call(port, "POST", f"/api/v1/counts/{count}/entries", token=sites.supervisor,
                    body=entry, key=f"entry-{attempt}")[0] == 201
        call(port, "POST", f"/api/v1/counts/{count}/submit", token=sites.supervisor,
             key=f"submit-{attempt}")
    status, body = call(port, "POST", f"/api/v1/counts/{count}/approve",
                        token=sites.supervisor, key="approve")
    assert status == 200, body


def _race(sites: Sites) -> dict[str, Counter[int]]:
    """Every picker confirms their one unit at once, half through each gateway; the
    answers' statuses by gateway."""
    names = sorted(sites.gateways)
    start = threading.Barrier(PICKERS)
    answers: dict[str, Counter[int]] = {name: Counter() for name in names}
    errors: list[str] = []
    lock = threading.Lock()

    def picker(i: int, task: int) -> None:
        name = names[i % 2]
        start.wait(timeout=30)
        status, body = call(sites.gateways[name].server.port, "POST",
                            f"/api/v1/pick-tasks/{task}/confirm", token=sites.picker,
                            body={"location": sites.bin, "sku": "CUP", "qty": 1},
                            key=f"pick-{task}")
        with lock:
            answers[name][status] += 1
            if status != 200:
                errors.append(body["error"]["code"])

    threads = [threading.Thread(target=picker, args=(i, task))
               for i, task in enumerate(sites.tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(errors) == {"insufficient_stock": PICKERS - UNITS}
    return answers


SCANS = {
    "north": ["BADGE-N", "PO-NORTH", "6901234567892", "6901234567892", "6901234567892",
              "DONE"],
    "south": ["BADGE-S", "PO-SOUTH", "6901234567892", "6901234567892", "DONE"],
}


def _settled(sites: Sites) -> bool:
    """Every scan delivered to its gateway and every print job printed."""
    with sites.db.read() as s:
        scans = Counter(s.scalars(select(StationEvent.gateway)
                                  .where(StationEvent.kind == "scan")))
        waiting = s.scalars(select(PrintJob.id).where(
            PrintJob.status.in_(("queued", "printing")))).all()
    return scans == {name: len(raw) for name, raw in SCANS.items()} and not waiting


def test_two_gateways_on_one_database_share_the_stock_and_keep_their_scans_and_prints(
    sites: Sites, database_url: str, tmp_path: Path
) -> None:
    began = time.monotonic()
    _count_down_to(sites, UNITS)
    answers = _race(sites)
    assert sum(a[200] for a in answers.values()) == UNITS
    assert all(a[200] for a in answers.values()), answers  # winners on both gateways

    for name, scans in SCANS.items():
        sites.gateways[name].scanner.type(*scans)
    for name in sites.gateways:  # a bin label asked for on each gateway, for its own printer
        status, body = call(sites.gateways[name].server.port, "POST", "/api/v1/print-jobs",
                            token=sites.supervisor, key=f"label-{name}",
                            body={"document": "bin_label", "printer": "labels",
                                  "data": {"code": sites.bin}})
        assert status == 201 and body[0]["gateway"] == name, body
    deadline = time.monotonic() + SETTLE_S
    while not _settled(sites) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _settled(sites), "the scans were not delivered or the jobs not printed in time"

    with sites.db.read() as s:
        events = s.execute(select(StationEvent.gateway, StationEvent.station, StationEvent.raw,
                                  StationEvent.outcome)
                           .where(StationEvent.kind == "scan")
                           .order_by(StationEvent.gateway, StationEvent.version)).all()
        states = {(st.gateway, st.station): dict(st.data)
                  for st in s.scalars(select(StationState))}
        jobs = s.execute(select(PrintJob.id, PrintJob.gateway, PrintJob.document,
                                PrintJob.status)).all()
    for name, scans in SCANS.items():
        mine = [(station, raw, outcome) for gateway, station, raw, outcome in events
                if gateway == name]
        assert mine == [("dock", raw, "info" if raw == "DONE" else "ok") for raw in scans], mine
    assert set(states) == {("north", "dock"), ("south", "dock")}
    assert states["north", "dock"]["person"]["name"] == "north-receiver"
    assert states["south", "dock"]["person"]["name"] == "south-receiver"

    # each printer got exactly its gateway's jobs: a lot label per unit received, a
    # receiving note each and the bin label asked for there
    kinds = {name: Counter(doc for _, gateway, doc, _ in jobs if gateway == name)
             for name in sites.gateways}
    assert kinds == {"north": {"lot_label": 3, "receiving_note": 1, "bin_label": 1},
                     "south": {"lot_label": 2, "receiving_note": 1, "bin_label": 1}}
    assert {status for *_, status in jobs} == {"printed"}
    for name, gateway in sites.gateways.items():
        assert gateway.printed_jobs() == {i for i, g, _, _ in jobs if g == name}

    for name, gateway in sites.gateways.items():  # each gateway's status shows its own
        status, body = call(gateway.server.port, "GET", "/api/v1/status",
                            token=sites.supervisor)
        assert status == 200 and body["gateway"] == name
        assert [(p["printer"], p["pending"], p["failed"]) for p in body["printers"]] == [
            ("labels", 0, 0)]
        assert [(sc["station"], sc["device"], sc["connected"])
                for sc in body["scanners"]] == [("dock", "dock", True)]
        assert body["print_worker"]["ok"] and body["bridge"]["ok"], body

    verify = wms_verify(database_url, tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    seconds = time.monotonic() - began
    record("two gateways [postgresql]", pickers=PICKERS, units=UNITS,
           **{f"won_at_{name}": answers[name][200] for name in sorted(answers)},
           **{f"printed_at_{name}": len(g.printed_jobs()) for name, g in
              sorted(sites.gateways.items())},
           scans=sum(len(raw) for raw in SCANS.values()), seconds=seconds)
    assert seconds < 60
