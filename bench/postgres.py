"""The report benches on PostgreSQL: a server (one given by URL, or a local one the bench
starts from the system's binaries with its files kept under `--db-dir`), and a copy of a
bench's SQLite database in it.

The copy's schema is made by the project's migrations (`wms.schema.upgrade`, as the app
makes it); then every table the SQLite file holds is copied with COPY, column by column as
the file has them (so a new column travels without a change here), in foreign-key order;
the sequences are set past the highest id, and VACUUM ANALYZE leaves the tables as
autovacuum would after a bulk load. The database's comment records what it was copied
from: a later run with the same source (and the same migrations) reuses it."""

from __future__ import annotations

import argparse
import fcntl
import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench.seed import schema_fingerprint
from wms.db import create_db_engine
from wms.schema import current_revision, upgrade

LOCAL = "local"
ROWS_PER_PROGRESS = 250_000

# The postmaster's process id of each local server running, by host:port.
_POSTMASTERS: dict[str, int] = {}


def add_option(parser: argparse.ArgumentParser) -> None:
    """`--postgresql [URL]`: run the reports on PostgreSQL too, beside SQLite."""
    parser.add_argument(
        "--postgresql", nargs="?", const=LOCAL, default=None, metavar="URL",
        help="also run every report on a PostgreSQL copy of the bench database and print "
             "both engines side by side. URL: a server to use "
             "(postgresql://user@host:port/postgres; the bench creates, and replaces, its "
             "own bench_* database there); without URL the bench starts a local server "
             "from the system's PostgreSQL, its files kept in <db-dir>/postgres")


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        reversed(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if not found:
        raise SystemExit(f"PostgreSQL's {name} was not found: install the postgresql package "
                         "(Debian: apt-get install postgresql) or pass --postgresql URL")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(base: Path, durable: bool = False) -> Iterator[str]:
    """A PostgreSQL server over `base`/data (made by initdb the first time, kept after),
    on a free port for as long as the block runs; yields the URL of its `postgres`
    database. Settings are the defaults but for durability (fsync off: a bench copy),
    unless `durable`: then every commit is flushed to the disk, as on a gateway."""
    base.mkdir(parents=True, exist_ok=True)
    # One bench at a time on these files: a second one waits for the first to finish.
    lock = os.open(base / "bench.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another bench using the PostgreSQL server in {base} ...",
              flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with _started(base, durable) as url:
            yield url
    finally:
        os.close(lock)


@contextmanager
def _started(base: Path, durable: bool) -> Iterator[str]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "wms",
                        "--no-sync", "-E", "UTF8", "--locale=C"], check=True,
                       capture_output=True)
    # A server left running by a run that was killed is ours: stop it first.
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                   capture_output=True, check=False)
    port = _free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-w", "-l",
                    str(base / "log"), "start"], check=True, capture_output=True)
    _POSTMASTERS[f"127.0.0.1:{port}"] = int((data / "postmaster.pid").read_text().split()[0])
    try:
        yield f"postgresql+psycopg://wms@127.0.0.1:{port}/postgres"
    finally:
        _POSTMASTERS.pop(f"127.0.0.1:{port}", None)
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)


@contextmanager
def server(option: str, db_dir: Path, durable: bool = False) -> Iterator[str]:
    """The server `--postgresql` names: its URL, or a local one started for the block
    (`durable`: see local_server)."""
    if option != LOCAL:
        yield option
        return
    with local_server(db_dir.resolve() / "postgres", durable) as url:
        yield url


def _ticks(pid: int | str, reaped: bool = False) -> tuple[int, int]:
    """(parent pid, user + system clock ticks) of a process, with those of its children that
    have ended and been waited for when `reaped`; (0, 0) once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0, 0
    used = int(fields[11]) + int(fields[12])
    if reaped:
        used += int(fields[13]) + int(fields[14])
    return int(fields[1]), used


def cpu_seconds(url: str) -> float:
    """CPU seconds used so far by this process and, when `url` is on a local server this
    module started, by that server's processes (its backends and parallel workers): the
    figure that travels when other work shares the machine. For SQLite, or a server
    elsewhere, this process's alone."""
    return time.process_time() + (server_cpu_seconds(url) or 0.0)


def server_cpu_seconds(url: str) -> float | None:
    """CPU seconds used so far by the processes of the local server this module started
    that `url` is on; None for SQLite or a server elsewhere."""
    parsed = make_url(url)
    postmaster = _POSTMASTERS.get(f"{parsed.host}:{parsed.port}")
    if parsed.get_backend_name() != "postgresql" or postmaster is None:
        return None
    # The backends still running, then the server's own ticks with those of the backends
    # that ended (the server waits for them): read in this order, a backend ending in
    # between is counted twice rather than not at all, so the sum never goes back.
    ticks = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent, used = _ticks(entry.name)
            if parent == postmaster:
                ticks += used
    ticks += _ticks(postmaster, reaped=True)[1]
    return ticks / os.sysconf("SC_CLK_TCK")


def _source_key(sqlite_path: Path, extra: str) -> str:
    stat = sqlite_path.stat()
    return (f"bench copy of {sqlite_path.resolve()} ({stat.st_size} bytes, "
            f"mtime {stat.st_mtime_ns}); migrations {schema_fingerprint()}; {extra}").strip()


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version' ORDER BY name")]
    return {name: [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            for name in names}


def copy_of(sqlite_path: Path, server_url: str, name: str, *, made_from: Path | None = None,
            key_extra: str = "") -> str:
    """The URL of database `name` on the server holding a copy of the SQLite file (made now
    unless the one there was copied from the same file, unchanged, with the same
    migrations). A bench that rebuilds its file on every run from a seed names the seed as
    `made_from` (and what else decides the result in `key_extra`): the copy is reused while
    those are unchanged."""
    import psycopg

    key = _source_key(made_from or sqlite_path, key_extra)
    target = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    admin = create_db_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        marker = conn.execute(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = :name"), {"name": name}).scalar()
    if marker == key:
        print(f"reusing PostgreSQL database {name} (copied from {sqlite_path})", flush=True)
        admin.dispose()
        return target
    revision = current_revision(f"sqlite:///{sqlite_path}")
    started = time.perf_counter()
    print(f"copying {sqlite_path} into PostgreSQL database {name} ...", flush=True)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(target, revision or "head")
    engine = create_db_engine(target)
    metadata = MetaData()
    metadata.reflect(engine)
    engine.dispose()
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    tables = _sqlite_tables(source)
    libpq_url = make_url(target).set(drivername="postgresql").render_as_string(
        hide_password=False)
    copied = 0
    with psycopg.connect(libpq_url) as pg:
        # SQLite holds the UTC columns as naive text: read them as UTC.
        pg.execute("SET TimeZone = 'UTC'")
        superuser = pg.execute("SELECT rolsuper FROM pg_roles "
                               "WHERE rolname = current_user").fetchone()
        if superuser and superuser[0]:
            # The file passed its foreign-key check; skip re-checking every row.
            pg.execute("SET session_replication_role = replica")
        for table in metadata.sorted_tables:
            columns = tables.get(table.name)
            if not columns:
                continue
            unknown = [c for c in columns if c not in table.columns]
            if unknown:
                raise SystemExit(f"{sqlite_path}: {table.name} has columns the migrations "
                                 f"do not make: {', '.join(unknown)}")
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = 0
            with pg.cursor() as cursor, cursor.copy(
                    f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in source.execute(f'SELECT {quoted} FROM "{table.name}"'):
                    copy.write_row(row)
                    rows += 1
            copied += rows
            if rows >= ROWS_PER_PROGRESS:
                print(f"  {table.name}: {rows:,} rows "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        missing = sorted(set(tables) - set(metadata.tables))
        if missing:
            raise SystemExit(f"{sqlite_path} has tables the migrations do not make: "
                             f"{', '.join(missing)}")
        for table in metadata.sorted_tables:
            for column in table.columns:
                sequence = pg.execute("SELECT pg_get_serial_sequence(%s, %s)",
                                      (f'"{table.name}"', column.name)).fetchone()
                if sequence and sequence[0]:
                    pg.execute(f'SELECT setval(%s, COALESCE(MAX("{column.name}"), 0) + 1, '
                               f'false) FROM "{table.name}"', (sequence[0],))
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    source.close()
    with admin.connect() as conn:
        conn.execute(text(f'COMMENT ON DATABASE "{name}" IS '
                          + "'" + key.replace("'", "''") + "'"))
    admin.dispose()
    print(f"copied {copied:,} rows of {len(tables)} tables into {name} in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return target


def working_copy(server_url: str, source_url: str, name: str) -> str:
    """The URL of database `name`, made afresh as a copy of the database at `source_url` on
    the same server (CREATE DATABASE ... TEMPLATE: a copy of its files, seconds for a
    gigabyte), for a bench that changes what it runs on and must leave the source as it
    was. The copy is on the disk when this returns: a CHECKPOINT writes the server's dirty
    pages, and on this machine the kernel's too. Left to them, the copy's hundreds of
    megabytes are written back some 30 s later, in the middle of a measurement, and every
    commit then waits behind them (100 ms and more here)."""
    source = make_url(source_url).database
    admin = create_db_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError:  # a role that may not: the server checkpoints in its time
                print(f"note: could not CHECKPOINT after copying {source} into {name}",
                      flush=True)
    finally:
        admin.dispose()
    if server_cpu_seconds(server_url) is not None:  # a server on this machine
        os.sync()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
