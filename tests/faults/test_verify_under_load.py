"""`wms verify` run again and again while handhelds make moves through the server: it never
reports a difference that is not there."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.faults.conftest import Floor, count_ledger, wms_verify
from tests.faults.resend import until_answered
from tests.support.figures import record
from tests.support.torture import size
from wms.db import Database
from wms.ledger import verify_balances, verify_empty_flags

pytestmark = pytest.mark.faults

RUNS = size("verify_runs", ci=20, torture=300)
COMMAND_RUNS = size("verify_command_runs", ci=2, torture=20)
HANDHELDS = 4
JOIN_TIMEOUT_S = 120.0


def test_verify_finds_ledger_and_balances_agree_while_moves_are_being_made(
    floor: Floor, database_url: str, tmp_path: Path
) -> None:
    stop = threading.Event()
    made = [0]
    lock = threading.Lock()
    problems: list[BaseException] = []

    def handheld(name: int) -> None:
        try:
            for n in range(100_000):
                if stop.is_set():
                    return
                answer = until_answered(floor.server.port, "/api/v1/moves",
                                        floor.move(1 + n % 4), token=floor.token,
                                        key=f"verify-{name}-{n}")
                assert answer.status == 201, answer.body
                with lock:
                    made[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    threads = [threading.Thread(target=handheld, args=(i,), daemon=True)
               for i in range(HANDHELDS)]
    for thread in threads:
        thread.start()
    command_at = {i * RUNS // COMMAND_RUNS for i in range(COMMAND_RUNS)}
    reports: list[int] = []
    failed_commands: list[str] = []
    database = Database(database_url)
    began = time.monotonic()
    try:
        for run in range(RUNS):
            with database.read() as session:
                reports.append(len(verify_balances(session))
                               + len(verify_empty_flags(session)))
            if run in command_at:
                verified = wms_verify(database_url, tmp_path)
                if verified.returncode != 0:
                    failed_commands.append(verified.stderr)
        moves_during = made[0]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=JOIN_TIMEOUT_S)
        database.dispose()
    seconds = time.monotonic() - began
    assert not problems, problems[0]

    record(f"verify under load [{floor.db.dialect}]", verify_runs=RUNS,
           command_runs=COMMAND_RUNS, moves_meanwhile=moves_during,
           runs_with_differences=sum(1 for r in reports if r) + len(failed_commands),
           seconds=seconds)
    assert moves_during >= RUNS // 2, "too few moves were made while verify ran"
    assert reports == [0] * RUNS
    assert failed_commands == []
    ledger = count_ledger(floor.db, "verify-")
    assert ledger.moves == ledger.stored_keys == ledger.distinct_answered_moves
    assert ledger.differences == 0
