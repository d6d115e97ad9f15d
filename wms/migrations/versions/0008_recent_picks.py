"""recent picks: pick moves by bin and time, so the warehouse map's pick frequency reads
the picks (a quarter of the ledger) from a small index instead of the whole ledger

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_moves_picks_at', 'moves', ['from_location_id', 'at'], unique=False,
                    sqlite_where=sa.text("kind = 'pick'"),
                    postgresql_where=sa.text("kind = 'pick'"))


def downgrade() -> None:
    op.drop_index('ix_moves_picks_at', table_name='moves')
