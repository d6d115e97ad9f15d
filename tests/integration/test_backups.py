"""Backups an administrator can count on, on SQLite and on PostgreSQL (pg_dump): `wms backup`
into the backup directory with retention, `wms restore` that checks what it brings back, and
`wms upgrade` that undoes a failed migration; on PostgreSQL, migrations that two gateways
start at once run once, and a restore waits for the other gateways to be stopped."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text

from tests.support.builders import Builder
from tests.support.postgres import scratch_database
from wms import backups, schema
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
    with scratch_database(database_url, "e") as url:
        yield url


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


@SQLITE
def test_two_backups_in_one_second_are_refused_clearly(database_url: str, stocked: int,
                                                       backup_dir: Path) -> None:
    settings = Settings(database_url=database_url, backup_dir=str(backup_dir))
    moment = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    first = take_backup(settings, moment)
    with pytest.raises(BackupError, match="a backup was taken this second already"):
        take_backup(settings, moment)
    assert first.name == "wms-20261130T023000Z.sqlite3"


# PostgreSQL: the same promises with pg_dump, pg_restore and psql.

def pg_scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def pg_moves(url: str, schema_name: str = "public") -> int:
    return int(pg_scalar(url, f"SELECT count(*) FROM {schema_name}.moves"))


def pg_schemas(url: str, prefix: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT nspname FROM pg_namespace WHERE nspname "
                                          "LIKE :p ORDER BY nspname"), {"p": f"{prefix}%"}))
    finally:
        engine.dispose()


def dump_revision_of(path: Path, database_url: str) -> str:
    tools = backups.pg_tools(Settings(database_url=database_url), 0)
    return backups.dump_revision(tools, path)


@POSTGRES
def test_backup_on_postgresql_writes_a_checked_dump_into_the_backup_directory_and_prunes(
    wms: Any, stocked: int, backup_dir: Path, database_url: str
) -> None:
    backup_dir.mkdir(parents=True)
    old = [backup_dir / backup_name(at("2026-01-05 02:30") + timedelta(days=d), "postgresql")
           for d in range(3)]
    for path in old:
        path.write_bytes(b"")
    sqlite_backup = backup_dir / backup_name(at("2026-01-01 02:30"))
    sqlite_backup.write_bytes(b"")  # from before the gateway moved to PostgreSQL
    before = datetime.now(UTC).replace(microsecond=0)

    result = wms("backup", "--keep-daily", "2", "--keep-weekly", "0")

    assert result.exit_code == 0, result.output
    newest = last_backup(Settings(database_url=database_url, backup_dir=str(backup_dir)))
    assert newest is not None
    path, taken = newest
    assert path.name.endswith(".pgdump")
    assert f"backed up to {path}" in result.output
    assert before <= taken <= datetime.now(UTC)
    listing = subprocess.run([backups.pg_tools(Settings(), 0)["pg_restore"], "--list",
                              str(path)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public moves" in listing
    assert dump_revision_of(path, database_url) == schema.HEAD_REVISION
    assert f"deleted 2 older backup(s): {old[0].name}, {old[1].name}" in result.output
    assert [p for p, _ in list_backups(backup_dir)] == [sqlite_backup, old[2], path]
    assert not [p for p in backup_dir.iterdir() if p.name.startswith(".")]


@POSTGRES
def test_restore_on_postgresql_brings_back_the_dump_and_keeps_the_replaced_tables(
    wms: Any, stocked: int, database_url: str, build: Builder, db: Database, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.pgdump"
    assert wms("backup", str(copy)).exit_code == 0
    build.stock("CUP", "A-01-01-01", 3)  # more moves after the backup
    db.dispose()
    moves_before = pg_moves(database_url)
    assert moves_before > stocked

    result = wms("restore", str(copy))

    assert result.exit_code == 0, result.output
    assert f"restored {copy}\n" in result.output
    assert pg_moves(database_url) == stocked
    aside = pg_schemas(database_url, "wms_replaced_")
    assert len(aside) == 1
    assert f"the replaced tables are kept in the schema {aside[0]}" in result.output
    assert pg_moves(database_url, aside[0]) == moves_before
    assert pg_schemas(database_url, "wms_incoming_") == []
    build.stock("CUP", "A-01-01-01", 3)  # the restored sequences hand out unused ids
    db.dispose()
    assert pg_moves(database_url) == moves_before
    assert wms("verify").exit_code == 0


@POSTGRES
def test_restore_on_postgresql_refuses_a_dump_with_a_newer_schema_and_changes_nothing(
    wms: Any, stocked: int, database_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "from-the-future.pgdump"
    pg_scalar(database_url, "UPDATE alembic_version SET version_num = '0099' RETURNING 1")
    assert wms("backup", str(copy)).exit_code == 0
    pg_scalar(database_url, f"UPDATE alembic_version SET version_num = "
                            f"'{schema.HEAD_REVISION}' RETURNING 1")

    clean_failure(wms("restore", str(copy)), "schema revision 0099, newer than this version")
    assert schema.current_revision(database_url) == schema.HEAD_REVISION
    assert pg_moves(database_url) == stocked
    assert pg_schemas(database_url, "wms_") == []


@POSTGRES
def test_restore_on_postgresql_refuses_a_damaged_dump(
    wms: Any, stocked: int, database_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "damaged.pgdump"
    assert wms("backup", str(copy)).exit_code == 0
    data = copy.read_bytes()
    copy.write_bytes(data[:len(data) * 2 // 3])  # the network share dropped the end

    clean_failure(wms("restore", str(copy)), "is not a readable pg_dump custom-format file")
    assert pg_moves(database_url) == stocked


@POSTGRES
def test_restore_on_postgresql_of_an_older_schema_migrates_it_up(
    wms: Any, database_url: str, empty_postgres: str, tmp_path: Path
) -> None:
    schema.upgrade(empty_postgres, "0007")
    old = tmp_path / "old.pgdump"
    backups.write_backup(Settings(database_url=empty_postgres), old)
    assert dump_revision_of(old, database_url) == "0007"

    result = wms("restore", str(old))

    assert result.exit_code == 0, result.output
    assert f"migrated from schema 0007 to {schema.HEAD_REVISION}" in result.output
    assert schema.current_revision(database_url) == schema.HEAD_REVISION
    assert pg_schemas(database_url, "wms_incoming_") == []
    assert wms("verify").exit_code == 0


@POSTGRES
def test_restore_on_postgresql_whose_migration_fails_leaves_the_live_tables_untouched(
    stocked: int, database_url: str, empty_postgres: str, tmp_path: Path
) -> None:
    schema.upgrade(empty_postgres, "0007")
    old = tmp_path / "old.pgdump"
    backups.write_backup(Settings(database_url=empty_postgres), old)

    def migration_that_fails(url: str) -> None:
        schema.upgrade(url, "0008")  # one step commits in the incoming schema, then
        raise RuntimeError("disk full")

    with pytest.raises(BackupError, match=r"migration from schema 0007 failed \(disk full\); "
                                          "the database was left as it was"):
        backups.restore(Settings(database_url=database_url), old, migrate=migration_that_fails)

    assert schema.current_revision(database_url) == schema.HEAD_REVISION
    assert pg_moves(database_url) == stocked
    assert pg_schemas(database_url, "wms_") == []


@POSTGRES
def test_restore_on_postgresql_refuses_while_another_session_is_connected_unless_forced(
    wms: Any, stocked: int, database_url: str, build: Builder, db: Database, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.pgdump"
    assert wms("backup", str(copy)).exit_code == 0
    build.stock("CUP", "A-01-01-01", 3)
    db.dispose()
    moves_before = pg_moves(database_url)
    other_gateway = create_engine(database_url, connect_args={"application_name": "gw2"})
    conn = other_gateway.connect()
    try:
        conn.execute(text("SELECT 1"))
        clean_failure(wms("restore", str(copy)),
                      "in use by 1 other session(s) (gw2@127.0.0.1): stop the services")
        assert pg_moves(database_url) == moves_before

        result = wms("restore", "--force", str(copy))

        assert result.exit_code == 0, result.output
        assert pg_moves(database_url) == stocked
        with pytest.raises(Exception, match="terminat"):
            conn.execute(text("SELECT 1"))
    finally:
        conn.invalidate()
        other_gateway.dispose()


@POSTGRES
def test_upgrade_on_postgresql_backs_up_then_migrates(
    empty_postgres: str, backup_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"WMS_DATABASE_URL": empty_postgres,
                            "WMS_BACKUP_DIR": str(backup_dir)})
    schema.upgrade(empty_postgres, "0008")

    result = runner.invoke(main, ["upgrade"])

    assert result.exit_code == 0, result.output
    newest = last_backup(Settings(database_url=empty_postgres, backup_dir=str(backup_dir)))
    assert newest is not None
    assert f"backed up to {newest[0]}; migrated from schema 0008 to " \
           f"{schema.HEAD_REVISION}" in result.output
    assert dump_revision_of(newest[0], empty_postgres) == "0008"
    assert schema.current_revision(empty_postgres) == schema.HEAD_REVISION
    assert "nothing to migrate" in runner.invoke(main, ["upgrade"]).output
    assert len(list_backups(backup_dir)) == 1


@POSTGRES
def test_upgrade_on_postgresql_that_fails_brings_the_backup_back_and_exits_non_zero(
    empty_postgres: str, backup_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"WMS_DATABASE_URL": empty_postgres,
                            "WMS_BACKUP_DIR": str(backup_dir)})
    schema.upgrade(empty_postgres, "0008")
    pg_scalar(empty_postgres, "INSERT INTO customers (code, name) VALUES ('C1', 'Corner shop') "
                              "RETURNING 1")
    real_upgrade = schema.upgrade

    def half_then_fail(url: str, revision: str = "head") -> None:
        real_upgrade(url, revision)  # the schema changes and commits, then something fails
        pg_scalar(url, "DELETE FROM customers RETURNING 1")
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "upgrade", half_then_fail)

    result = runner.invoke(main, ["upgrade"])

    clean_failure(result, "the migration from schema 0008 failed (disk full); the database "
                          "was brought back from the backup")
    assert schema.current_revision(empty_postgres) == "0008"
    assert pg_scalar(empty_postgres, "SELECT string_agg(code, ',') FROM customers") == "C1"
    half = pg_schemas(empty_postgres, "wms_replaced_")
    assert len(half) == 1 and f"kept in the schema {half[0]}" in result.output
    assert len(list_backups(backup_dir)) == 1


@POSTGRES
def test_backup_on_postgresql_without_its_client_programs_says_what_to_install(
    wms: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    backup_dir: Path
) -> None:
    monkeypatch.setenv("WMS_PG_BIN_DIR", str(tmp_path / "nowhere"))
    clean_failure(wms("backup"), "are not installed: sudo apt-get install postgresql-client")

    old = tmp_path / "old-client"
    old.mkdir()
    for name in ("pg_dump", "pg_restore", "psql"):
        tool = old / name
        tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
        tool.chmod(0o755)
    monkeypatch.setenv("WMS_PG_BIN_DIR", str(old))
    server = int(pg_scalar(database_url, "SHOW server_version_num")) // 10000
    clean_failure(wms("backup"), f"version 9, older than the server ({server}): install "
                                 f"postgresql-client-{server}")
    assert list_backups(backup_dir) == []
