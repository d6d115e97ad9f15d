"""Litestream replicates the gateway's SQLite file while handhelds move stock through the
real server (which leaves the checkpoints to Litestream, WMS_LITESTREAM=1). The disk loses
the database, its write-ahead log and its shared memory; `litestream restore` and then
`wms restore` bring it back and `wms verify` is clean. What was lost (the RPO): after a clean
stop of Litestream, or once its sync interval passed after the last move, nothing; when the
disk fails at once (Litestream killed with it), at most the moves acknowledged within the
last sync intervals. The figures are recorded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import missing
from tests.faults.conftest import SKU, wms_verify
from tests.faults.resend import until_answered
from tests.support.builders import Builder
from tests.support.figures import record
from tests.support.live_server import LiveServer
from wms.db import Database
from wms.ledger import verify_balances
from wms.models import IdempotencyRecord

pytestmark = pytest.mark.faults

HANDHELDS = 3
WRITING_S = 3.0
SYNC_INTERVAL_S = 1.0
# Litestream 0.5 reads new frames of the write-ahead log every second (its monitor interval)
# and sends them to the replica every sync interval: what is older than both (with a second
# to spare on a busy machine) is on the replica.
AT_RISK_S = 1.0 + SYNC_INTERVAL_S + 1.0
ENDINGS = {
    "a sync interval after the last move": "wait",
    "Litestream stopped cleanly": "stop",
    "the disk failing at once": "at once",
}
LITESTREAM = Path(sys.executable).with_name("litestream")


def litestream() -> str:
    found = str(LITESTREAM) if LITESTREAM.is_file() else shutil.which("litestream")
    if found is None:
        missing("the litestream program is not installed (pip install '.[replication]', "
                "which the test extra includes)")
    assert found is not None
    return found


def wms(args: list[str], database_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("wms")), *args], cwd=workdir,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "WMS_DATABASE_URL": database_url})


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_litestream_replica_of_a_database_under_load_restores_what_it_promised(
    database_url: str, db: Database, build: Builder, tmp_path: Path, ending: str
) -> None:
    program = litestream()
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item(SKU)
    build.stock(SKU, source, 1_000_000)
    token = build.user("handheld", "operator")
    db.dispose()
    live = Path(database_url.removeprefix("sqlite:///"))
    config = tmp_path / "litestream.yml"
    replica = tmp_path / "second-disk" / "wms"
    config.write_text(f"dbs:\n  - path: {live}\n    replica:\n      type: file\n"
                      f"      path: {replica}\n      sync-interval: {SYNC_INTERVAL_S:g}s\n")
    log = (tmp_path / "litestream.log").open("wb")
    replicating = subprocess.Popen([program, "replicate", "-config", str(config)],
                                   stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = LiveServer(database_url, tmp_path, env={"WMS_LITESTREAM": "1"})
    acknowledged: list[tuple[str, float]] = []  # each move's key and when it was answered
    lock = threading.Lock()
    stop = threading.Event()
    problems: list[BaseException] = []

    def handheld(name: int) -> None:
        try:
            for n in range(1_000_000):
                if stop.is_set():
                    return
                key = f"replicated-{name}-{n}"
                answer = until_answered(server.port, "/api/v1/moves",
                                        {"sku": SKU, "qty": 1, "from": source, "to": target},
                                        token=token, key=key)
                assert answer.status == 201, answer.body
                with lock:
                    acknowledged.append((key, time.monotonic()))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    try:
        server.start()
        threads = [threading.Thread(target=handheld, args=(i,), daemon=True)
                   for i in range(HANDHELDS)]
        for thread in threads:
            thread.start()
        time.sleep(WRITING_S)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not problems, problems[0]
        if ENDINGS[ending] == "wait":
            server.stop()
            time.sleep(2 * SYNC_INTERVAL_S)  # Litestream's sync interval passes
        elif ENDINGS[ending] == "stop":
            replicating.send_signal(signal.SIGTERM)  # systemctl stop wms-litestream
            replicating.wait(timeout=30)
        wal_left = Path(f"{live}-wal").stat().st_size
        # The disk fails: Litestream dies with it, and the database's three files are gone.
        failed_at = time.monotonic()
        if replicating.poll() is None:
            replicating.send_signal(signal.SIGKILL)
            replicating.wait(timeout=10)
        server.stop()
    finally:
        stop.set()
        server.stop()
        if replicating.poll() is None:
            replicating.kill()
            replicating.wait(timeout=10)
    for lost_file in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):
        lost_file.unlink()

    began = time.monotonic()
    fetched = tmp_path / "from-replica.sqlite3"
    pulled = subprocess.run([program, "restore", "-config", str(config), "-o", str(fetched),
                             str(live)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    brought_back = wms(["restore", str(fetched)], database_url, tmp_path)
    assert brought_back.returncode == 0, brought_back.stdout + brought_back.stderr
    restore_s = time.monotonic() - began
    verified = wms_verify(database_url, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    after = Database(database_url)
    try:
        with after.read() as session:
            assert verify_balances(session) == []
            present = set(session.scalars(select(IdempotencyRecord.key)
                                          .where(IdempotencyRecord.key.like("replicated-%"))))
    finally:
        after.dispose()
    lost = [(key, at) for key, at in acknowledged if key not in present]
    last_s = [failed_at - at for _, at in lost]
    record(f"Litestream replica under load, database destroyed, restored: {ending} [sqlite]",
           acknowledged=len(acknowledged), restored=len(present), lost=len(lost),
           oldest_lost_s=max(last_s, default=0.0), sync_interval_s=SYNC_INTERVAL_S,
           wal_bytes_at_loss=wal_left, restore_seconds=restore_s)
    assert len(acknowledged) >= 20, "too few moves were made while Litestream replicated"
    assert present <= {key for key, _ in acknowledged}  # nothing never acknowledged
    if ENDINGS[ending] == "at once":
        assert max(last_s, default=0.0) < AT_RISK_S
    else:
        assert lost == []
    assert os.path.getsize(live) > 0
