"""office: planning fields and moving-average cost of items, case barcodes, order warehouse,
prices and cancellation, returns, user warehouses, audit device

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wms.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    """Add a nullable column referring to `target`, in place: SQLite takes REFERENCES on an
    added column, so tables that other tables refer to are never rebuilt."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   f'CONSTRAINT {name} REFERENCES {target} (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ['id'])


def upgrade() -> None:
    _add_reference('items', 'supplier_id', 'suppliers', 'fk_items_supplier_id_suppliers')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_period_days', sa.Integer(), server_default='7',
                                      nullable=False))
        batch_op.add_column(sa.Column('instability_factor', sa.Numeric(6, 3),
                                      server_default='1.2', nullable=False))
        batch_op.add_column(sa.Column('demand_window_days', sa.Integer(), server_default='28',
                                      nullable=False))
        batch_op.add_column(sa.Column('avg_cost', sa.Numeric(14, 4), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('units', sa.Integer(), server_default='1',
                                      nullable=False))
    _add_reference('purchase_orders', 'warehouse_id', 'warehouses', 'fk_purchase_orders_warehouse_id_warehouses')
    _add_reference('purchase_orders', 'created_by', 'users', 'fk_purchase_orders_created_by_users')
    op.add_column('purchase_orders', sa.Column('cancel_reason', sa.String(length=200),
                                               nullable=True))
    _add_reference('sales_orders', 'created_by', 'users', 'fk_sales_orders_created_by_users')
    op.add_column('sales_orders', sa.Column('cancel_reason', sa.String(length=200),
                                            nullable=True))
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_price', sa.Numeric(14, 4), nullable=True))
    with op.batch_alter_table('moves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_cost', sa.Numeric(14, 4), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warehouses', sa.String(length=500), nullable=True))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_audit_events_action', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_user', ['user_id', 'id'], unique=False)
    op.create_table(
        'stock_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('supplier_id', sa.Integer(), nullable=True),
        sa.Column('sales_order_id', sa.Integer(), nullable=True),
        sa.Column('purchase_order_id', sa.Integer(), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', wms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('customer','supplier')",
                           name=op.f('ck_stock_returns_kind_known')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_stock_returns_customer_id_customers')),
        sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'],
                                name=op.f('fk_stock_returns_supplier_id_suppliers')),
        sa.ForeignKeyConstraint(['sales_order_id'], ['sales_orders.id'],
                                name=op.f('fk_stock_returns_sales_order_id_sales_orders')),
        sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'],
                                name=op.f('fk_stock_returns_purchase_order_id_purchase_orders')),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_stock_returns_location_id_locations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_stock_returns_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_returns')),
    )
    with op.batch_alter_table('stock_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_returns_sales_order_id'),
                              ['sales_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_returns_purchase_order_id'),
                              ['purchase_order_id'], unique=False)
    op.create_table(
        'stock_return_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.Column('disposition', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('unit_cost', sa.Numeric(14, 4), nullable=True),
        sa.CheckConstraint('qty > 0', name=op.f('ck_stock_return_lines_qty_positive')),
        sa.CheckConstraint("disposition IN ('restock','quarantine','scrap','return')",
                           name=op.f('ck_stock_return_lines_disposition_known')),
        sa.ForeignKeyConstraint(['return_id'], ['stock_returns.id'],
                                name=op.f('fk_stock_return_lines_return_id_stock_returns')),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'],
                                name=op.f('fk_stock_return_lines_item_id_items')),
        sa.ForeignKeyConstraint(['lot_id'], ['lots.id'],
                                name=op.f('fk_stock_return_lines_lot_id_lots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_return_lines')),
    )
    with op.batch_alter_table('stock_return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_return_lines_return_id'), ['return_id'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('stock_return_lines')
    op.drop_table('stock_returns')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user')
        batch_op.drop_index('ix_audit_events_action')
        batch_op.drop_column('device')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('warehouses')
    with op.batch_alter_table('moves', schema=None) as batch_op:
        batch_op.drop_column('unit_cost')
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.drop_column('unit_price')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sales_orders_created_by_users', type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('created_by')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint('fk_purchase_orders_created_by_users', type_='foreignkey')
        batch_op.drop_constraint('fk_purchase_orders_warehouse_id_warehouses',
                                 type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('created_by')
        batch_op.drop_column('warehouse_id')
    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.drop_column('units')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('notes')
        batch_op.drop_column('email')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('tier')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_items_supplier_id_suppliers', type_='foreignkey')
        batch_op.drop_column('active')
        batch_op.drop_column('avg_cost')
        batch_op.drop_column('demand_window_days')
        batch_op.drop_column('instability_factor')
        batch_op.drop_column('review_period_days')
        batch_op.drop_column('supplier_id')
