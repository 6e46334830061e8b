"""Reporting rollups: daily visit and stock sums per site, distinct households per fixed
period, and the state that says how far they go (derived data, rebuilt from the ledgers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:31:37.524987

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complete_through', sa.Date(), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_state'))
    )
    op.create_table('daily_stock_stats',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('weight_g', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_daily_stock_stats_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'local_date', 'kind', 'source', 'reason', name=op.f('pk_daily_stock_stats'))
    )
    op.create_table('daily_visit_stats',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('fees_pence', sa.BigInteger(), nullable=False),
    sa.Column('retail_value_pence', sa.BigInteger(), nullable=False),
    sa.Column('savings_pence', sa.BigInteger(), nullable=False),
    sa.Column('overrides', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_daily_visit_stats_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'local_date', name=op.f('pk_daily_visit_stats'))
    )
    op.create_table('period_household_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=7), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_period_household_stats_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_household_stats')),
    sa.UniqueConstraint('period_key', 'site_id', name=op.f('uq_period_household_stats_period_key_site_id'))
    )
    with op.batch_alter_table('period_household_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_household_stats_site_id'), ['site_id'], unique=False)

    op.create_table('rollup_stale_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_rollup_stale_days_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_stale_days'))
    )
    with op.batch_alter_table('rollup_stale_days', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_stale_days_site_date', ['site_id', 'local_date'], unique=False)

    # Reporting counts active member households per period from this index alone.
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_site_status_joined_ended', ['site_id', 'status', 'joined_on', 'closed_on', 'expires_on'], unique=False)



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_site_status_joined_ended')

    with op.batch_alter_table('rollup_stale_days', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_stale_days_site_date')

    op.drop_table('rollup_stale_days')
    with op.batch_alter_table('period_household_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_household_stats_site_id'))

    op.drop_table('period_household_stats')
    op.drop_table('daily_visit_stats')
    op.drop_table('daily_stock_stats')
    op.drop_table('rollup_state')
