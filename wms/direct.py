"""Statements sent straight to the database driver.

A scan runs a handful of statements, and SQLAlchemy's execution layer around each (the cache
key of the statement, the execution context, the result object and its row processors) costs
about forty Python calls before the driver is reached: a quarter of a scan's calls. Here a
statement is compiled once per dialect (and per shape of its parameters), and each run binds
its values, sends the SQL with the driver's own cursor and converts the columns with the
same type processors SQLAlchemy would: the same SQL, the same values, the same errors
(wrapped as SQLAlchemy wraps them), for a few calls.

A statement this cannot send as SQLAlchemy would (text, Python-side column defaults,
literal-execute parameters, an empty IN list) goes through SQLAlchemy, and so does every
statement while a listener watches the engine's cursor events (a test counting statements).
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Sequence
from threading import Lock
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Delete, Executable, Insert, Select, Update

_PLANS_KEPT = 512  # compiled plans kept per process (the hot paths use a few dozen)
_SHAPES_KEPT = 64  # lengths of a statement's IN lists whose SQL is kept

Processor = Callable[[Any], Any]
Bind = tuple[str, str, bool, Any]  # name in the SQL, key in the values, required, own value


class Rows:
    """The answer of a statement sent straight to the driver: the part of SQLAlchemy's
    result the services use (rows with their columns by position or by name)."""

    __slots__ = ("_rows", "rowcount", "inserted_primary_key")

    def __init__(self, rows: list[Any], rowcount: int,
                 inserted_primary_key: tuple[Any, ...] | None = None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.inserted_primary_key = inserted_primary_key

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            if not self._rows:
                raise exc.NoResultFound("No row was found when one was required")
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was "
                                           "required")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> Rows:
        return Rows([row[0] for row in self._rows], self.rowcount)


class _Shape:
    """The SQL of a compiled statement for one length of each of its IN lists, and how its
    values are bound."""

    __slots__ = ("sql", "order", "expansion", "binders", "sendable", "positions")

    def __init__(self, compiled: Any, values: dict[str, Any], binds: tuple[Bind, ...]
                 ) -> None:
        expanded = compiled.construct_expanded_state(values)
        self.sql: str = expanded.statement
        self.order: tuple[str, ...] | None = \
            tuple(expanded.positiontup) if expanded.positiontup is not None else None
        self.expansion: dict[str, list[str]] = dict(expanded.parameter_expansion)
        # The compiled statement's own bind processors (by name, as SQLAlchemy's execution
        # context applies them), and those of the IN lists' expanded names.
        binders: dict[str, Any] = dict(compiled._bind_processors)
        binders.update(expanded.processors)
        # A tuple IN list binds through a processor per element: left to SQLAlchemy.
        self.sendable = all(callable(binder) for binder in binders.values())
        self.binders: tuple[tuple[str, Processor], ...] = tuple(binders.items())
        # Positional parameters without IN lists (most statements on SQLite): each position's
        # bind and processor, looked up once here rather than by name at every run.
        self.positions: tuple[tuple[str, str, bool, Any, Processor | None], ...] | None = None
        by_name = {bind[0]: bind for bind in binds}
        if self.order is not None and not self.expansion and all(
                name in by_name for name in self.order):
            self.positions = tuple((*by_name[name], binders.get(name)) for name in self.order)

    def parameters(self, binds: tuple[Bind, ...], values: dict[str, Any]) -> Any:
        # What the compiler's construct_params() does for these statements, without its
        # checks for cases a sendable statement never has (escaped names, callables).
        if self.positions is not None:
            ordered = []
            for name, key, required, value, binder in self.positions:
                if key in values:
                    value = values[key]
                elif name in values:
                    value = values[name]
                elif required:
                    raise exc.InvalidRequestError(
                        f"A value is required for bind parameter {key!r}", code="cd3x")
                ordered.append(value if binder is None else binder(value))
            return ordered
        bound = {}
        for name, key, required, value in binds:
            if key in values:
                bound[name] = values[key]
            elif name in values:
                bound[name] = values[name]
            elif required:
                raise exc.InvalidRequestError(f"A value is required for bind parameter {key!r}",
                                              code="cd3x")
            else:
                bound[name] = value
        for name, names in self.expansion.items():
            bound.update(zip(names, bound.pop(name), strict=True))
        for name, binder in self.binders:
            if name in bound:
                bound[name] = binder(bound[name])
        if self.order is not None:
            return tuple(bound[name] for name in self.order)
        return bound


class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    __slots__ = ("statement", "compiled", "binds", "expanding", "shapes", "columns", "row",
                 "readers", "primary_key", "implicit_returning", "sendable")

    def __init__(self, statement: Select[Any] | Insert | Update | Delete, dialect: Dialect,
                 keys: list[str], many: bool = False) -> None:
        self.statement = statement  # held: its id keys the plan
        self.compiled: Any = statement.compile(dialect=dialect, column_keys=keys,
                                               for_executemany=many)
        compiled = self.compiled
        self.expanding = tuple(p.key for p in compiled.post_compile_params)
        self.shapes: dict[tuple[int, ...], _Shape] = {}
        self.binds: tuple[Bind, ...] = tuple(
            (name, p.key, p.required, p.value) for p, name in compiled.bind_names.items())
        self.sendable = not (compiled.literal_execute_params or compiled.insert_prefetch
                             or compiled.update_prefetch or compiled.escaped_bind_names
                             or getattr(compiled, "_collected_params", None)
                             or any(p.callable for p in compiled.bind_names))
        self.implicit_returning = False
        self.primary_key: str | None = None
        types: Sequence[Any] = ()
        names: list[str] = []
        if isinstance(statement, Select):
            columns = list(statement.selected_columns)
            types, names = [c.type for c in columns], list(statement.selected_columns.keys())
        elif compiled.effective_returning:
            returning = compiled.effective_returning
            types, names = [c.type for c in returning], [str(c.key) for c in returning]
            self.implicit_returning = not getattr(statement, "_returning", ())
        if isinstance(statement, Insert) and (self.implicit_returning
                                              or not getattr(statement, "_returning", ())):
            # (An insert that returns columns of its own choosing, an upsert's units, is
            # asked for those only.)
            pk = statement.table.primary_key.columns  # type: ignore[attr-defined]
            if len(pk) == 1:
                self.primary_key = next(iter(pk)).key
        self.columns: list[Any] = list(types)
        self.row: Any = namedtuple("Row", names, rename=True) if names else None  # noqa: PYI024
        self.readers: list[tuple[int, Processor]] | None = None  # from the first answer

    def shape(self, values: dict[str, Any]) -> _Shape | None:
        """How to send the statement with these values, or None when SQLAlchemy must."""
        lengths: tuple[int, ...] = ()
        if self.expanding:
            listed = [values.get(name) for name in self.expanding]
            if not all(isinstance(v, list | tuple) and v for v in listed):
                return None  # an empty IN list (SQLAlchemy writes it as an empty set) or a set
            lengths = tuple(len(v) for v in listed)  # type: ignore[arg-type]
        found = self.shapes.get(lengths)
        if found is None:
            if len(self.shapes) >= _SHAPES_KEPT:
                return None  # IN lists of ever new lengths: SQLAlchemy expands them each time
            found = self.shapes[lengths] = _Shape(self.compiled, values, self.binds)
        return found if found.sendable else None

    def _reader_list(self, dialect: Dialect, description: Any) -> list[tuple[int, Processor]]:
        readers = []
        for i, type_ in enumerate(self.columns):
            processor = type_.dialect_impl(dialect).result_processor(dialect, description[i][1])
            if processor is not None:
                readers.append((i, processor))
        return readers

    def answer(self, dialect: Dialect, cursor: Any, values: dict[str, Any]) -> Rows:
        rows: list[Any] = []
        description = cursor.description
        if description is not None and self.row is not None:
            fetched = cursor.fetchall()
            if fetched:
                readers = self.readers
                if readers is None:
                    readers = self.readers = self._reader_list(dialect, description)
                make = self.row._make
                if readers:
                    for raw in fetched:
                        values_ = list(raw)
                        for i, reader in readers:
                            values_[i] = reader(values_[i])
                        rows.append(make(values_))
                else:
                    rows = [make(raw) for raw in fetched]
        primary_key: tuple[Any, ...] | None = None
        if self.primary_key is not None:
            if self.primary_key in values:
                primary_key = (values[self.primary_key],)
            elif self.implicit_returning:
                primary_key = (getattr(rows[0], self.primary_key),) if rows else None
            else:
                primary_key = (cursor.lastrowid,)
        if self.implicit_returning:
            rows = []
        return Rows(rows, cursor.rowcount, primary_key)


_plans: OrderedDict[tuple[int, int, tuple[str, ...], bool], _Plan] = OrderedDict()
_plans_lock = Lock()


def _plan_for(statement: Executable, dialect: Dialect, values: dict[str, Any],
              many: bool = False) -> _Plan | None:
    keys = sorted(values)
    key = (id(dialect), id(statement), tuple(keys), many)
    plan = _plans.get(key)
    if plan is None or plan.statement is not statement:
        if not isinstance(statement, Select | Insert | Update | Delete):
            return None
        plan = _Plan(statement, dialect, keys, many)  # remembered even when it cannot be sent
        with _plans_lock:
            _plans[key] = plan
            while len(_plans) > _PLANS_KEPT:
                _plans.popitem(last=False)
    return plan if plan.sendable else None


def _watched(connection: Connection) -> bool:
    """Whether a listener watches the connection's or the engine's events (SQLAlchemy's own
    flags: asking the dispatcher for its listeners costs more calls than the statement)."""
    return bool(connection._has_events or connection.engine._has_events)


def _driver_error(connection: Connection, driver: Any, cursor: Any, sql: str,
                  parameters: Any, error: Any) -> exc.StatementError:
    """The driver's error wrapped as SQLAlchemy wraps it (IntegrityError, OperationalError,
    ...), the connection invalidated when the error says the database is gone."""
    dialect = connection.dialect
    gone = dialect.is_disconnect(error, driver, cursor)
    if gone:
        connection.invalidate(error)
    return exc.DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                   connection_invalidated=gone, dialect=dialect)


def execute(connection: Connection, statement: Executable,
            values: dict[str, Any] | None) -> Rows | None:
    """Run `statement` on the driver connection under `connection` (in its transaction), or
    return None when SQLAlchemy must run it."""
    values = values or {}
    dialect = connection.dialect
    if _watched(connection):
        return None
    if not (connection.in_transaction() or isinstance(statement, Select)):
        return None  # a change outside a transaction: SQLAlchemy's execution begins one
    # (A read outside one runs as the driver runs it there, in a transaction of its own on
    # SQLite, or in the one PostgreSQL's driver begins, rolled back when the connection goes
    # back to the pool.)
    plan = _plan_for(statement, dialect, values)
    shape = plan.shape(values) if plan is not None else None
    if plan is None or shape is None:
        return None
    parameters = shape.parameters(plan.binds, values)
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(shape.sql, parameters)
        return plan.answer(dialect, cursor, values)
    except dialect.loaded_dbapi.Error as error:
        raise _driver_error(connection, driver, cursor, shape.sql, parameters, error) from error
    finally:
        cursor.close()


def execute_many(connection: Connection, statement: Executable,
                 rows: list[dict[str, Any]]) -> Rows | None:
    """Run an insert, update or delete once per row of `rows` (all with the same keys) with
    the driver's executemany, in the connection's transaction, on SQLite; or return None
    when SQLAlchemy must run it. (On PostgreSQL, SQLAlchemy sends many inserted rows as a
    few statements of many VALUES each: fewer round trips than the driver's executemany.)
    The answer carries the number of rows changed, no rows."""
    dialect = connection.dialect
    if (dialect.name != "sqlite" or not rows or _watched(connection)
            or not connection.in_transaction()
            or not isinstance(statement, Insert | Update | Delete)):
        return None
    keys = rows[0].keys()
    if any(row.keys() != keys for row in rows):
        return None  # rows of different shapes: SQLAlchemy says how it treats them
    plan = _plan_for(statement, dialect, rows[0], many=True)
    if plan is None or plan.expanding or plan.compiled.effective_returning:
        return None
    shape = plan.shape(rows[0])
    if shape is None:
        return None
    binds = plan.binds
    parameters = [shape.parameters(binds, row) for row in rows]
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.executemany(shape.sql, parameters)
        return Rows([], cursor.rowcount)
    except dialect.loaded_dbapi.Error as error:
        raise _driver_error(connection, driver, cursor, shape.sql, parameters, error) from error
    finally:
        cursor.close()
