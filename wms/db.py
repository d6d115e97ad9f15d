"""Engines and units of work. SQLite: WAL, synchronous=FULL, writes under BEGIN IMMEDIATE.
PostgreSQL: READ COMMITTED with guarded updates and row locks."""

from __future__ import annotations

import contextvars
import fcntl
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from wms import direct
from wms.errors import Conflict, DatabaseUnavailable

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a PostgreSQL connection may take to open before the database counts as away (a
# page then answers 503 at once, instead of after the handheld gave up waiting).
POSTGRES_CONNECT_TIMEOUT_S = 5
# SQLite's page cache while one unit of work writes a document of thousands of lines (a
# transfer, a count): the pages it changes stay in memory until its commit, instead of
# spilling to the write-ahead log and being read back. Only that connection, only for
# that document: the pool's other connections keep SQLite's default of about 2 MiB.
DOCUMENT_PAGE_CACHE_KIB = 64 * 1024


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event below emits our own BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


# Set only while Database.write() begins its connection: that BEGIN takes the write lock.
_BEGIN_WRITE: contextvars.ContextVar[bool] = contextvars.ContextVar("wms_begin_write",
                                                                    default=False)


# True while Database.read() or lookup() checks out a connection: on PostgreSQL its
# transactions are then READ ONLY.
_READ_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("wms_read_only",
                                                                  default=False)


def _postgresql_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A connection checked out for a read begins its transactions READ ONLY, any other with
    the server's default (psycopg only changes the BEGIN it sends; the connection is idle
    here, between the pool's reset and its first statement). A pool event, not an engine
    one: see _sqlite_do_begin."""
    wanted = True if _READ_ONLY.get() else None
    if dbapi_connection.read_only is not wanted:
        dbapi_connection.read_only = wanted


def _sqlite_do_begin(dbapi_connection: Any) -> None:
    """The dialect's own BEGIN (the driver runs in autocommit): IMMEDIATE for a write unit of
    work, else DEFERRED. Sent straight to the driver rather than from an engine "begin" event:
    any engine event listener makes SQLAlchemy dispatch events around every statement, which
    cost about a sixth of a scan's Python calls."""
    mode = "IMMEDIATE" if _BEGIN_WRITE.get() else "DEFERRED"
    dbapi_connection.execute(f"BEGIN {mode}")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with this project's connection settings for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        engine.dialect.do_begin = _sqlite_do_begin  # type: ignore[method-assign]
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    connect_args = {} if "connect_timeout" in parsed.query else \
        {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _postgresql_on_checkout)
    return engine


def run(session: Session, statement: Executable,
        params: dict[str, Any] | list[dict[str, Any]] | None = None
        ) -> CursorResult[*tuple[Any, ...]]:
    """Run a Core statement (one that loads no ORM objects) on the session's connection, in
    its transaction: what `session.execute` does, without the ORM's execution layer around
    it, which costs about 45 Python calls per statement on the scans' hot paths. A statement
    over the models' columns flushes the session's pending changes first, as
    `session.execute` would (its autoflush); one over tables never did.

    Where it can, the statement goes straight to the driver (`wms.direct`, a few calls
    instead of SQLAlchemy's forty): the answer is then a `wms.direct.Rows`, which offers
    the part of the result the services use (rows, first, one, scalar, scalars, rowcount,
    inserted_primary_key)."""
    if session.autoflush and statement._propagate_attrs.get("compile_state_plugin") == "orm":
        session.flush()
    # A write unit of work's session is bound to its connection, already in a transaction.
    bound = session.bind
    return run_on(bound if isinstance(bound, Connection) else session.connection(), statement,
                  params)


def run_on(connection: Connection, statement: Executable,
           params: dict[str, Any] | list[dict[str, Any]] | None = None
           ) -> CursorResult[*tuple[Any, ...]]:
    """`run()` for a caller that holds a connection: straight to the driver where it can
    (inside a transaction already begun), else through SQLAlchemy's Core execution."""
    answered = (direct.execute_many(connection, statement, params) if isinstance(params, list)
                else direct.execute(connection, statement, params))
    if answered is not None:
        return answered  # type: ignore[return-value]
    return connection.execute(statement, params)


@contextmanager
def document_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of DOCUMENT_PAGE_CACHE_KIB for the session's connection while
    a document of many lines is written in it; the connection's own size is set back after
    (the pages above it are freed once the commit has written them)."""
    bound = session.bind
    connection = bound if isinstance(bound, Connection) else session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    own = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{DOCUMENT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(own)}")


def _is_retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None)
    return (
        code in ("40001", "40P01")  # serialization failure, deadlock detected
        or "database is locked" in text
        or "deadlock detected" in text
    )


# SQLite result codes (the primary code, the low byte of an extended one) that mean the file
# cannot be reached, rather than a statement that failed.
SQLITE_IOERR, SQLITE_CANTOPEN = 10, 14
# PostgreSQL SQLSTATEs of a server that is going away, starting, or full of connections (the
# 08 class, connection exceptions, counts too).
POSTGRES_AWAY = frozenset({"57P01", "57P02", "57P03", "53300"})


def unreachable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached now (the request may succeed
    once it is back) rather than a fault of this request."""
    if isinstance(error, DatabaseUnavailable):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # the connection broke under the statement
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorcode", 0) & 0xFF in (SQLITE_IOERR,
                                                                   SQLITE_CANTOPEN)
    if isinstance(error, OperationalError) and hasattr(original, "sqlstate"):
        # psycopg: an error the server sent carries its SQLSTATE; one without any comes from
        # the connection itself (refused, timed out, lost).
        state: str | None = getattr(original, "sqlstate", None)
        return state is None or state.startswith("08") or state in POSTGRES_AWAY
    return False


class WriterTurn:
    """Writers to one SQLite file take turns on a lock file before BEGIN IMMEDIATE. A blocked
    writer then wakes as soon as the previous one commits, instead of polling in SQLite's
    busy handler (whose sleeps grow to 100 ms and let later writers overtake)."""

    def __init__(self, database_path: str) -> None:
        self.path = database_path + "-writer.lock"
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a fork gets its own descriptor
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
            except OSError as exc:  # the database's folder is gone (a disk unmounted)
                raise DatabaseUnavailable(f"cannot open {self.path}: {exc}") from exc
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


class WalCheckpointer:
    """Copies committed pages from the write-ahead log into the database file in the
    background, every `interval` seconds, with a PASSIVE checkpoint (it waits for no reader
    or writer). Without it, the commit that crosses SQLite's auto-checkpoint threshold pays
    for the copy and its fsync while the handheld waits; the auto-checkpoint stays as the
    backstop. One thread per process, started by the first write in that process (so each
    forked gunicorn worker runs its own)."""

    def __init__(self, database_path: str, interval: float = 0.5) -> None:
        self.path = database_path
        self.interval = interval
        self._pid = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the log, frames checkpointed)."""
        # mode=rw: never create the file (a database moved or removed stays gone).
        conn = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, timeout=1.0,
                               isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous = FULL")
            busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
        return int(busy), int(log), int(done)

    def ensure_running(self) -> None:
        """Start the thread in this process unless it runs already."""
        if self._pid == os.getpid() or self._stop.is_set():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="wal-checkpointer", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.checkpoint()
            except sqlite3.Error:
                continue  # busy or gone for a moment: the next round (or SQLite) does it


@contextmanager
def _no_turn() -> Iterator[None]:
    yield


def _dispose_in_forked_children(engine: Engine) -> None:
    """A forked process (gunicorn's workers with preload) must not use connections its
    parent opened: the child forgets the pool it inherited and opens its own."""
    ref = weakref.ref(engine)

    def forget() -> None:
        inherited = ref()
        if inherited is not None:
            inherited.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


class Database:
    """One database: read and write units of work over a shared connection pool."""

    def __init__(self, url: str, *, background_checkpoints: bool = True,
                 **engine_kwargs: Any) -> None:
        """`background_checkpoints=False` when another process owns the checkpoints of a
        SQLite file's write-ahead log (Litestream replicating it): only SQLite's own PASSIVE
        auto-checkpoint then runs in this process."""
        self.url = url
        self.engine = create_db_engine(url, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        # PostgreSQL: reads run in READ ONLY transactions that end with COMMIT (see read()).
        self._commit_reads = self.dialect == "postgresql"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(wms_write=True)
        _dispose_in_forked_children(self.engine)
        database = self.engine.url.database
        on_file = self.dialect == "sqlite" and bool(database) and database != ":memory:"
        self._writer_turn = WriterTurn(str(database)) if on_file else None
        self.wal_checkpointer = (WalCheckpointer(str(database))
                                 if on_file and background_checkpoints else None)
        if self.wal_checkpointer is not None:
            weakref.finalize(self, self.wal_checkpointer.stop)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: nothing it does is kept.

        On SQLite whatever it changes is rolled back on close. On PostgreSQL its transaction
        is READ ONLY (the server refuses any change) and ends with COMMIT, which for such a
        transaction is the same as a rollback, but keeps the driver's prepared statements:
        psycopg prepares a statement it has run five times on a connection and forgets all
        of them at every ROLLBACK. Were reads to end with one, as each request's do, the
        server would plan every statement of every request anew."""
        reading = _READ_ONLY.set(True)
        try:
            with self._read() as session:
                yield session
                if self._commit_reads:
                    session.commit()
        finally:
            _READ_ONLY.reset(reading)

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for a few read-only Core statements, without the ORM's session: the
        API looks up its caller this way before it takes a write. Read-only, and ended as
        `read` ends."""
        reading = _READ_ONLY.set(True)
        try:
            connection = self.engine.connect()
        finally:
            _READ_ONLY.reset(reading)
        with connection as conn:
            if not self._commit_reads:
                yield conn
                return
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write unit of work: committed on success, rolled back on any exception.
        Not to be nested: one write at a time per thread. The connection is checked out
        only once this writer's turn has come (so writers waiting for their turn hold none
        of the pool's connections).

        The session works inside a transaction of the connection's own, begun here (on
        SQLite with BEGIN IMMEDIATE: the write lock) and committed here once the session has
        flushed: the session's own commit and connection handling cost a scan about a
        hundred Python calls more."""
        if self.wal_checkpointer is not None:
            self.wal_checkpointer.ensure_running()
        turn = self._writer_turn() if self._writer_turn else _no_turn()
        writing = _READ_ONLY.set(False)  # a write inside a read is no read
        try:
            with turn, self._write_engine.connect() as conn:
                begin_write = _BEGIN_WRITE.set(True)  # SQLite: BEGIN IMMEDIATE
                try:
                    transaction = conn.begin()
                finally:
                    _BEGIN_WRITE.reset(begin_write)
                with transaction:
                    # "rollback_only": the session never commits the connection's
                    # transaction.
                    session = Session(bind=conn, join_transaction_mode="rollback_only",
                                      expire_on_commit=False)
                    try:
                        yield session
                        session.flush()
                    finally:
                        session.close()
        finally:
            _READ_ONLY.reset(writing)

    def transaction(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Run `work` in a write unit of work, retrying on deadlocks and lock timeouts."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return work(session)
            except (OperationalError, DBAPIError) as exc:
                if attempt == attempts or not _is_retryable(exc):
                    if _is_retryable(exc):
                        raise Conflict("the database is busy; try again") from exc
                    raise
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        """Close every pooled connection (and stop the WAL checkpointer)."""
        if self.wal_checkpointer is not None:
            self.wal_checkpointer.stop()
        self.engine.dispose()
