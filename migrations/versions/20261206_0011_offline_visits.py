"""Offline check-ins: when and on which tablet a visit was recorded offline, and the site
manager's review of those a rule would have refused (open, accepted or voided, with the
refusal's code and words, a note, who reviewed it and when).

Every column is nullable or has a server default, so existing visits need no backfill: they
were checked in online and are not under review.

Revision ID: 0011_offline_visits
Revises: 0010_membership_fees
Create Date: 2026-12-06 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_offline_visits'
down_revision = '0010_membership_fees'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('offline_device', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('review_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('review_reason_code', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review_note', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_visits_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            batch_op.f('ck_visits_review_status'),
            "review_status IS NULL OR review_status IN ('open', 'accepted', 'voided')",
        )
        batch_op.create_index('ix_visits_site_review_status', ['site_id', 'review_status'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_site_review_status')
        batch_op.drop_constraint(batch_op.f('ck_visits_review_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_visits_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('review_note')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('review_reason_code')
        batch_op.drop_column('review_status')
        batch_op.drop_column('offline_device')
        batch_op.drop_column('offline_recorded_at')
