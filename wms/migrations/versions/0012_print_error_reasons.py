"""print error reasons: a job that did not print keeps why as a code (the printer not
connected, no permission, unreachable...) beside the technical text, so that the pages say
it in the reader's language. Jobs that failed before keep their text alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE ... ADD COLUMN on both engines: no copy of the table.
    op.add_column('print_jobs', sa.Column('error_reason', sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Both engines drop a column in place (SQLite since 3.35).
    op.execute(sa.text("ALTER TABLE print_jobs DROP COLUMN error_reason"))
