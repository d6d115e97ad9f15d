"""gateways: several gateways (one per site) on one PostgreSQL. A print job records the
gateway whose printer it is for; a station's state and events are keyed by gateway and
station, so two gateways' stations of the same name do not mix; a station device's token
(the bridge's) works at its own gateway only. Every row from before belongs to the gateway
"main" (the default name of a gateway).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _gateway() -> sa.Column[str]:
    return sa.Column('gateway', sa.String(length=64), server_default='main', nullable=False)


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway', sa.String(length=64), nullable=True))
    op.execute("UPDATE api_tokens SET gateway = 'main' WHERE stations IS NOT NULL")
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.add_column(_gateway())
        batch_op.drop_index('ix_print_jobs_printer')
        batch_op.create_index('ix_print_jobs_gateway_printer', ['gateway', 'printer'],
                              unique=False)
    with op.batch_alter_table('station_states', schema=None) as batch_op:
        batch_op.add_column(_gateway())
        batch_op.drop_constraint('pk_station_states', type_='primary')
        batch_op.create_primary_key('pk_station_states', ['gateway', 'station'])
    with op.batch_alter_table('station_events', schema=None) as batch_op:
        batch_op.add_column(_gateway())
        batch_op.drop_index('ix_station_events_station_version')
        batch_op.create_index('ix_station_events_gateway_station_version',
                              ['gateway', 'station', 'version'], unique=False)


def downgrade() -> None:
    # Back to one gateway, "main": the others' station state goes, their unprinted jobs are
    # cancelled (main's printer of the same name must not print them) and their bridges'
    # tokens revoked.
    op.execute("DELETE FROM station_states WHERE gateway <> 'main'")
    op.execute("DELETE FROM station_events WHERE gateway <> 'main'")
    op.execute("UPDATE print_jobs SET status = 'cancelled', lease_until = NULL "
               "WHERE gateway <> 'main' AND status IN ('queued', 'printing')")
    op.execute(sa.text("UPDATE api_tokens SET revoked = :revoked WHERE gateway <> 'main'")
               .bindparams(revoked=True))
    with op.batch_alter_table('station_events', schema=None) as batch_op:
        batch_op.drop_index('ix_station_events_gateway_station_version')
        batch_op.create_index('ix_station_events_station_version', ['station', 'version'],
                              unique=False)
        batch_op.drop_column('gateway')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('gateway')
    with op.batch_alter_table('station_states', schema=None) as batch_op:
        batch_op.drop_constraint('pk_station_states', type_='primary')
        batch_op.create_primary_key('pk_station_states', ['station'])
        batch_op.drop_column('gateway')
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_print_jobs_gateway_printer')
        batch_op.create_index('ix_print_jobs_printer', ['printer'], unique=False)
        batch_op.drop_column('gateway')
