"""The gateway's disk loses the database while handhelds keep moving stock (on PostgreSQL:
someone drops its tables): a backup taken under load brings it back, the ledger and balances
agree, and every move acknowledged before the backup began is there. What was acknowledged
after it is lost, and counted (the RPO)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

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


@dataclass
class UnderLoad:
    """What the handhelds had acknowledged around the backup, in order of their commits."""

    backup: Path
    promised: list[str]  # acknowledged before the backup began
    by_the_end_of_backup: int
    acknowledged: list[str]  # all of them, when the writing stopped
    backup_s: float


def back_up_under_load(db: Database, settings: Settings, source: str,
                       target: str) -> UnderLoad:
    """Handhelds move stock, one unit a move, while a backup is taken; then they keep
    moving for as long again and stop."""
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
    return UnderLoad(backup, promised, by_the_end_of_backup, acknowledged, backup_s)


def check_restored(database_url: str, load: UnderLoad, tmp_path: Path, engine: str) -> None:
    """The restored database agrees with its ledger, `wms verify` is clean, and every move
    acknowledged before the backup began is in it; the figures are recorded."""
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

    promised, acknowledged = load.promised, load.acknowledged
    missing_promised = [r for r in promised if r not in present]
    lost = [r for r in acknowledged if r not in present]
    record(f"backup under load, database destroyed, restored [{engine}]",
           acknowledged=len(acknowledged), before_backup=len(promised),
           during_backup=load.by_the_end_of_backup - len(promised),
           after_backup=len(acknowledged) - load.by_the_end_of_backup,
           restored=len(present), lost_of_promised=len(missing_promised),
           lost_after_backup_began=len(lost), backup_seconds=load.backup_s)
    assert len(promised) > 0 and len(acknowledged) > load.by_the_end_of_backup, \
        "too few moves were made around the backup"
    assert missing_promised == []
    assert present <= set(acknowledged)  # nothing restored that was never acknowledged
    assert len(lost) >= len(acknowledged) - load.by_the_end_of_backup


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_backup_under_load_restores_every_move_acknowledged_before_it_began(
    database_url: str, db: Database, build: Builder, tmp_path: Path
) -> None:
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP")
    build.stock("CUP", source, 1_000_000)
    settings = Settings(database_url=database_url, backup_dir=str(tmp_path / "backups"))
    load = back_up_under_load(db, settings, source, target)

    live = Path(database_url.removeprefix("sqlite:///"))
    size = live.stat().st_size
    live.write_bytes(b"\0" * size)  # the database file is destroyed
    restored = restore(settings, load.backup)
    assert restored.replaced is not None

    check_restored(database_url, load, tmp_path, "sqlite")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pg_dump_under_load_restores_every_move_acknowledged_before_it_began(
    database_url: str, db: Database, build: Builder, tmp_path: Path
) -> None:
    source, target = build.warehouse("WH1", bins=2, capacity=None)
    build.item("CUP")
    build.stock("CUP", source, 1_000_000)
    settings = Settings(database_url=database_url, backup_dir=str(tmp_path / "backups"))
    load = back_up_under_load(db, settings, source, target)
    assert load.backup.name.endswith(".pgdump")

    engine = create_engine(database_url)
    with engine.begin() as conn:  # the tables are destroyed
        tables = conn.scalars(text("SELECT tablename FROM pg_tables "
                                   "WHERE schemaname = 'public'")).all()
        assert "moves" in tables
        conn.execute(text(f"DROP TABLE {', '.join(tables)} CASCADE"))
    engine.dispose()
    restored = restore(settings, load.backup)
    assert restored.replaced_schema is not None

    check_restored(database_url, load, tmp_path, "postgresql")
