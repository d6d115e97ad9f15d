"""How long a fixed scanner's scan takes to be booked: from the bytes leaving the scanner
(a pty) through the bridge (spool on disk, HTTP) to the station event committed by the app
under gunicorn, over a demo warehouse in a temporary SQLite file. The screen shows it at its
next poll (at most 1 s later).

    .venv/bin/python -m bench.station_latency [--scans 120] [--rate 4]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from drivers.simulator import VirtualScanner
from wms.db import Database
from wms.demo import bridge_token, load_demo
from wms.models import StationEvent
from wms.schema import upgrade
from wms.site_config import DEMO_CONFIG

# PO-1001 orders 60 TEA-001, 48 SNK-030 and 24 HON-040; one new lot per scan, so every scan
# is a received unit. A badge signs a person in at the dock first.
LABELS = ("]C1010690123456789217271130~10B{n:04d}", "]C1010690123456794617271130~10B{n:04d}",
          "]C1010690123456795317271130~10B{n:04d}")


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=120)
    parser.add_argument("--rate", type=float, default=4.0, help="scans per second")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = f"sqlite:///{work / 'wms.sqlite3'}"
        upgrade(url)
        db = Database(url)
        with db.write() as session:
            load_demo(session)
            (work / "station-token").write_text(bridge_token(session, ("dock", "packing")))
        port = _port()
        config = work / "wms.toml"
        config.write_text(DEMO_CONFIG.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
                          .replace('"var/', f'"{work}/'), encoding="utf-8")
        env = {**os.environ, "WMS_DATABASE_URL": url, "WMS_CONFIG_PATH": str(config)}
        scanner = VirtualScanner(work / "dev" / "dock-scanner", "CR")
        scanner.plug()
        app = subprocess.Popen([str(bin_dir / "wms"), "serve", "--port", str(port), "--host",
                                "127.0.0.1"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        bridge = subprocess.Popen([str(bin_dir / "wms"), "bridge", "--config", str(config)],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(1.5)  # the bridge opens the scanner
            scanner.type("BADGE-0003", "PO-1001")
            sent: dict[str, float] = {}
            for n in range(args.scans):
                label = LABELS[n % 3].format(n=n)
                sent[label.replace("~", "\x1d")] = time.time()
                scanner.type(label)
                time.sleep(1 / args.rate)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with db.read() as session:
                    events = list(session.scalars(select(StationEvent).where(
                        StationEvent.kind == "scan", StationEvent.raw.in_(list(sent)))))
                if len(events) == len(sent):
                    break
                time.sleep(0.2)
        finally:
            bridge.terminate()
            app.terminate()
            bridge.wait(10)
            app.wait(10)
            scanner.close()
        booked = [e for e in events if e.outcome == "ok"]
        delays = sorted((e.at.replace(tzinfo=UTC) - datetime.fromtimestamp(sent[e.raw or ""], UTC))
                        .total_seconds() * 1000 for e in events)
        db.dispose()
    print(f"scans typed: {len(sent)} at {args.rate}/s; recorded: {len(events)} "
          f"(booked {len(booked)}, refused {len(events) - len(booked)}: beyond what PO-1001 "
          f"orders), lost: {len(sent) - len(events)}")
    print(f"scanner -> bridge -> app committed: median {statistics.median(delays):.1f} ms, "
          f"p95 {delays[int(len(delays) * 0.95) - 1]:.1f} ms, max {delays[-1]:.1f} ms")


if __name__ == "__main__":
    main()
