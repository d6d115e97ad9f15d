"""Backups an administrator can count on: `wms backup` into the backup directory with
retention, `wms restore` that checks what it brings back, and `wms upgrade` that undoes a
failed migration; on PostgreSQL, migrations that two gateways start at once run once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text

from tests.support.builders import Builder
from wms import schema
from wms.backups import BackupError, backup_name, last_backup, list_backups, take_backup, to_keep
from wms.cli import main
from wms.config import Settings
from wms.db import Database
from wms.models import Move

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    return tmp_path / "second-disk" / "backups"


@pytest.fixture
def wms(database_url: str, backup_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"WMS_DATABASE_URL": database_url,
                            "WMS_BACKUP_DIR": str(backup_dir)})

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args))

    return run


def clean_failure(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert message in result.output
    assert "Traceback" not in result.output


def database_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def moves_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM moves").fetchone()[0])


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


@pytest.fixture
def stocked(build: Builder, db: Database) -> int:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", bins[0], 10)
    build.stock("CUP", bins[1], 5)
    db.dispose()
    return 4  # moves in the ledger


def at(text_: str) -> datetime:
    return datetime.strptime(text_, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_retention_keeps_the_newest_backup_of_each_recent_day_and_iso_week(
    tmp_path: Path
) -> None:
    # Two backups a day for 40 days, from Monday 2026-09-07 to Friday 2026-10-16.
    start = at("2026-09-07 02:30")
    backups = []
    for day in range(40):
        for hour in (0, 12):
            taken = start + timedelta(days=day, hours=hour)
            backups.append((tmp_path / backup_name(taken), taken))

    kept = sorted(taken for path, taken in backups if path in to_keep(backups, 7, 4))

    daily = [at(f"2026-10-{d:02d} 14:30") for d in range(10, 17)]
    # The newest of weeks 39, 40 and 41 (Sundays); week 42's newest is a daily one already.
    weekly = [at("2026-09-27 14:30"), at("2026-10-04 14:30"), at("2026-10-11 14:30")]
    assert kept == sorted({*daily, *weekly})


def test_retention_after_the_gateway_was_off_keeps_its_last_backups_not_none(
    tmp_path: Path
) -> None:
    old = [at("2026-01-05 02:30") + timedelta(days=d) for d in range(3)]
    backups = [(tmp_path / backup_name(t), t) for t in old]
    assert to_keep(backups, 7, 4) == {path for path, _ in backups}
    assert to_keep(backups, 0, 0) == {backups[-1][0]}


@SQLITE
def test_backup_without_a_path_writes_a_named_copy_into_the_backup_directory_and_prunes(
    wms: Any, stocked: int, backup_dir: Path
) -> None:
    backup_dir.mkdir(parents=True)
    old = [backup_dir / backup_name(at("2026-01-05 02:30") + timedelta(days=d))
           for d in range(3)]
    for path in old:
        path.write_bytes(b"")
    (backup_dir / "notes.txt").write_text("not a backup")
    before = datetime.now(UTC).replace(microsecond=0)

    result = wms("backup", "--keep-daily", "2", "--keep-weekly", "0")

    assert result.exit_code == 0, result.output
    newest = last_backup(Settings(backup_dir=str(backup_dir)))
    assert newest is not None
    path, taken = newest
    assert f"backed up to {path}" in result.output
    assert before <= taken <= datetime.now(UTC)
    assert moves_in(path) == stocked
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert f"deleted 2 older backup(s): {old[0].name}, {old[1].name}" in result.output
    assert [p for p, _ in list_backups(backup_dir)] == [old[2], path]
    assert (backup_dir / "notes.txt").exists()
    assert not [p for p in backup_dir.iterdir() if p.name.startswith(".")]


def test_last_backup_is_none_when_no_backup_was_taken(tmp_path: Path) -> None:
    assert last_backup(Settings(backup_dir=str(tmp_path / "nothing"))) is None


@SQLITE
def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(
    wms: Any, stocked: int, database_url: str, build: Builder, db: Database, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    assert wms("backup", str(copy)).exit_code == 0
    build.stock("CUP", "A-01-01-01", 3)  # more moves after the backup
    db.dispose()
    live = database_file(database_url)
    moves_before = moves_in(live)
    assert moves_before > stocked

    result = wms("restore", str(copy))

    assert result.exit_code == 0, result.output
    assert "the services must be stopped" in result.output
    assert f"restored {copy}\n" in result.output
    assert moves_in(live) == stocked
    aside = [p for p in live.parent.iterdir() if p.name.startswith("wms.sqlite3.replaced-")
             and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1
    assert f"the replaced database is kept at {aside[0]}" in result.output
    assert moves_in(aside[0]) == moves_before
    assert wms("verify").exit_code == 0


@SQLITE
def test_restore_refuses_a_backup_with_a_newer_schema_and_leaves_the_database_alone(
    wms: Any, stocked: int, database_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "from-the-future.sqlite3"
    assert wms("backup", str(copy)).exit_code == 0
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")

    clean_failure(wms("restore", str(copy)), "schema revision 0099, newer than this version")
    assert revision_of(database_file(database_url)) == schema.HEAD_REVISION
    assert moves_in(database_file(database_url)) == stocked


@SQLITE
def test_restore_refuses_a_damaged_backup(wms: Any, stocked: int, tmp_path: Path) -> None:
    copy = tmp_path / "damaged.sqlite3"
    assert wms("backup", str(copy)).exit_code == 0
    data = bytearray(copy.read_bytes())
    data[100:len(data) // 2] = b"\x5a" * (len(data) // 2 - 100)
    copy.write_bytes(bytes(data))

    result = wms("restore", str(copy))

    assert result.exit_code == 1, result.output
    assert "integrity check" in result.output or "not a readable SQLite" in result.output


@SQLITE
def test_restore_of_an_older_schema_migrates_it_up(wms: Any, database_url: str,
                                                   tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    schema.upgrade(f"sqlite:///{old}", "0007")
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    assert revision_of(old) == "0007"

    result = wms("restore", str(old))

    assert result.exit_code == 0, result.output
    assert f"migrated from schema 0007 to {schema.HEAD_REVISION}" in result.output
    assert revision_of(database_file(database_url)) == schema.HEAD_REVISION
    assert revision_of(old) == "0007"  # the backup itself is left as it was


@SQLITE
def test_restore_refuses_while_a_process_has_the_database_open(
    wms: Any, stocked: int, database_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    assert wms("backup", str(copy)).exit_code == 0
    live = database_file(database_url)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(live)!r})\n"
         "c.execute('SELECT count(*) FROM moves').fetchall()\n"
         "print('open', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        clean_failure(wms("restore", str(copy)), "is in use: stop the services first")
    finally:
        holder.communicate(timeout=10)
    assert moves_in(live) == stocked
    assert wms("restore", str(copy)).exit_code == 0


@POSTGRES
def test_restore_on_postgresql_points_at_pg_restore(wms: Any, tmp_path: Path) -> None:
    clean_failure(wms("restore", str(tmp_path / "x.sqlite3")), "pg_restore")


@SQLITE
def test_upgrade_backs_up_then_migrates(wms: Any, database_url: str,
                                        backup_dir: Path) -> None:
    live = database_file(database_url)
    live.unlink()
    schema.upgrade(database_url, "0008")

    result = wms("upgrade")

    assert result.exit_code == 0, result.output
    newest = last_backup(Settings(backup_dir=str(backup_dir)))
    assert newest is not None
    assert f"backed up to {newest[0]}; migrated from schema 0008 to " \
           f"{schema.HEAD_REVISION}" in result.output
    assert revision_of(newest[0]) == "0008"
    assert revision_of(live) == schema.HEAD_REVISION
    again = wms("upgrade")
    assert "nothing to migrate" in again.output
    assert len(list_backups(backup_dir)) == 1


@SQLITE
def test_upgrade_that_fails_brings_the_backup_back_and_exits_non_zero(
    wms: Any, database_url: str, backup_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = database_file(database_url)
    live.unlink()
    schema.upgrade(database_url, "0008")
    with sqlite3.connect(live) as conn:
        conn.execute("INSERT INTO customers (code, name) VALUES ('C1', 'Corner shop')")
    real_upgrade = schema.upgrade

    def half_then_fail(url: str, revision: str = "head") -> None:
        real_upgrade(url, revision)  # the schema changes, then something goes wrong
        with sqlite3.connect(database_file(url)) as conn:
            conn.execute("DELETE FROM customers")
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "upgrade", half_then_fail)

    result = wms("upgrade")

    clean_failure(result, "the migration from schema 0008 failed (disk full); the database "
                          "was brought back from the backup")
    assert revision_of(live) == "0008"
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT code FROM customers").fetchall() == [("C1",)]
    assert len(list_backups(backup_dir)) == 1


MIGRATE = "import sys\nfrom wms.schema import upgrade\nupgrade(sys.argv[1])\n"


@pytest.fixture
def empty_postgres(database_url: str) -> Iterator[str]:
    """A new, empty database on the test server (no schema at all)."""
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    name = f"e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def migrate_in_a_process(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", MIGRATE, url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@POSTGRES
def test_migrations_wait_for_the_advisory_lock_another_gateway_holds(
    empty_postgres: str
) -> None:
    holder = create_engine(empty_postgres)
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": schema.MIGRATION_LOCK_KEY})
        conn.commit()
        waiting = migrate_in_a_process(empty_postgres)
        time.sleep(3)
        assert waiting.poll() is None, waiting.communicate()
        assert schema.current_revision(empty_postgres) is None
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": schema.MIGRATION_LOCK_KEY})
        conn.commit()
    holder.dispose()
    _, errors = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, errors
    assert schema.current_revision(empty_postgres) == schema.HEAD_REVISION


@POSTGRES
def test_two_gateways_migrating_one_new_postgresql_at_once_both_start(
    empty_postgres: str
) -> None:
    gateways = [migrate_in_a_process(empty_postgres) for _ in range(2)]
    outcomes = [(g.wait(timeout=120), g.communicate()[1]) for g in gateways]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (schema.HEAD_REVISION,)]
        assert conn.scalar(select(func.count()).select_from(Move)) == 0
    engine.dispose()


@POSTGRES
def test_upgrade_on_postgresql_migrates_and_a_failure_is_rolled_back(
    empty_postgres: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"WMS_DATABASE_URL": empty_postgres})
    schema.upgrade(empty_postgres, "0008")
    real_upgrade = schema.upgrade

    def failing(url: str, revision: str = "head") -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "upgrade", failing)
    clean_failure(runner.invoke(main, ["upgrade"]),
                  "the migration from schema 0008 failed and its transaction was rolled back")
    assert schema.current_revision(empty_postgres) == "0008"

    monkeypatch.setattr(schema, "upgrade", real_upgrade)
    result = runner.invoke(main, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"migrated from schema 0008 to {schema.HEAD_REVISION}" in result.output
    assert "nothing to migrate" in runner.invoke(main, ["upgrade"]).output


@SQLITE
def test_two_backups_in_one_second_are_refused_clearly(database_url: str, stocked: int,
                                                       backup_dir: Path) -> None:
    settings = Settings(database_url=database_url, backup_dir=str(backup_dir))
    moment = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    first = take_backup(settings, moment)
    with pytest.raises(BackupError, match="a backup was taken this second already"):
        take_backup(settings, moment)
    assert first.name == "wms-20261130T023000Z.sqlite3"
