"""The real server under gunicorn over a small stocked warehouse, on SQLite and PostgreSQL,
and what the ledger holds for the moves a test asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.builders import Builder
from tests.support.live_server import LiveServer
from wms.db import Database
from wms.ledger import verify_balances, verify_empty_flags
from wms.models import IdempotencyRecord, Move

SKU = "CUP"
ON_HAND = 1_000_000


@dataclass
class Floor:
    """A warehouse with one item in plenty in `source`, an empty `target` (no capacity
    limits), an operator's token and the server."""

    db: Database
    source: str
    target: str
    token: str
    server: LiveServer

    def move(self, qty: int) -> dict[str, object]:
        return {"sku": SKU, "qty": qty, "from": self.source, "to": self.target}


@pytest.fixture
def floor(database_url: str, db: Database, build: Builder, tmp_path: Path) -> Iterator[Floor]:
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item(SKU)
    build.stock(SKU, source, ON_HAND)
    token = build.user("handheld", "operator")
    server = LiveServer(database_url, tmp_path)
    server.start()
    try:
        yield Floor(db, source, target, token, server)
    finally:
        server.stop()


@dataclass
class LedgerCount:
    """What the ledger holds for the keys a test sent."""

    stored_keys: int  # keys with a stored reply
    moves: int  # move rows in the ledger made by the handheld
    distinct_answered_moves: int  # move ids named by the stored replies
    units_moved: int
    differences: int  # verify_balances on the stored balances, and the bins' empty flags
    keys: set[str]  # the keys with a stored reply

    def lost(self, acknowledged: int) -> int:
        return max(acknowledged - self.stored_keys, 0)

    def duplicated(self) -> int:
        return self.moves - self.distinct_answered_moves


def count_ledger(db: Database, key_prefix: str) -> LedgerCount:
    """Read the stored replies of the keys starting with `key_prefix`, the handheld's moves
    (every move after the stocking one) and the balances' agreement with the ledger."""
    with db.read() as s:
        stored = s.execute(select(IdempotencyRecord.key, IdempotencyRecord.body)
                           .where(IdempotencyRecord.key.like(f"{key_prefix}%"))).all()
        answered = {move["id"] for _, body in stored for move in json.loads(body)["moves"]}
        moves, units = s.execute(select(func.count(), func.coalesce(func.sum(Move.qty), 0))
                                 .where(Move.user_id.is_not(None), Move.kind == "move")).one()
        differences = len(verify_balances(s)) + len(verify_empty_flags(s))
    return LedgerCount(len(stored), int(moves), len(answered), int(units), differences,
                       {key for key, _ in stored})


def wms_verify(database_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """`wms verify` as an operator runs it, over the test's database."""
    wms = Path(sys.executable).with_name("wms")
    return subprocess.run([str(wms), "verify"], cwd=workdir, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "WMS_DATABASE_URL": database_url},
                          timeout=120, check=False)
