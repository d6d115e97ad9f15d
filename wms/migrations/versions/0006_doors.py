"""doors: a session version per user, station-bound device tokens, sign-in counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wms.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stations', sa.String(length=500), nullable=True))
    op.create_table(
        'sign_in_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('window_start', wms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_counters')),
    )


def downgrade() -> None:
    op.drop_table('sign_in_counters')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('stations')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
