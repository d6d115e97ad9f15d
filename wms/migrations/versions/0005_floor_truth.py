"""floor truth: minimum shelf life, reason notes, sales orders without a warehouse

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_shelf_life_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('moves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.alter_column('warehouse_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.alter_column('warehouse_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('moves', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('min_shelf_life_days')
