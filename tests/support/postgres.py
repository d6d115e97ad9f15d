"""A throwaway PostgreSQL server for the test session, started from the system's binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    url: str
    data_dir: Path
    _pg_ctl: str
    _as_user: list[str]
    _options: str = ""

    def pause(self) -> None:
        """Stop the server as an administrator would (its files stay): every connection to
        it breaks and new ones are refused until `resume`."""
        subprocess.run([*self._as_user, self._pg_ctl, "-D", str(self.data_dir), "-m", "fast",
                        "-w", "stop"], check=True, capture_output=True)

    def resume(self) -> None:
        """Start the paused server again, on the same port."""
        subprocess.run([*self._as_user, self._pg_ctl, "-D", str(self.data_dir), "-o",
                        self._options, "-w", "-l", str(self.data_dir.parent / "log"), "start"],
                       check=True, capture_output=True)

    def stop(self) -> None:
        """Stop the server and delete its files."""
        subprocess.run([*self._as_user, self._pg_ctl, "-D", str(self.data_dir), "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


# The test server keeps its files in memory (/dev/shm) when there is room for them: it runs
# without fsync anyway, and a test database is made by copying the template's ~470 files,
# which `cp -r` took 0.1-0.5 s to do on this machine's disk against 0.04 s in memory.
MEMORY_FOLDER = "/dev/shm"
MEMORY_NEEDED = 4 * 1024**3


def _data_parent() -> str | None:
    """Where the server's folder goes: in memory when it has room, else the temporary
    folder (a container's small /dev/shm is left alone)."""
    try:
        stat = os.statvfs(MEMORY_FOLDER)
    except OSError:
        return None
    roomy = stat.f_bavail * stat.f_frsize >= MEMORY_NEEDED
    return MEMORY_FOLDER if roomy and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK) else None


def start_postgres() -> PostgresServer | None:
    """Start a private server on a free port, or None when PostgreSQL is not installed."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="wms-pg-", dir=_data_parent()))
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "wms",
                    "--no-sync", "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
               "-c max_wal_size=256MB")
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-w", "-l",
                    str(base / "log"), "start"], check=True, capture_output=True)
    return PostgresServer(f"postgresql+psycopg://wms@127.0.0.1:{port}/postgres", data, pg_ctl,
                          as_user, options)


_admins: dict[str, Engine] = {}


def _admin(server_url: str) -> Engine:
    """One administrative engine per server in a test process (each new engine pays for a
    connection and the dialect's first queries)."""
    base = server_url.rsplit("/", 1)[0]
    if base not in _admins:
        _admins[base] = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT",
                                      pool_pre_ping=True)
    return _admins[base]


def _copy_strategy(conn: Connection) -> str:
    """PostgreSQL 15 copies a template through its write-ahead log by default, block by
    block: two to three times slower here than copying its files, which is what earlier
    versions always did (and all they know)."""
    version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    return " STRATEGY = FILE_COPY" if version >= 150000 else ""


def _drop(conn: Connection, name: str) -> None:
    """Drop a database once its connections are gone. DROP DATABASE ... WITH (FORCE) ends
    them too, but then checks every 100 ms whether they have exited: ending them first and
    watching closely saves most of that wait."""
    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name}).scalar_one():
        time.sleep(0.002)
    conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextmanager
def scratch_database(server_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server of `server_url` (a copy of `template` when given, else
    empty), named `prefix` and a random suffix; its URL, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin(server_url)
    with admin.connect() as conn:
        copy = f" TEMPLATE {template}{_copy_strategy(conn)}" if template else ""
        conn.execute(text(f"CREATE DATABASE {name}{copy}"))
    yield server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        _drop(conn, name)
