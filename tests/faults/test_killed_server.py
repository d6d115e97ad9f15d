"""Every server process (gunicorn master and workers) killed with SIGKILL at random moments
while handhelds scan, then started again: every move a handheld was told about is in the
ledger, none twice, and `wms verify` is clean."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from tests.faults.conftest import Floor, count_ledger, wms_verify
from tests.faults.resend import until_answered
from tests.support.figures import record
from tests.support.torture import size

pytestmark = pytest.mark.faults

KILLS = size("kills", ci=3, torture=30)
HANDHELDS = 4
JOIN_TIMEOUT_S = 180.0


def test_every_acknowledged_move_survives_the_server_being_killed_at_random_moments(
    floor: Floor, database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(31)
    stop = threading.Event()
    acknowledged: list[str] = []
    refused: list[tuple[str, int]] = []
    attempts = [0]
    lock = threading.Lock()
    problems: list[BaseException] = []

    def handheld(name: int) -> None:
        sent = 0
        try:
            while not stop.is_set() and sent < 100_000:
                key = f"kill-{name}-{sent}"
                answer = until_answered(floor.server.port, "/api/v1/moves",
                                        floor.move(1 + sent % 3), token=floor.token,
                                        key=key, attempts=400, within_s=150.0)
                sent += 1
                with lock:
                    attempts[0] += answer.attempts
                    if answer.status == 201:
                        acknowledged.append(key)
                    else:
                        refused.append((key, answer.status))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    threads = [threading.Thread(target=handheld, args=(i,), daemon=True)
               for i in range(HANDHELDS)]
    for thread in threads:
        thread.start()
    killed, restarts = 0, []
    began = time.monotonic()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 2.0))
            killed += floor.server.kill_all()
            restarts.append(floor.server.start())
        time.sleep(0.5)  # some moves on the last server before the handhelds stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=JOIN_TIMEOUT_S)
    seconds = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), "a handheld was still waiting"
    assert not problems, problems[0]

    ledger = count_ledger(floor.db, "kill-")
    lost = len(set(acknowledged) - ledger.keys)
    record(f"killed server [{floor.db.dialect}]", kills=KILLS, processes_killed=killed,
           acknowledged=len(acknowledged), requests=attempts[0],
           unanswered_sends=attempts[0] - len(acknowledged) - len(refused),
           lost=lost, duplicated=ledger.duplicated(),
           restart_max_s=max(restarts), seconds=seconds)
    assert not refused, refused[:5]
    assert killed >= KILLS * 3, "fewer server processes than a master and 2 workers"
    assert acknowledged, "no move was made"
    assert lost == 0
    assert ledger.duplicated() == 0
    assert ledger.moves == ledger.stored_keys == len(acknowledged)
    assert ledger.differences == 0
    verified = wms_verify(database_url, tmp_path)
    assert verified.returncode == 0, verified.stderr
