"""forecast method: each item keeps the method its replenishment forecasts the daily demand
with (moving average, exponential smoothing or auto); the demand moves (shipments and
customer returns) by kind and time, so the demand of the last days is read from a small
range of a partial index instead of the whole ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place on both engines (a constant default): the items table, which other
    # tables refer to, is never rebuilt.
    op.add_column('items', sa.Column('forecast_method', sa.String(length=16),
                                     server_default='moving_average', nullable=False))
    # Partial: only the demand moves, so no report that reads the whole ledger is tempted
    # to walk the index instead of the table.
    demand = sa.text("kind IN ('ship', 'customer_return')")
    op.create_index('ix_moves_demand_at', 'moves', ['kind', 'at'], unique=False,
                    sqlite_where=demand, postgresql_where=demand)


def downgrade() -> None:
    op.drop_index('ix_moves_demand_at', table_name='moves')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('forecast_method')
