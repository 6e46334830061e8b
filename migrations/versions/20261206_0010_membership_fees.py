"""Membership fees: the joining fee (and a renewal fee where the site charges one) taken at
the desk, in cash or by card, or waived, for the cash-up and the fees collected.

`session_id` is a plain integer (no foreign key), as in the model: the till sessions belong
to visits, which sit above members. The cash-up fills it in when the session closes.

Revision ID: 0010_membership_fees
Revises: 0009_visit_request_hash
Create Date: 2026-12-06 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_membership_fees'
down_revision = '0009_visit_request_hash'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('fee_pence', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('joining', 'renewal')", name=op.f('ck_membership_fees_kind')),
    sa.CheckConstraint("method IN ('cash', 'card', 'waived')", name=op.f('ck_membership_fees_method')),
    sa.CheckConstraint('fee_pence >= 0 AND amount_pence >= 0', name=op.f('ck_membership_fees_money_not_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_membership_fees_member_id_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_membership_fees_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_membership_fees_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_fees'))
    )
    with op.batch_alter_table('membership_fees', schema=None) as batch_op:
        batch_op.create_index('ix_membership_fees_site_local_date', ['site_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_fees_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_fees_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('membership_fees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_fees_session_id'))
        batch_op.drop_index(batch_op.f('ix_membership_fees_member_id'))
        batch_op.drop_index('ix_membership_fees_site_local_date')

    op.drop_table('membership_fees')
