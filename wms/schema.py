"""Creating and migrating the database with Alembic, and a cheap check at start-up that
the database is already at the newest schema (so a restart does not load the migrations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest revision under migrations/versions; a test holds it equal to Alembic's head.
HEAD_REVISION = "0012"

# The PostgreSQL advisory lock migrations hold (migrations/env.py), so that gateways starting
# at once against one database migrate it once: the others wait, then find it migrated.
MIGRATION_LOCK_KEY = 0x776D73_0001


def alembic_config(url: str) -> Config:
    """An Alembic config for this project's migrations against `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the database to the latest schema."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision stamped in the database, None when it has no schema yet. One query; no
    Alembic import (and for a SQLite file, no SQLAlchemy either)."""
    if url.startswith("sqlite:///") and "?" not in url:
        return _sqlite_revision(url.removeprefix("sqlite:///"))
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except (OperationalError, ProgrammingError):
        return None
    finally:
        engine.dispose()
    return rows[0][0] if len(rows) == 1 else None


def ensure_schema(url: str) -> bool:
    """Migrate the database unless it is at the newest schema already; True when it
    migrated. The usual restart reads one row and loads none of the migrations."""
    if current_revision(url) == HEAD_REVISION:
        return False
    upgrade(url)
    return True


def _sqlite_revision(path: str) -> str | None:
    if path in ("", ":memory:") or not Path(path).exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return rows[0][0] if len(rows) == 1 else None
