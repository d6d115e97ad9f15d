"""Backups of a SQLite gateway and bringing one back.

A backup is one file in `Settings.backup_dir` named `wms-YYYYmmddTHHMMSSZ.sqlite3` (UTC): a
consistent copy taken with SQLite's backup API while the gateway keeps working, written under a
temporary name, checked, flushed to disk and only then renamed, so a file with that name is
always a whole backup. Retention keeps the newest backup of each of the last days and ISO weeks
that have one. A restore checks the copy, refuses a schema newer than this code, migrates an
older one up, and swaps it in for the database (the services stopped), keeping the replaced
database beside it.

On PostgreSQL the same promises hold with the server's client tools (`pg_dump`, `pg_restore`,
`psql`, found as `pg_tools` says): a backup is a custom-format dump of the `public` schema,
`wms-YYYYmmddTHHMMSSZ.pgdump`, read back whole before it gets its name. A restore reads the
dump's schema revision first, loads the dump in one transaction into a schema of its own
(`wms_incoming_<time>`), migrates that one up, and then swaps it for `public` in one short
transaction, keeping the replaced tables in the schema `wms_replaced_<time>`; it refuses while
other sessions are connected to the database (the gateways' services), unless forced."""

from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from wms import schema
from wms.config import Settings

BACKUP_NAME = re.compile(r"^wms-(\d{8}T\d{6}Z)\.(sqlite3|pgdump)$")
# The backup file's suffix for each engine.
SUFFIXES = {"sqlite": "sqlite3", "postgresql": "pgdump"}
STAMP = "%Y%m%dT%H%M%SZ"
KEEP_DAILY = 7
KEEP_WEEKLY = 4
SERVICES = "wms-web wms-printer wms-bridge wms-litestream"
POSTGRES_TOOLS = ("pg_dump", "pg_restore", "psql")
# SQLite's "dead man switch" byte in the -shm file: every connection that has the database
# open in WAL mode holds a shared lock on it for as long as it stays open.
_SHM_DMS_OFFSET = 128


class BackupError(Exception):
    """A backup, restore or upgrade that cannot be done; the message says why."""


@dataclass(frozen=True)
class Restored:
    """What a restore did: the revision the backup had, the one the database has now, and
    where the replaced database was kept: a file beside a SQLite database, a schema in a
    PostgreSQL one (None when there was none)."""

    backup_revision: str
    revision: str
    replaced: Path | None
    replaced_schema: str | None = None

    def kept(self) -> str | None:
        """Where the replaced database is, in words; None when there was none."""
        if self.replaced is not None:
            return f"the replaced database is kept at {self.replaced}"
        if self.replaced_schema is not None:
            return (f"the replaced tables are kept in the schema {self.replaced_schema} "
                    f"(not in later backups; once you are sure, DROP SCHEMA "
                    f"{self.replaced_schema} CASCADE)")
        return None


def engine_of(url: str) -> str:
    """`sqlite` or `postgresql`; a BackupError for any other database."""
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"wms backs up SQLite and PostgreSQL databases, not {backend}")
    return backend


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; a BackupError otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError("this is a PostgreSQL database, not a SQLite file")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(parsed.database)


def backup_name(taken_at: datetime, engine: str = "sqlite") -> str:
    return f"wms-{taken_at.astimezone(UTC).strftime(STAMP)}.{SUFFIXES[engine]}"


def list_backups(directory: Path, engine: str | None = None) -> list[tuple[Path, datetime]]:
    """The backups in `directory` (of one engine's databases, or of both), oldest first;
    other files are not backups."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file() and (engine is None or match[2] == SUFFIXES[engine]):
            found.append((path, datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)))
    return sorted(found, key=lambda entry: entry[1])


def last_backup(settings: Settings) -> tuple[Path, datetime] | None:
    """The newest backup of the gateway's database engine in the backup directory and when
    it was taken (UTC), or None."""
    backups = list_backups(Path(settings.backup_dir), engine_of(settings.database_url))
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
    """A new backup of the gateway's database in the backup directory."""
    engine = engine_of(settings.database_url)
    target = Path(settings.backup_dir) / backup_name(now or datetime.now(UTC), engine)
    if target.exists():
        raise BackupError(f"a backup was taken this second already: {target}")
    write_backup(settings, target)
    return target


def write_backup(settings: Settings, target: Path) -> None:
    """Back the gateway's database up to the new file `target`: a SQLite copy, or a
    PostgreSQL custom-format dump."""
    if engine_of(settings.database_url) == "postgresql":
        dump_database(settings, target)
    else:
        copy_database(sqlite_path(settings.database_url), target)


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
    backups = list_backups(Path(settings.backup_dir), engine_of(settings.database_url))
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
    return known_revision(path, str(rows[0][0]))


def known_revision(path: Path, revision: str) -> str:
    """`revision`, the one the backup `path` holds; a BackupError when this code does not
    know it (a newer wms took the backup)."""
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
            now: datetime | None = None, force: bool = False) -> Restored:
    """Replace the gateway's database with `backup`, migrated to this code's schema
    (`migrate` None: left at its own). A SQLite database is swapped for the file and kept as
    `<database>.replaced-YYYYmmddTHHMMSSZ` (with its write-ahead log); a PostgreSQL one as
    `restore_dump` says (`force`: disconnecting the other sessions first)."""
    if engine_of(settings.database_url) == "postgresql":
        return restore_dump(settings, backup, migrate, now, force)
    return _restore_sqlite(settings, backup, migrate, now)


def _restore_sqlite(settings: Settings, backup: Path, migrate: Callable[[str], None] | None,
                    now: datetime | None) -> Restored:
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
                _migrate_restored(migrate, f"sqlite:///{incoming}", revision)
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


def _migrate_restored(migrate: Callable[[str], None], url: str, revision: str) -> None:
    """Migrate the restored copy at `url` (not yet the gateway's database) up."""
    try:
        migrate(url)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the database as it was
        raise BackupError(f"the backup's migration from schema {revision} failed ({exc}); "
                          f"the database was left as it was") from exc


def upgrade_database(settings: Settings, migrate: Callable[[str], None] | None = None,
                     now: datetime | None = None, force: bool = False) -> str:
    """Migrate the database to this code's schema, backing it up first and bringing the
    backup back when the migration fails (a BackupError saying so), on SQLite and on
    PostgreSQL alike (`force`: disconnect the other sessions of a PostgreSQL database instead
    of refusing). What was done, in one line."""
    url = settings.database_url
    head = schema.HEAD_REVISION
    migrate = migrate or schema.upgrade
    engine = engine_of(url)
    if engine == "sqlite" and not sqlite_path(url).exists():
        migrate(url)
        return f"created the database at schema {head}"
    current = schema.current_revision(url)
    if current == head:
        return f"the database is at schema {head} already; nothing to migrate"
    if current is not None and current not in known_revisions():
        raise BackupError(f"the database has schema revision {current}, newer than this "
                          f"version of wms knows (it migrates up to {head})")
    if engine == "postgresql":
        if current is None:
            migrate(url)
            return f"created the database at schema {head}"
        with _pg_connection(url) as conn:
            _refuse_other_sessions(conn, force)
    else:
        with database_not_in_use(sqlite_path(url)):
            pass
    taken = take_backup(settings, now)
    try:
        migrate(url)
    except Exception as exc:  # noqa: BLE001 - any failure of a migration is undone
        restored = restore(settings, taken, migrate=None, now=now, force=force)
        where = (f"the half-migrated one is kept at {restored.replaced}"
                 if restored.replaced is not None else
                 f"the half-migrated tables are kept in the schema {restored.replaced_schema}")
        raise BackupError(
            f"the migration from schema {current} failed ({exc}); the database was brought "
            f"back from the backup {taken} ({where})") from exc
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


# PostgreSQL ------------------------------------------------------------------------------

_VERSION = re.compile(r"\b(\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class PgTools:
    """The PostgreSQL client programs of one installation and its major version."""

    bin_dir: Path
    major: int

    def __getitem__(self, name: str) -> str:
        return str(self.bin_dir / name)


def _tool_dirs(settings: Settings) -> list[Path]:
    """Where to look for the client programs: `WMS_PG_BIN_DIR` alone when it is set, else
    Debian's /usr/lib/postgresql/<major>/bin, newest first, then the PATH."""
    if settings.pg_bin_dir:
        return [Path(settings.pg_bin_dir)]
    found = glob.glob("/usr/lib/postgresql/*/bin")
    dirs = [Path(d) for d in sorted(found, key=lambda d: _major_of(Path(d).parent.name),
                                    reverse=True)]
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).parent)
    return dirs


def _major_of(name: str) -> int:
    match = _VERSION.search(name)
    return int(match[1]) if match else 0


def pg_tools(settings: Settings, server_major: int) -> PgTools:
    """pg_dump, pg_restore and psql of a major version at least the server's (an older
    pg_dump refuses a newer server); a BackupError saying what to install otherwise."""
    seen: list[int] = []
    for directory in _tool_dirs(settings):
        if not all((directory / name).is_file() for name in POSTGRES_TOOLS):
            continue
        answer = subprocess.run([str(directory / "pg_dump"), "--version"], capture_output=True,
                                text=True, check=False)
        major = _major_of(answer.stdout) if answer.returncode == 0 else 0
        if major >= server_major:
            return PgTools(directory, major)
        seen.append(major)
    if seen:
        raise BackupError(
            f"the PostgreSQL client programs found are version {max(seen)}, older than the "
            f"server ({server_major}): install postgresql-client-{server_major} (or set "
            f"WMS_PG_BIN_DIR to the bin directory of a newer one)")
    raise BackupError(
        f"the PostgreSQL client programs ({', '.join(POSTGRES_TOOLS)}) are not installed: "
        f"sudo apt-get install postgresql-client (version {server_major} or newer), or set "
        f"WMS_PG_BIN_DIR to the directory that holds them")


@contextmanager
def _pg_connection(url: str) -> Iterator[Connection]:
    """One connection to the database, closed afterwards (no pool left behind)."""
    from wms.db import create_db_engine

    engine = create_db_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise BackupError(f"the database cannot be reached: {exc}") from exc
    finally:
        engine.dispose()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The connection string the client programs take for `url`, and their environment
    (the password goes there, never on a command line other users can read)."""
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return conninfo, env


def _tools_for(settings: Settings) -> PgTools:
    with _pg_connection(settings.database_url) as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    return pg_tools(settings, server)


def _run(command: list[str], env: dict[str, str] | None = None,
         stdin: int | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, stdin=stdin,
                          check=False)
    if done.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def check_dump(tools: PgTools, path: Path) -> str:
    """The table of contents of the custom-format dump `path`, after reading every byte of
    it back (`pg_restore --list`, then a restore to nowhere); a BackupError when it is not a
    whole dump of a wms database."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        toc = _run([tools["pg_restore"], "--list", str(path)])
        _run([tools["pg_restore"], "--file", os.devnull, str(path)])
    except BackupError as exc:
        raise BackupError(f"{path} is not a readable pg_dump custom-format file: {exc}") \
            from exc
    if not re.search(r"^\d+; \d+ \d+ TABLE public alembic_version ", toc, re.MULTILINE):
        raise BackupError(f"{path} is not a wms database (no schema revision)")
    return toc


def dump_revision(tools: PgTools, path: Path) -> str:
    """The schema revision stamped in the dump `path` (its alembic_version row), read
    without restoring anything; a BackupError when it is newer than this code knows."""
    script = _run([tools["pg_restore"], "--data-only", "--schema", "public", "--table",
                   "alembic_version", "--file", "-", str(path)])
    rows: list[str] = []
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY public.alembic_version "):
            rows = [row for row in iter(lines.__next__, "\\.")]
            break
    if len(rows) != 1:
        raise BackupError(f"{path} is not a wms database (no schema revision)")
    return known_revision(path, rows[0].strip())


def dump_database(settings: Settings, target: Path) -> None:
    """Write a custom-format dump of the database's `public` schema to `target`, which must
    not exist: dumped under a temporary name (pg_dump reads one snapshot, so the gateways
    keep working), read back whole, flushed and renamed."""
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file")
    tools = _tools_for(settings)
    conninfo, env = _libpq(settings.database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _run([tools["pg_dump"], "--format", "custom", "--schema", "public", "--file",
              str(partial), "--dbname", conninfo], env)
        check_dump(tools, partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def other_sessions(conn: Connection) -> list[str]:
    """The other client sessions connected to this database, each as `name@address`."""
    rows = conn.execute(text(
        "SELECT coalesce(nullif(application_name, ''), 'pid ' || pid::text), "
        "coalesce(host(client_addr), 'local') FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' ORDER BY pid")).all()
    return [f"{name}@{address}" for name, address in rows]


def _refuse_other_sessions(conn: Connection, force: bool) -> None:
    """A BackupError while other sessions are connected to the database, or with `force`
    their disconnection (their services reconnect on their next request)."""
    others = other_sessions(conn)
    if not others:
        return
    if not force:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        raise BackupError(
            f"the database {database} is in use by {len(others)} other session(s) "
            f"({', '.join(others[:5])}): stop the services on every gateway that uses it "
            f"first (systemctl stop {SERVICES}), or pass --force to disconnect them")
    refused = conn.execute(text(
        "SELECT count(*) FILTER (WHERE NOT pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'")).scalar_one()
    conn.commit()
    if refused:
        raise BackupError(f"{refused} other session(s) could not be disconnected (another "
                          f"role's): stop the services on every gateway first")


def _schema_exists(conn: Connection, name: str) -> bool:
    return bool(conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :n"),
                             {"n": name}).scalar_one())


def _in_schema(url: str, name: str) -> str:
    """`url` with `name` first on the search path: its migrations and revision live there."""
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
        hide_password=False)


def restore_dump(settings: Settings, backup: Path,
                 migrate: Callable[[str], None] | None = schema.upgrade,
                 now: datetime | None = None, force: bool = False) -> Restored:
    """Replace the database's `public` schema with the dump `backup`, migrated to this code's
    schema (`migrate` None: left at its own), while no other session is connected (`force`:
    disconnect them). Loaded in one transaction into `wms_incoming_<time>`, migrated there,
    then swapped in: the live tables are untouched until the swap, which keeps them in
    `wms_replaced_<time>`."""
    url = settings.database_url
    tools = _tools_for(settings)
    toc = check_dump(tools, backup)
    revision = dump_revision(tools, backup)
    stamp = f"{(now or datetime.now(UTC)).astimezone(UTC):{STAMP}}".lower()
    incoming, live, aside = (f"wms_incoming_{stamp}", f"wms_live_{stamp}",
                             f"wms_replaced_{stamp}")
    with _pg_connection(url) as conn:
        _refuse_other_sessions(conn, force)
        if _schema_exists(conn, aside):
            raise BackupError(f"the schema {aside} exists already: wait a second and retry")
        conn.execute(text(f"DROP SCHEMA IF EXISTS {incoming} CASCADE"))
        conn.commit()
        has_public = _schema_exists(conn, "public")
    _load_dump(tools, url, backup, toc, incoming, live if has_public else None)
    try:
        if migrate is not None and revision != schema.HEAD_REVISION:
            _migrate_restored(migrate, _in_schema(url, incoming), revision)
        with _pg_connection(url) as conn:
            if force:
                _refuse_other_sessions(conn, force)
            now_at = conn.execute(text(f"SELECT version_num FROM {incoming}.alembic_version")
                                  ).scalar_one()
            if has_public:
                conn.execute(text(f"ALTER SCHEMA public RENAME TO {aside}"))
            conn.execute(text(f"ALTER SCHEMA {incoming} RENAME TO public"))
            conn.commit()
    except BaseException:
        with _pg_connection(url) as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {incoming} CASCADE"))
            conn.commit()
        raise
    return Restored(revision, str(now_at), None, aside if has_public else None)


def _load_dump(tools: PgTools, url: str, backup: Path, toc: str, incoming: str,
               live: str | None) -> None:
    """Load the dump into the new schema `incoming` in one transaction (psql --single-
    transaction): the live `public` steps aside as `live` for its length and comes back at
    its end, so a failure anywhere leaves the database as it was."""
    conninfo, env = _libpq(url)
    # Only the dump's objects in public, without public itself: this transaction makes it.
    entries = [line for line in toc.splitlines()
               if line and not line.startswith(";") and " SCHEMA - public " not in line
               and " COMMENT - SCHEMA public " not in line]
    before = (f"ALTER SCHEMA public RENAME TO {live}; " if live else "") + "CREATE SCHEMA public;"
    after = f"ALTER SCHEMA public RENAME TO {incoming};" + (
        f" ALTER SCHEMA {live} RENAME TO public;" if live else "")
    with (tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing,
          tempfile.TemporaryFile() as script_errors):
        listing.write("\n".join(entries) + "\n")
        listing.flush()
        script = subprocess.Popen(
            [tools["pg_restore"], "--no-owner", "--no-acl", "--schema", "public",
             "--use-list", listing.name, "--file", "-", str(backup)],
            stdout=subprocess.PIPE, stderr=script_errors)
        try:
            loaded = subprocess.run(
                [tools["psql"], "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
                 "--single-transaction", "--command", before, "--file", "-",
                 "--command", after, "--dbname", conninfo],
                stdin=script.stdout, capture_output=True, text=True, env=env, check=False)
        finally:
            assert script.stdout is not None
            script.stdout.close()
            script.wait()
        script_errors.seek(0)
        errors = script_errors.read().decode(errors="replace").strip()
    if script.returncode != 0:
        raise BackupError(f"pg_restore failed: {errors}")
    if loaded.returncode != 0:
        raise BackupError(f"the dump could not be loaded, and the database was left as it "
                          f"was: {loaded.stderr.strip()}")
