"""The real app under gunicorn (`wms serve`, 2 workers x 4 threads) on 127.0.0.1, in a
process group of its own so that every server process, master and workers, can be killed at
once (SIGKILL, as a power cut or the OOM killer would) and started again on the same port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_group(pgid: int) -> list[int]:
    """The live processes of a process group (zombies left out)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(int(entry))
    return members


class LiveServer:
    """`wms serve` over one database; `kill_all` and `start` may be repeated."""

    def __init__(self, database_url: str, workdir: Path, *, workers: int = 2,
                 threads: int = 4, env: Mapping[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = dict(env or {})  # more WMS_* settings (WMS_GATEWAY, ...)
        self.workdir = workdir
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> float:
        """Start the server and wait until it answers; returns the seconds that took."""
        assert self.process is None or self.process.poll() is not None, "already running"
        env = {**os.environ, "WMS_DATABASE_URL": self.database_url,
               "WMS_CONFIG_PATH": str(self.workdir / "wms.toml"),
               "WMS_SECRET_KEY": "fault-secret", **self.env}
        wms = Path(sys.executable).with_name("wms")
        self.starts += 1
        log = (self.workdir / f"server-{self.starts}.log").open("wb")
        began = time.monotonic()
        self.process = subprocess.Popen(
            [str(wms), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", str(self.threads)],
            cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = began + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}; "
                                     f"see {self.workdir}/server-{self.starts}.log")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2):
                    if len(process_group(self.process.pid)) > self.workers:
                        return time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not answer within {START_TIMEOUT_S} s")

    def kill_all(self) -> int:
        """SIGKILL every process of the server at once; returns how many there were."""
        assert self.process is not None
        pgid = self.process.pid
        victims = process_group(pgid)
        os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while process_group(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not process_group(pgid), "server processes outlived SIGKILL"
        return len(victims)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL when it does not go)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill_all()
