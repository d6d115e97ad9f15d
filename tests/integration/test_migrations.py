"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from wms.db import Database
from wms.models import Base


def test_the_migrated_database_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrated_database_has_every_table_and_the_ledger_guards(db: Database) -> None:
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    assert set(Base.metadata.tables) <= tables
    checks = {c["name"] for c in inspector.get_check_constraints("stock_balances")}
    assert {"ck_stock_balances_qty_not_negative",
            "ck_stock_balances_reserved_within_qty"} <= checks
