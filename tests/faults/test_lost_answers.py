"""Answers lost on the way back (the server committed, the handheld never heard): the
handheld resends with the same Idempotency-Key until it hears, and every move is in the
ledger exactly once."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults.conftest import Floor, count_ledger, wms_verify
from tests.faults.proxy import DroppingProxy
from tests.faults.resend import Answer, until_answered
from tests.support.figures import record
from tests.support.torture import size

pytestmark = pytest.mark.faults

MOVES = size("fault_moves", ci=300, torture=2000)
HANDHELDS = 4
DROP_SHARE = 0.3


def test_moves_whose_answers_are_lost_and_resent_are_each_made_exactly_once(
    floor: Floor, database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(13)
    quantities = [rng.randint(1, 5) for _ in range(MOVES)]
    began = time.monotonic()
    with DroppingProxy(floor.server.port, DROP_SHARE, seed=13) as proxy:

        def handheld(index: int) -> Answer:
            return until_answered(proxy.port, "/api/v1/moves", floor.move(quantities[index]),
                                  token=floor.token, key=f"lost-{index}")

        with ThreadPoolExecutor(HANDHELDS) as pool:
            answers = list(pool.map(handheld, range(MOVES)))
    seconds = time.monotonic() - began

    ledger = count_ledger(floor.db, "lost-")
    lost, duplicated = ledger.lost(len(answers)), ledger.duplicated()
    record(f"lost answers [{floor.db.dialect}]", moves=MOVES, requests=proxy.forwarded,
           drops=proxy.dropped, broken=proxy.failed,
           resent=sum(a.attempts - 1 for a in answers), lost=lost, duplicated=duplicated,
           seconds=seconds)
    assert [a.status for a in answers] == [201] * MOVES, {a.status for a in answers}
    assert proxy.dropped >= MOVES * DROP_SHARE / 2, "the proxy lost too few answers to matter"
    assert (lost, duplicated) == (0, 0)
    assert ledger.moves == ledger.stored_keys == MOVES
    assert ledger.units_moved == sum(quantities)
    assert ledger.differences == 0
    verified = wms_verify(database_url, tmp_path)
    assert verified.returncode == 0, verified.stderr
