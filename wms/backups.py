"""Backups of a SQLite gateway and bringing one back.

A backup is one file in `Settings.backup_dir` named `wms-YYYYmmddTHHMMSSZ.sqlite3` (UTC): a
consistent copy taken with SQLite's backup API while the gateway keeps working, written under a
temporary name, checked, flushed to disk and only then renamed, so a file with that name is
always a whole backup. Retention keeps the newest backup of each of the last days and ISO weeks
that have one. A restore checks the copy, refuses a schema newer than this code, migrates an
older one up, and swaps it in for the database (the services stopped), keeping the replaced
database beside it. PostgreSQL is backed up and restored with pg_dump and pg_restore."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from wms import schema
from wms.config import Settings

BACKUP_NAME = re.compile(r"^wms-(\d{8}T\d{6}Z)\.sqlite3$")
STAMP = "%Y%m%dT%H%M%SZ"
KEEP_DAILY = 7
KEEP_WEEKLY = 4
SERVICES = "wms-web wms-printer wms-bridge"
POSTGRES_HINT = ("this is a PostgreSQL database: back it up with pg_dump "
                 "(pg_dump -Fc -f wms.dump DBNAME) and restore with pg_restore "
                 "(pg_restore --clean -d DBNAME wms.dump)")
# SQLite's "dead man switch" byte in the -shm file: every connection that has the database
# open in WAL mode holds a shared lock on it for as long as it stays open.
_SHM_DMS_OFFSET = 128


class BackupError(Exception):
    """A backup, restore or upgrade that cannot be done; the message says why."""


@dataclass(frozen=True)
class Restored:
    """What a restore did: the revision the backup had, the one the database has now, and
    where the replaced database was kept (None when there was none)."""

    backup_revision: str
    revision: str
    replaced: Path | None


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; a BackupError (pointing at pg_dump) otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(POSTGRES_HINT)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(parsed.database)


def backup_name(taken_at: datetime) -> str:
    return f"wms-{taken_at.astimezone(UTC).strftime(STAMP)}.sqlite3"


def list_backups(directory: Path) -> list[tuple[Path, datetime]]:
    """The backups in `directory`, oldest first; other files are not backups."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file():
            found.append((path, datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)))
    return sorted(found, key=lambda entry: entry[1])


def last_backup(settings: Settings) -> tuple[Path, datetime] | None:
    """The newest backup in the backup directory and when it was taken (UTC), or None."""
    backups = list_backups(Path(settings.backup_dir))
    return backups[-1] if backups else None


def copy_database(source: Path, target: Path) -> None:
    """Write a consistent copy of the SQLite database `source` to `target`, which must not
    exist: copied under a temporary name, checked, flushed and renamed."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        reader = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=30)
        writer = sqlite3.connect(partial)
        try:
            with writer:
                reader.backup(writer)
            writer.execute("PRAGMA journal_mode = DELETE")
        finally:
            reader.close()
            writer.close()
        check_integrity(partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def take_backup(settings: Settings, now: datetime | None = None) -> Path:
    """A new backup of the gateway's SQLite database in the backup directory."""
    source = sqlite_path(settings.database_url)
    target = Path(settings.backup_dir) / backup_name(now or datetime.now(UTC))
    if target.exists():
        raise BackupError(f"a backup was taken this second already: {target}")
    copy_database(source, target)
    return target


def to_keep(backups: Iterable[tuple[Path, datetime]], keep_daily: int = KEEP_DAILY,
            keep_weekly: int = KEEP_WEEKLY) -> set[Path]:
    """The newest backup of each of the `keep_daily` most recent days that have a backup and
    of each of the `keep_weekly` most recent ISO weeks that have one (so a gateway that was
    off for a fortnight keeps its last backups), and always the newest of all."""
    newest_of_day: dict[date, tuple[Path, datetime]] = {}
    newest_of_week: dict[tuple[int, int], tuple[Path, datetime]] = {}
    ordered = sorted(backups, key=lambda entry: entry[1])
    for entry in ordered:
        newest_of_day[entry[1].date()] = entry
        year, week, _ = entry[1].isocalendar()
        newest_of_week[(year, week)] = entry
    keep = {newest_of_day[day][0] for day in sorted(newest_of_day)[::-1][:max(keep_daily, 0)]}
    keep |= {newest_of_week[week][0]
             for week in sorted(newest_of_week)[::-1][:max(keep_weekly, 0)]}
    if ordered:
        keep.add(ordered[-1][0])
    return keep


def prune(settings: Settings, keep_daily: int = KEEP_DAILY,
          keep_weekly: int = KEEP_WEEKLY) -> list[Path]:
    """Delete the backups retention does not keep; returns the deleted files."""
    backups = list_backups(Path(settings.backup_dir))
    keep = to_keep(backups, keep_daily, keep_weekly)
    deleted = [path for path, _ in backups if path not in keep]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def check_integrity(path: Path) -> None:
    """A BackupError unless `path` is a SQLite database that passes its integrity check."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if result != ["ok"]:
        raise BackupError(f"{path} failed its integrity check: {'; '.join(result[:5])}")


def backup_revision(path: Path) -> str:
    """The schema revision stamped in a backup; a BackupError when it is newer than this
    code knows or the file is not a wms database."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a wms database (no schema revision)") from exc
    finally:
        conn.close()
    if len(rows) != 1:
        raise BackupError(f"{path} is not a wms database (no schema revision)")
    revision = str(rows[0][0])
    if revision not in known_revisions():
        raise BackupError(
            f"{path} has schema revision {revision}, newer than this version of wms knows "
            f"(it migrates up to {schema.HEAD_REVISION}): install the wms the backup was "
            f"taken with, or pick an older backup")
    return revision


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


@contextmanager
def database_not_in_use(database: Path) -> Iterator[None]:
    """Hold the writers' turn of `database` (the lock every write of the app takes first)
    while the body runs; a BackupError when a process writes to it or has it open."""
    lock_path = Path(f"{database}-writer.lock")
    in_use = BackupError(f"the database {database} is in use: stop the services first "
                         f"(systemctl stop {SERVICES})")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o660)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise in_use from exc
        if _open_elsewhere(database):
            raise in_use
        yield
    finally:
        os.close(fd)


def _open_elsewhere(database: Path) -> bool:
    shm = Path(f"{database}-shm")
    if not shm.exists():
        return False
    fd = os.open(shm, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_OFFSET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_OFFSET)
        return False
    finally:
        os.close(fd)


def restore(settings: Settings, backup: Path,
            migrate: Callable[[str], None] | None = schema.upgrade,
            now: datetime | None = None) -> Restored:
    """Replace the gateway's SQLite database with `backup`, migrated to this code's schema
    (`migrate` None: left at its own). The replaced database (with its write-ahead log) is
    kept as `<database>.replaced-YYYYmmddTHHMMSSZ`."""
    database = sqlite_path(settings.database_url)
    check_integrity(backup)
    revision = backup_revision(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    with database_not_in_use(database):
        incoming = database.with_name(f".{database.name}.restoring")
        for leftover in _with_logs(incoming):
            leftover.unlink(missing_ok=True)
        try:
            copy_database(backup, incoming)
            if migrate is not None and revision != schema.HEAD_REVISION:
                migrate(f"sqlite:///{incoming}")
                _checkpoint(incoming)
                check_integrity(incoming)
            _fsync(incoming)
            replaced = _move_aside(database, now or datetime.now(UTC))
            os.replace(incoming, database)
            _fsync(database.parent)
        finally:
            for leftover in _with_logs(incoming):
                leftover.unlink(missing_ok=True)
    return Restored(revision, revision if migrate is None else schema.HEAD_REVISION, replaced)


def upgrade_database(settings: Settings, migrate: Callable[[str], None] | None = None,
                     now: datetime | None = None) -> str:
    """Migrate the database to this code's schema, backing a SQLite database up first and
    bringing the backup back when the migration fails (a BackupError saying so). What was
    done, in one line."""
    url = settings.database_url
    head = schema.HEAD_REVISION
    migrate = migrate or schema.upgrade
    if make_url(url).get_backend_name() != "sqlite":
        current = schema.current_revision(url)
        if current == head:
            return f"the database is at schema {head} already; nothing to migrate"
        try:
            migrate(url)
        except Exception as exc:  # noqa: BLE001 - any failure of a migration is reported
            raise BackupError(f"the migration from schema {current} failed and its "
                              f"transaction was rolled back: {exc}") from exc
        return f"migrated from schema {current} to {head} (back up PostgreSQL with pg_dump)"
    database = sqlite_path(url)
    if not database.exists():
        migrate(url)
        return f"created the database at schema {head}"
    current = schema.current_revision(url)
    if current == head:
        return f"the database is at schema {head} already; nothing to migrate"
    if current is not None and current not in known_revisions():
        raise BackupError(f"the database has schema revision {current}, newer than this "
                          f"version of wms knows (it migrates up to {head})")
    with database_not_in_use(database):
        pass
    taken = take_backup(settings, now)
    try:
        migrate(url)
    except Exception as exc:  # noqa: BLE001 - any failure of a migration is undone
        restored = restore(settings, taken, migrate=None, now=now)
        raise BackupError(
            f"the migration from schema {current} failed ({exc}); the database was brought "
            f"back from the backup {taken} (the half-migrated one is kept at "
            f"{restored.replaced})") from exc
    return f"backed up to {taken}; migrated from schema {current} to {head}"


def _with_logs(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _move_aside(database: Path, now: datetime) -> Path | None:
    """Rename the database and its logs (a write-ahead log left beside the new file would be
    replayed into it) to `<name>.replaced-<stamp>`; the new name of the database, if any."""
    aside = database.with_name(f"{database.name}.replaced-{now.astimezone(UTC):{STAMP}}")
    kept = None
    for current, renamed in zip(_with_logs(database), _with_logs(aside), strict=True):
        if current.exists():
            os.replace(current, renamed)
            if current == database:
                kept = renamed
    return kept


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
