"""A read keeps nothing it does, and on PostgreSQL it lets the server keep its plans: the
driver prepares a statement run often on a connection, and a read ending with ROLLBACK made
it forget them all, so the server planned each statement of each request anew."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from tests.support.builders import Builder
from wms.db import Database
from wms.models import Zone


def refused_on_postgresql(db: Database) -> AbstractContextManager[Any]:
    """PostgreSQL refuses a change in a read (its transaction is READ ONLY); SQLite makes it
    and rolls it back when the read closes."""
    if db.dialect == "postgresql":
        return pytest.raises(DBAPIError, match="read-only transaction")
    return nullcontext()


def test_a_change_made_in_a_read_is_not_kept(db: Database, build: Builder) -> None:
    build.warehouse("WH1", bins=1)
    with db.read() as s:
        zones = s.scalars(select(Zone.code)).all()
        warehouse_id = s.scalar(select(Zone.warehouse_id))
    with refused_on_postgresql(db), db.read() as s:
        s.execute(insert(Zone).values(code="Z9", name="Z9", warehouse_id=warehouse_id))
    with refused_on_postgresql(db), db.lookup() as conn:
        conn.execute(insert(Zone).values(code="Z8", name="Z8", warehouse_id=warehouse_id))
    with db.read() as s:
        assert s.scalars(select(Zone.code)).all() == zones


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_api_reuses_the_servers_plan_of_a_statement_it_runs_on_every_request(
    app: Any, api: Any, build: Builder
) -> None:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", bins[0], 50)
    requests = 0
    for turn in range(10):
        source, target = (bins[0], bins[1]) if turn % 2 == 0 else (bins[1], bins[0])
        moved = api.post("/moves", {"sku": "CUP", "qty": 1, "from": source, "to": target},
                         key=str(uuid.uuid4()))
        assert moved.status_code == 201, moved.get_json()
        assert api.get("/stock", location=bins[0]).status_code == 200
        requests += 2
    # Every request looked up its caller by token (a read before a write, or inside the
    # read), on the pool's one connection: prepared from the sixth time on, planned once.
    with app.extensions["wms.db"].read() as s:
        prepared = s.execute(text(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%token_hash%'")).all()
    assert len(prepared) == 1, prepared
    assert prepared[0][1] == requests - 5
