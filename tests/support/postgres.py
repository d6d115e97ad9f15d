"""A throwaway PostgreSQL server for the test session, started from the system's binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text


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


def start_postgres() -> PostgresServer | None:
    """Start a private server on a free port, or None when PostgreSQL is not installed."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="wms-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "wms",
                    "--no-sync", "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-w", "-l",
                    str(base / "log"), "start"], check=True, capture_output=True)
    return PostgresServer(f"postgresql+psycopg://wms@127.0.0.1:{port}/postgres", data, pg_ctl,
                          as_user, options)


@contextmanager
def scratch_database(server_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server of `server_url` (a copy of `template` when given, else
    empty), named `prefix` and a random suffix; its URL, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"
                              + (f" TEMPLATE {template}" if template else "")))
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()
