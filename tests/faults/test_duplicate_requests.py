"""The same scan sent twice at the same moment (a handheld resending while its first request
is still being served): one change, and both sends get the same answer."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import Floor, count_ledger, wms_verify
from tests.faults.resend import call, until_answered
from tests.support.builders import Builder
from tests.support.concurrency import run_together
from tests.support.figures import record
from tests.support.torture import size

pytestmark = pytest.mark.faults

TRIALS = size("duplicate_trials", ci=20, torture=300)
ALL_OF_IT = 7  # units of MUG, moved whole from one bin to the other by each trial


def test_the_same_move_sent_twice_at_once_is_made_once_and_both_sends_hear_the_same(
    floor: Floor, build: Builder, database_url: str, tmp_path: Path
) -> None:
    build.item("MUG")
    build.stock("MUG", floor.source, ALL_OF_IT)
    conflicts = 0
    pairs: list[tuple[tuple[int, Any], tuple[int, Any]]] = []
    began = time.monotonic()
    lock = threading.Lock()
    for trial in range(TRIALS):
        # Each trial moves all of MUG, so the later send could not be made a second time
        # even if the key were ignored: it must be answered from the first one's reply.
        there, back = (floor.source, floor.target) if trial % 2 == 0 else \
            (floor.target, floor.source)
        body = {"sku": "MUG", "qty": ALL_OF_IT, "from": there, "to": back}
        key = f"twice-{trial}"

        def send(body: dict[str, Any] = body, key: str = key) -> tuple[int, Any]:
            nonlocal conflicts
            status, answer = call(floor.server.port, "POST", "/api/v1/moves",
                                  token=floor.token, body=body, key=key)
            if status == 409 and answer["error"]["code"] == "conflict":
                with lock:
                    conflicts += 1
                retried = until_answered(floor.server.port, "/api/v1/moves", body,
                                         token=floor.token, key=key)
                return retried.status, retried.body
            return status, answer

        first, second = run_together([send, send], seed=trial, max_jitter_s=0.002)
        pairs.append((first, second))
    seconds = time.monotonic() - began

    ledger = count_ledger(floor.db, "twice-")
    different = sum(1 for a, b in pairs if a != b)
    record(f"duplicate sends [{floor.db.dialect}]", trials=TRIALS, requests=2 * TRIALS,
           conflicts_retried=conflicts, different_answers=different,
           lost=ledger.lost(TRIALS), duplicated=ledger.duplicated(), seconds=seconds)
    assert different == 0, [p for p in pairs if p[0] != p[1]][:3]
    assert {a[0] for a, _ in pairs} == {201}
    assert ledger.moves == ledger.stored_keys == ledger.distinct_answered_moves == TRIALS
    assert ledger.units_moved == TRIALS * ALL_OF_IT
    assert ledger.differences == 0
    verified = wms_verify(database_url, tmp_path)
    assert verified.returncode == 0, verified.stderr
