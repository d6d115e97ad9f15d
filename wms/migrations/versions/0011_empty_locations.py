"""empty locations: each location says whether it holds no stock, so the search for empty
bins near a point of the walk reads the empty ones only (on a nearly full warehouse it
visited hundreds of full bins for each one it found). Set here from the balances; from here
on the ledger keeps it as it posts moves.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN and CREATE INDEX on both engines: no copy of the table
    # (SQLite's batch mode would copy it, and the tables that refer to it stop that).
    op.add_column('locations', sa.Column('empty', sa.Boolean(), server_default=sa.true(),
                                         nullable=False))
    op.execute(sa.text(
        "UPDATE locations SET empty = NOT EXISTS (SELECT 1 FROM stock_balances b "
        "WHERE b.location_id = locations.id AND b.qty > 0)"))
    op.create_index('ix_locations_empty_walk', 'locations',
                    ['warehouse_id', 'kind', 'empty', 'walk_seq'], unique=False)
    op.create_index('ix_locations_empty_zone_walk', 'locations',
                    ['warehouse_id', 'kind', 'empty', 'zone_id', 'walk_seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_locations_empty_zone_walk', table_name='locations')
    op.drop_index('ix_locations_empty_walk', table_name='locations')
    # Both engines drop a column in place (SQLite since 3.35); a copy of the table could
    # not be swapped in under the tables that refer to it.
    op.execute(sa.text("ALTER TABLE locations DROP COLUMN empty"))
