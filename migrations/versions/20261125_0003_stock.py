"""Stock: the product catalogue, donors and donations, stock batches and the ledger of
movements, transfers, stocktakes and fridge/freezer temperature checks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:19:30.614049

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('unit_weight_g', sa.Integer(), nullable=False),
    sa.Column('reference_price_pence', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=13), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=True),
    sa.Column('weight_only', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_level IS NULL OR min_level >= 0', name=op.f('ck_products_min_level_not_negative')),
    sa.CheckConstraint('reference_price_pence >= 0', name=op.f('ck_products_price_not_negative')),
    sa.CheckConstraint('unit_weight_g > 0', name=op.f('ck_products_unit_weight_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('barcode', name=op.f('uq_products_barcode')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_name_key'), ['name_key'], unique=False)

    op.create_table('donors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_donors_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donors')),
    sa.UniqueConstraint('site_id', 'name_key', 'kind', name=op.f('uq_donors_site_id_name_key_kind'))
    )
    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donors_site_id'), ['site_id'], unique=False)

    op.create_table('stock_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('date_kind', sa.String(length=12), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('batch_key', sa.String(length=60), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_stock_batches_quantity_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_batches_product_id_products')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stock_batches_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_batches')),
    sa.UniqueConstraint('site_id', 'product_id', 'batch_key', name=op.f('uq_stock_batches_site_id_product_id_batch_key'))
    )
    with op.batch_alter_table('stock_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_batches_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_batches_site_id'), ['site_id'], unique=False)

    op.create_table('stock_site_minimums',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_level >= 0', name=op.f('ck_stock_site_minimums_min_level_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_site_minimums_product_id_products')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stock_site_minimums_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'product_id', name=op.f('pk_stock_site_minimums'))
    )
    with op.batch_alter_table('stock_site_minimums', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_site_minimums_site_id'), ['site_id'], unique=False)

    op.create_table('stock_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('to_site_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('receive_note', sa.String(length=500), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_stock_transfers_received_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_stock_transfers_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stock_transfers_site_id_sites')),
    sa.ForeignKeyConstraint(['to_site_id'], ['sites.id'], name=op.f('fk_stock_transfers_to_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfers'))
    )
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_transfers_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_transfers_to_site_id'), ['to_site_id'], unique=False)

    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_stocktakes_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stocktakes_site_id_sites')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_stocktakes_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes'))
    )
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktakes_site_id'), ['site_id'], unique=False)

    op.create_table('temperature_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=60), nullable=False),
    sa.Column('unit_kind', sa.String(length=10), nullable=False),
    sa.Column('tenths_c', sa.Integer(), nullable=False),
    sa.Column('out_of_range', sa.Boolean(), nullable=False),
    sa.Column('action_taken', sa.String(length=500), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.CheckConstraint('NOT out_of_range OR length(action_taken) > 0', name=op.f('ck_temperature_checks_action_when_out_of_range')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_temperature_checks_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_temperature_checks_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_temperature_checks'))
    )
    with op.batch_alter_table('temperature_checks', schema=None) as batch_op:
        batch_op.create_index('ix_temperature_checks_site_at', ['site_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_temperature_checks_site_id'), ['site_id'], unique=False)

    op.create_table('donations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('total_quantity', sa.Integer(), nullable=False),
    sa.Column('total_weight_g', sa.Integer(), nullable=False),
    sa.Column('total_cost_pence', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_donations_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_donations_donor_id_donors')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_donations_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donations'))
    )
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donations_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ix_donations_site_received', ['site_id', 'received_on'], unique=False)

    op.create_table('stock_transfer_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('from_batch_id', sa.Integer(), nullable=False),
    sa.Column('to_batch_id', sa.Integer(), nullable=True),
    sa.Column('quantity_sent', sa.Integer(), nullable=False),
    sa.Column('quantity_received', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity_received IS NULL OR (quantity_received >= 0 AND quantity_received <= quantity_sent)', name=op.f('ck_stock_transfer_lines_received_within_sent')),
    sa.CheckConstraint('quantity_sent > 0', name=op.f('ck_stock_transfer_lines_sent_positive')),
    sa.ForeignKeyConstraint(['from_batch_id'], ['stock_batches.id'], name=op.f('fk_stock_transfer_lines_from_batch_id_stock_batches')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_transfer_lines_product_id_products')),
    sa.ForeignKeyConstraint(['to_batch_id'], ['stock_batches.id'], name=op.f('fk_stock_transfer_lines_to_batch_id_stock_batches')),
    sa.ForeignKeyConstraint(['transfer_id'], ['stock_transfers.id'], name=op.f('fk_stock_transfer_lines_transfer_id_stock_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfer_lines'))
    )
    with op.batch_alter_table('stock_transfer_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_transfer_lines_transfer_id'), ['transfer_id'], unique=False)

    op.create_table('stocktake_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('expected_quantity', sa.Integer(), nullable=False),
    sa.Column('counted_quantity', sa.Integer(), nullable=True),
    sa.CheckConstraint('counted_quantity IS NULL OR counted_quantity >= 0', name=op.f('ck_stocktake_lines_count_ok')),
    sa.ForeignKeyConstraint(['batch_id'], ['stock_batches.id'], name=op.f('fk_stocktake_lines_batch_id_stock_batches')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_lines_stocktake_id_stocktakes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_lines')),
    sa.UniqueConstraint('stocktake_id', 'batch_id', name=op.f('uq_stocktake_lines_stocktake_id_batch_id'))
    )
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_lines_stocktake_id'), ['stocktake_id'], unique=False)

    op.create_table('donation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.Column('best_before', sa.Date(), nullable=True),
    sa.Column('use_by', sa.Date(), nullable=True),
    sa.Column('cost_pence', sa.Integer(), nullable=True),
    sa.CheckConstraint('best_before IS NULL OR use_by IS NULL', name=op.f('ck_donation_lines_one_date')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_donation_lines_quantity_positive')),
    sa.CheckConstraint('weight_g >= 0', name=op.f('ck_donation_lines_weight_not_negative')),
    sa.ForeignKeyConstraint(['batch_id'], ['stock_batches.id'], name=op.f('fk_donation_lines_batch_id_stock_batches')),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_donation_lines_donation_id_donations')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_donation_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donation_lines'))
    )
    with op.batch_alter_table('donation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donation_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donation_lines_donation_id'), ['donation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donation_lines_product_id'), ['product_id'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('stocktake_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_stock_movements_quantity_not_zero')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_stock_movements_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['stock_batches.id'], name=op.f('fk_stock_movements_batch_id_stock_batches')),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_stock_movements_donation_id_donations')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_stock_movements_site_id_sites')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stock_movements_stocktake_id_stocktakes')),
    sa.ForeignKeyConstraint(['transfer_id'], ['stock_transfers.id'], name=op.f('fk_stock_movements_transfer_id_stock_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_donation_id'), ['donation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_stock_movements_site_date_kind', ['site_id', 'local_date', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_stocktake_id'), ['stocktake_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_transfer_id'), ['transfer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_visit_id'), ['visit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_visit_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_stocktake_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_site_id'))
        batch_op.drop_index('ix_stock_movements_site_date_kind')
        batch_op.drop_index(batch_op.f('ix_stock_movements_product_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_donation_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_batch_id'))

    op.drop_table('stock_movements')
    with op.batch_alter_table('donation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_donation_lines_donation_id'))
        batch_op.drop_index(batch_op.f('ix_donation_lines_batch_id'))

    op.drop_table('donation_lines')
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_lines_stocktake_id'))

    op.drop_table('stocktake_lines')
    with op.batch_alter_table('stock_transfer_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_transfer_lines_transfer_id'))

    op.drop_table('stock_transfer_lines')
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index('ix_donations_site_received')
        batch_op.drop_index(batch_op.f('ix_donations_site_id'))
        batch_op.drop_index(batch_op.f('ix_donations_donor_id'))

    op.drop_table('donations')
    with op.batch_alter_table('temperature_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_temperature_checks_site_id'))
        batch_op.drop_index('ix_temperature_checks_site_at')

    op.drop_table('temperature_checks')
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktakes_site_id'))

    op.drop_table('stocktakes')
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_transfers_to_site_id'))
        batch_op.drop_index(batch_op.f('ix_stock_transfers_site_id'))

    op.drop_table('stock_transfers')
    with op.batch_alter_table('stock_site_minimums', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_site_minimums_site_id'))

    op.drop_table('stock_site_minimums')
    with op.batch_alter_table('stock_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_batches_site_id'))
        batch_op.drop_index(batch_op.f('ix_stock_batches_product_id'))

    op.drop_table('stock_batches')
    with op.batch_alter_table('donors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donors_site_id'))

    op.drop_table('donors')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_name_key'))
        batch_op.drop_index(batch_op.f('ix_products_category'))

    op.drop_table('products')
