"""Visits: one row per check-in with the household snapshot, fee, payment, value and any
override or void; the band counts and scanned products of each visit; and till sessions with
their cash-up (at most one open per site).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 00:23:38.283016

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('volunteers', sa.String(length=300), nullable=False),
    sa.Column('float_pence', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('visits_count', sa.Integer(), nullable=True),
    sa.Column('expected_cash_pence', sa.Integer(), nullable=True),
    sa.Column('expected_card_pence', sa.Integer(), nullable=True),
    sa.Column('waived_count', sa.Integer(), nullable=True),
    sa.Column('overrides_count', sa.Integer(), nullable=True),
    sa.Column('counted_cash_pence', sa.Integer(), nullable=True),
    sa.Column('difference_pence', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_site_sessions_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_site_sessions_opened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_sessions_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_sessions'))
    )
    with op.batch_alter_table('site_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_site_sessions_site_local_date', ['site_id', 'local_date'], unique=False)
        batch_op.create_index('uq_site_sessions_open_site', ['site_id'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('week_key', sa.String(length=8), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=40), nullable=False),
    sa.Column('fee_pence', sa.Integer(), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('amount_paid_pence', sa.Integer(), nullable=False),
    sa.Column('payment_reason', sa.String(length=200), nullable=False),
    sa.Column('retail_value_pence', sa.Integer(), nullable=False),
    sa.Column('savings_pence', sa.Integer(), nullable=False),
    sa.Column('override_reason', sa.String(length=200), nullable=False),
    sa.Column('overridden_rules', sa.JSON(), nullable=False),
    sa.Column('overridden_by_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("payment_method IN ('cash', 'card', 'waived')", name=op.f('ck_visits_payment_method')),
    sa.CheckConstraint('adults >= 0 AND children_0_4 >= 0 AND children_5_11 >= 0 AND children_12_17 >= 0', name=op.f('ck_visits_household_not_negative')),
    sa.CheckConstraint('fee_pence >= 0 AND amount_paid_pence >= 0 AND retail_value_pence >= 0 AND savings_pence >= 0', name=op.f('ck_visits_money_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_visits_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_visits_member_id_members')),
    sa.ForeignKeyConstraint(['overridden_by_id'], ['users.id'], name=op.f('fk_visits_overridden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['site_sessions.id'], name=op.f('fk_visits_session_id_site_sessions')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_visits_site_id_sites')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_visits_voided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('site_id', 'idempotency_key', name=op.f('uq_visits_site_id_idempotency_key'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_member_local_date', ['member_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_visits_site_local_date', ['site_id', 'local_date'], unique=False)

    op.create_table('visit_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('value_pence', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_visit_bands_quantity_not_negative')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_bands_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_bands')),
    sa.UniqueConstraint('visit_id', 'band', name=op.f('uq_visit_bands_visit_id_band'))
    )
    op.create_table('visit_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reference_price_pence', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_visit_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_lines_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_lines'))
    )
    with op.batch_alter_table('visit_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_lines_visit_id'), ['visit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visit_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_lines_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_lines_product_id'))

    op.drop_table('visit_lines')
    op.drop_table('visit_bands')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_site_local_date')
        batch_op.drop_index(batch_op.f('ix_visits_session_id'))
        batch_op.drop_index('ix_visits_member_local_date')

    op.drop_table('visits')
    with op.batch_alter_table('site_sessions', schema=None) as batch_op:
        batch_op.drop_index('uq_site_sessions_open_site', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_site_sessions_site_local_date')

    op.drop_table('site_sessions')
