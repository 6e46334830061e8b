"""Payment models: how each visit was paid beyond the flat fee (visit types' payment_model).

- `visits.payment_method` is widened to 20 characters and takes `free` (nothing due), and
  `membership`, `pay_as_you_feel` and `points`; `visits.payment_model` keeps the visit type's
  model (every visit before is `flat_fee`) and `visits.points_spent` what a points basket cost.
- `membership_fees.kind` takes `membership` (the annual or termly membership fee), whose
  `covers_until` is the last day it covers.
- `points_ledger`: a household's points at a site, one row per change with the balance after.

Visits recorded before as "cash" with nothing due and nothing paid stay as they are: they
were recorded so, and the cash-up of their sessions counted them so.

Revision ID: 0024_payment_models
Revises: 0023_equality_monitoring
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_payment_models'
down_revision = '0023_equality_monitoring'
branch_labels = None
depends_on = None

OLD_METHODS = "'cash', 'card', 'waived'"
NEW_METHODS = "'cash', 'card', 'waived', 'free', 'membership', 'pay_as_you_feel', 'points'"
OLD_KINDS = "'joining', 'renewal'"
NEW_KINDS = "'joining', 'renewal', 'membership'"
REASONS = "'credit', 'spend', 'expire', 'void'"


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_visits_payment_method'), type_='check')
        batch_op.alter_column(
            'payment_method',
            existing_type=sa.String(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(
            op.f('ck_visits_payment_method'), f"payment_method IN ({NEW_METHODS})"
        )
        batch_op.add_column(
            sa.Column('payment_model', sa.String(length=20), server_default='flat_fee', nullable=False)
        )
        batch_op.add_column(
            sa.Column('points_spent', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('membership_fees', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_membership_fees_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_membership_fees_kind'), f"kind IN ({NEW_KINDS})")
        batch_op.add_column(sa.Column('covers_until', sa.Date(), nullable=True))
    op.create_table(
        'points_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('change', sa.Integer(), nullable=False),
        sa.Column('balance_after', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"reason IN ({REASONS})", name=op.f('ck_points_ledger_reason')),
        sa.CheckConstraint(
            'balance_after >= 0', name=op.f('ck_points_ledger_balance_not_negative')
        ),
        sa.ForeignKeyConstraint(
            ['member_id'], ['members.id'], name=op.f('fk_points_ledger_member_id_members')
        ),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_points_ledger_site_id_sites')
        ),
        sa.ForeignKeyConstraint(
            ['visit_id'], ['visits.id'], name=op.f('fk_points_ledger_visit_id_visits')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger')),
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index(
            'ix_points_ledger_member_site', ['member_id', 'site_id', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_points_ledger_site_local_date', ['site_id', 'local_date'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_points_ledger_visit_id'), ['visit_id'], unique=False
        )


def downgrade():
    op.drop_table('points_ledger')
    with op.batch_alter_table('membership_fees', schema=None) as batch_op:
        batch_op.drop_column('covers_until')
        batch_op.drop_constraint(op.f('ck_membership_fees_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_membership_fees_kind'), f"kind IN ({OLD_KINDS})")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('points_spent')
        batch_op.drop_column('payment_model')
        batch_op.drop_constraint(op.f('ck_visits_payment_method'), type_='check')
        batch_op.alter_column(
            'payment_method',
            existing_type=sa.String(length=20),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(
            op.f('ck_visits_payment_method'), f"payment_method IN ({OLD_METHODS})"
        )
