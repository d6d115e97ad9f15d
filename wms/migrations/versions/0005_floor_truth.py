"""floor truth: minimum shelf life, reason codes with notes, sales orders without a warehouse

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

    _reasons_become_codes()


# Reasons used to be stored as the label the clerk tapped, in the clerk's language. These are
# the labels the pages offered (English and Chinese) and the count adjustments' text; the
# list is frozen here as it was, whatever wms.reasons becomes later.
REASON_CODES = (
    'damaged', 'broken', 'expired', 'short_shelf_life', 'wrong_item', 'contaminated',
    'missing_label', 'quality', 'lost', 'other', 'cycle_count',
)
LABEL_CODES = {
    'Damaged': 'damaged', '破损': 'damaged',
    'Broken in handling': 'broken', '作业中损坏': 'broken',
    'Expired': 'expired', '过期': 'expired',
    'Expired or short-dated': 'expired', '过期或临期': 'expired',
    'Wrong item': 'wrong_item', '商品不对': 'wrong_item',
    'Label missing': 'missing_label', '缺标签': 'missing_label',
    'Quality problem': 'quality', '质量问题': 'quality',
    'Lost': 'lost', '丢失': 'lost',
    'cycle count': 'cycle_count',
}


def _code_and_note(text: str | None) -> tuple[str | None, str | None]:
    """A stored reason as (code, note): a known label or code becomes its code, any other
    text becomes `other` with the text kept as the note."""
    stripped = (text or '').strip()
    if not stripped:
        return None, None
    if stripped in REASON_CODES:
        return stripped, None
    if stripped in LABEL_CODES:
        return LABEL_CODES[stripped], None
    return 'other', stripped[:200]


def _reasons_become_codes() -> None:
    """Stored reasons (moves, receipt lines, the dock stations' inspection choice) become
    codes; text that is no known label moves to the note."""
    bind = op.get_bind()
    for name in ('moves', 'receipt_lines'):
        table = sa.table(name, sa.column('reason', sa.String), sa.column('note', sa.String))
        texts = bind.execute(sa.select(table.c.reason).where(table.c.reason.is_not(None))
                             .distinct()).scalars().all()
        for text in texts:
            code, note = _code_and_note(text)
            if (code, note) != (text, None):
                bind.execute(table.update().where(table.c.reason == text)
                             .values(reason=code, note=note))
    states = sa.table('station_states', sa.column('station', sa.String),
                      sa.column('data', sa.JSON))
    for station, data in bind.execute(sa.select(states.c.station, states.c.data)).all():
        if isinstance(data, dict) and data.get('reason'):
            code, _note = _code_and_note(data['reason'])
            if code != data['reason']:
                # A choice whose reason has no code falls back to accept: the clerk chooses
                # again, rather than later scans being booked under a reason nobody chose.
                changed = ({**data, 'reason': code} if code != 'other'
                           else {**data, 'disposition': 'accept', 'reason': None})
                bind.execute(states.update().where(states.c.station == station)
                             .values(data=changed))


def downgrade() -> None:
    bind = op.get_bind()
    for name in ('moves', 'receipt_lines'):  # the free text of "other" was the reason before
        table = sa.table(name, sa.column('reason', sa.String), sa.column('note', sa.String))
        bind.execute(table.update().where(table.c.reason == 'other', table.c.note.is_not(None))
                     .values(reason=table.c.note))
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.alter_column('warehouse_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('moves', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('min_shelf_life_days')
