"""Creating and migrating the database with Alembic, and a cheap check at start-up that
the database is already at the newest schema (so a restart does not load the migrations)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest revision under migrations/versions; a test holds it equal to Alembic's head.
HEAD_REVISION = "0005"


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
    Alembic import."""
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
