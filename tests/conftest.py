"""Fixtures: a migrated database per test on SQLite and on PostgreSQL, the app, an API
client per role, and builders. WMS_TEST_REQUIRE_ALL=1 turns a missing PostgreSQL into a
failure instead of a skip (CI sets it).

`make test` runs the suite in worker processes (pytest-xdist): each worker has its own
temporary directories, PostgreSQL server (or, on WMS_TEST_POSTGRES_URL, its own template
databases) and browser, and sends the figures it recorded to the main process."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Dialect, Engine, create_engine, text
from sqlalchemy.util import LRUCache
from werkzeug.routing import Rule

import wms.db
from tests.support.builders import Builder, builder_hashes
from tests.support.postgres import scratch_database, start_postgres
from wms.db import Database
from wms.schema import upgrade

REQUIRE_ALL = os.environ.get("WMS_TEST_REQUIRE_ALL") == "1"
# "gw0", "gw1", ... in a pytest-xdist worker, "" in a plain run: template databases carry it,
# so that workers sharing one server (WMS_TEST_POSTGRES_URL) never drop each other's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEMPLATE = f"wms_template{'_' + WORKER if WORKER else ''}"
DEMO_TEMPLATE = f"wms_demo_template{'_' + WORKER if WORKER else ''}"


class SharedTemplateCode(BytecodeCache):
    """Jinja's compiled templates kept in memory for every app the test process creates
    (a test makes its own app, and compiling the same templates again for each was a tenth
    of a page test's time). Keyed by template name and source checksum, as Jinja does."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


class SharedBuilderRule(Rule):
    """A URL rule whose builder (the function werkzeug generates and compiles for each rule,
    twice, when the app's routes are registered) is made once per test process and shared by
    every app the process creates. A test makes its own app, and compiling some 400 builders
    again for each took two thirds of creating it (95 ms; 31 ms with them shared, and the
    office tests on SQLite ran 15 % faster). The builder's code depends only on the rule's
    text and parts, so the shared one builds the same URLs. Rules with defaults (whose values
    are folded into the code) are compiled as werkzeug does."""

    builders: dict[tuple[Any, ...], Any] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        builder = self.builders.get(key)
        if builder is None:
            builder = self.builders[key] = super()._compile_builder(append_unknown)
        return builder


Flask.url_rule_class = SharedBuilderRule


class SharedStatementCache(LRUCache[Any, Any]):
    """SQLAlchemy's compiled statements kept for every engine the test process creates. A
    test makes its own engines (each test database is new), and each engine compiled the
    same statements again: a fifth of an office or API test's time. SQLAlchemy keys a
    compiled statement by the dialect object that compiled it; here dialects of the same kind
    (class, server version, parameter style, JSON codecs: what the compiled SQL and its
    value converters depend on) stand for each other, so a statement compiled for one test's
    SQLite or PostgreSQL engine serves the next test's."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.dialects: dict[tuple[Any, ...], Dialect] = {}

    def _key(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        dialect = key[0]
        kind = (type(dialect), dialect.server_version_info, dialect.paramstyle,
                getattr(dialect, "_json_serializer", None),
                getattr(dialect, "_json_deserializer", None))
        return (self.dialects.setdefault(kind, dialect), *key[1:])

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(self._key(key), value)


_statements = SharedStatementCache(5_000)
_create_engine = wms.db.create_engine


def _create_engine_sharing_statements(*args: Any, **kwargs: Any) -> Engine:
    engine = _create_engine(*args, **kwargs)
    engine.update_execution_options(compiled_cache=_statements)
    return engine


wms.db.create_engine = _create_engine_sharing_statements  # what Database's engines are made by


def pytest_sessionstart(session: pytest.Session) -> None:
    """Garbage collection for a test process: the app's modules and the test's own are set
    aside from the collector once loaded, and the youngest generation is collected after
    20,000 allocations rather than 700 (the others after 20 of the one below, not 10). Each
    test builds an app, engines and pages, and collecting often, over every module's objects,
    took a sixth of a page test's time (36 full collections of 0.38 s in 105 office and
    receiving tests); the process holds some 40 MB more at its peak."""
    import terminal_ui  # noqa: F401 - the app's modules, loaded before they are set aside

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def missing(reason: str) -> None:
    """Skip, or fail when the run must exercise everything."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (WMS_TEST_REQUIRE_ALL=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cjk_font() -> None:
    """Tests that draw Chinese need a CJK font (Debian's fonts-noto-cjk, which .ci/run
    installs); without one they are skipped, or failed under WMS_TEST_REQUIRE_ALL=1."""
    from printing.fonts import CJKFontMissing, find_cjk_font

    try:
        find_cjk_font()
    except CJKFontMissing as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A server URL whose TEMPLATE database (`wms_template`) holds the migrated schema."""
    url = os.environ.get("WMS_TEST_POSTGRES_URL")
    server = None
    if not url:
        try:
            server = start_postgres()
        except Exception as exc:  # noqa: BLE001 - reported as the reason
            missing(f"PostgreSQL did not start: {exc}")
        if server is None:
            missing("PostgreSQL is not installed")
        assert server is not None
        url = server.url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    admin.dispose()
    upgrade(url.rsplit("/", 1)[0] + f"/{TEMPLATE}")
    yield url
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database; every test that uses it runs on both engines."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "wms.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("postgres_template")
    with scratch_database(server, "t", template=TEMPLATE) as url:
        yield url


def _load_demo(url: str) -> None:
    from wms.demo import load_demo

    database = Database(url)
    with database.write() as session, builder_hashes():
        load_demo(session)
    database.dispose()


@pytest.fixture(scope="session")
def demo_sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    _load_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_postgres_template(postgres_template: str) -> str:
    admin = create_engine(postgres_template, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DEMO_TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {DEMO_TEMPLATE} TEMPLATE {TEMPLATE}"))
    admin.dispose()
    _load_demo(postgres_template.rsplit("/", 1)[0] + f"/{DEMO_TEMPLATE}")
    return postgres_template


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the demo warehouse (`wms init --demo`), on both engines."""
    if request.param == "sqlite":
        path = tmp_path / "demo.sqlite3"
        shutil.copy(request.getfixturevalue("demo_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("demo_postgres_template")
    with scratch_database(server, "d", template=DEMO_TEMPLATE) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def build(db: Database) -> Builder:
    return Builder(db)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """The app over the test's database, with a hardware file of its own: one dock station
    and no printers (never the working directory's var/wms.toml)."""
    from terminal_ui import create_app

    config = tmp_path / "app-wms.toml"
    config.write_text('[stations.dock]\nkind = "dock"\nlocation = "DOCK-1"\n', encoding="utf-8")
    application = create_app({"database_url": database_url, "TESTING": True,
                              "SECRET_KEY": "test-secret", "config_path": str(config)})
    yield application
    application.extensions["wms.db"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


class Api:
    """Calls API v1 with one user's token."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.token = token

    def _headers(self, key: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1{path}", query_string=query,
                               headers=self._headers(None))

    def post(self, path: str, body: Any = None, *, key: str | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self._headers(key))

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(f"/api/v1{path}", json=body, headers=self._headers(None))


@pytest.fixture
def api_as(client: Any, build: Builder) -> Any:
    """api_as("operator") -> an Api for a new user with that role."""
    made: dict[str, Api] = {}

    def for_role(role: str) -> Api:
        if role not in made:
            made[role] = Api(client, build.user(f"{role}-user", role))
        return made[role]

    return for_role


@pytest.fixture
def api(api_as: Any) -> Api:
    """An API client signed in as an admin."""
    return api_as("admin")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the figures it recorded to the main process."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.support.figures import recorded

        workeroutput["wms_figures"] = recorded()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the main process of a pytest-xdist run: take in a finished worker's figures."""
    from tests.support.figures import merge

    figures = getattr(node, "workeroutput", {}).get("wms_figures")
    if figures:
        merge(figures)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The figures of the fault and race tests (tests/support/figures.py), one line each;
    in a parallel run the main process prints them all (the workers sent theirs)."""
    from tests.support.figures import summary

    if hasattr(terminalreporter.config, "workeroutput"):
        return
    lines = summary()
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
