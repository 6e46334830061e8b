"""Anonymous visits (issue 16): a parcel given to someone who does not want to register,
kept as the household's counts only (adults, children by age band), its visit type, the
payment and the till session it belongs to; no member and nothing personal.

CHECKs hold the counts at zero or more with at least one person, the money at zero or more
and the payment method to cash, card or waived. The idempotency key is unique per site (a
retried request returns the first record). The day's list and the reports read by site and
local date, hence the index; the cash-up reads by session.

Revision ID: 0021_anonymous_visits
Revises: 0020_visit_types
Create Date: 2026-12-07 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_anonymous_visits'
down_revision = '0020_visit_types'
branch_labels = None
depends_on = None

METHODS = "'cash', 'card', 'waived', 'free', 'membership', 'pay_as_you_feel', 'points'"


def upgrade():
    op.create_table('anonymous_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('visit_type', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('fee_pence', sa.Integer(), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('amount_paid_pence', sa.Integer(), nullable=False),
    sa.Column('payment_reason', sa.String(length=200), nullable=False),
    sa.Column('retail_value_pence', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(f"payment_method IN ({METHODS})", name=op.f('ck_anonymous_visits_payment_method')),
    sa.CheckConstraint("adults >= 0 AND children_0_4 >= 0 AND children_5_11 >= 0 AND children_12_17 >= 0", name=op.f('ck_anonymous_visits_household_not_negative')),
    sa.CheckConstraint("adults + children_0_4 + children_5_11 + children_12_17 >= 1", name=op.f('ck_anonymous_visits_at_least_one_person')),
    sa.CheckConstraint("fee_pence >= 0 AND amount_paid_pence >= 0 AND retail_value_pence >= 0", name=op.f('ck_anonymous_visits_money_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_anonymous_visits_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['site_sessions.id'], name=op.f('fk_anonymous_visits_session_id_site_sessions')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_anonymous_visits_site_id_sites')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_anonymous_visits_voided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymous_visits')),
    sa.UniqueConstraint('site_id', 'idempotency_key', name=op.f('uq_anonymous_visits_site_id_idempotency_key'))
    )
    with op.batch_alter_table('anonymous_visits', schema=None) as batch_op:
        batch_op.create_index('ix_anonymous_visits_site_local_date', ['site_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_anonymous_visits_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('anonymous_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anonymous_visits_session_id'))
        batch_op.drop_index('ix_anonymous_visits_site_local_date')

    op.drop_table('anonymous_visits')
