"""The gateway's disk loses the database while handhelds keep moving stock: a backup taken
under load brings it back, the ledger and balances agree, and every move acknowledged before
the backup began is there. What was acknowledged after it is lost, and counted (the RPO)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.faults.conftest import wms_verify
from tests.support.builders import Builder
from tests.support.figures import record
from wms.backups import restore, take_backup
from wms.config import Settings
from wms.db import Database
from wms.ledger import verify_balances
from wms.models import Move
from wms.services.moving import move_stock

pytestmark = pytest.mark.faults

HANDHELDS = 2
WRITING_S = 0.5  # of moves before the backup, and again after it


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_under_load_restores_every_move_acknowledged_before_it_began(
    database_url: str, db: Database, build: Builder, tmp_path: Path
) -> None:
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP")
    build.stock("CUP", source, 1_000_000)
    settings = Settings(database_url=database_url, backup_dir=str(tmp_path / "backups"))
    acknowledged: list[str] = []  # references of the moves whose commit returned, in order
    lock = threading.Lock()
    stop = threading.Event()
    problems: list[BaseException] = []

    def handheld(name: int) -> None:
        try:
            for n in range(1_000_000):
                if stop.is_set():
                    return
                reference = f"load-{name}-{n}"
                db.transaction(lambda s, r=reference: move_stock(
                    s, sku="CUP", qty=1, from_code=source, to_code=target, user_id=None,
                    reference=r))
                with lock:
                    acknowledged.append(reference)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    threads = [threading.Thread(target=handheld, args=(i,), daemon=True)
               for i in range(HANDHELDS)]
    for thread in threads:
        thread.start()
    time.sleep(WRITING_S)
    with lock:
        promised = list(acknowledged)
    began = time.monotonic()
    backup = take_backup(settings)
    backup_s = time.monotonic() - began
    with lock:
        by_the_end_of_backup = len(acknowledged)
    time.sleep(WRITING_S)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not problems, problems[0]
    db.dispose()  # the services are stopped (the disk failed under them)

    live = Path(database_url.removeprefix("sqlite:///"))
    size = live.stat().st_size
    live.write_bytes(b"\0" * size)  # the database file is destroyed
    restored = restore(settings, backup)
    assert restored.replaced is not None

    after = Database(database_url)
    try:
        with after.read() as session:
            assert verify_balances(session) == []
            present = set(session.scalars(select(Move.reference)
                                          .where(Move.reference.like("load-%"))))
    finally:
        after.dispose()
    verified = wms_verify(database_url, tmp_path)
    assert verified.returncode == 0, verified.stderr

    missing_promised = [r for r in promised if r not in present]
    lost = [r for r in acknowledged if r not in present]
    record("backup under load, database destroyed, restored [sqlite]",
           acknowledged=len(acknowledged), before_backup=len(promised),
           during_backup=by_the_end_of_backup - len(promised),
           after_backup=len(acknowledged) - by_the_end_of_backup,
           restored=len(present), lost_of_promised=len(missing_promised),
           lost_after_backup_began=len(lost), backup_seconds=backup_s)
    assert len(promised) > 0 and len(acknowledged) > by_the_end_of_backup, \
        "too few moves were made around the backup"
    assert missing_promised == []
    assert present <= set(acknowledged)  # nothing restored that was never acknowledged
    assert len(lost) >= len(acknowledged) - by_the_end_of_backup
