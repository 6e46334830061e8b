"""Support prompts (issue 15): the Healthy Start and advice prompts shown to the volunteer at
check-in and what became of each (acted on, or dismissed with a reason), so that reporting can
count the households prompted and those who then got a signpost or referral; and a pregnancy
recorded on the member with their consent (for the Healthy Start prompt).

A prompt row lives from the day it was first shown until it is acted on or dismissed; the
panel reads a member's rows by (member_id, kind), reporting by (site_id, first_shown_on).
The pregnancy fields are cleared when the member is anonymised.

Revision ID: 0017_support_prompts
Revises: 0016_referral_agencies
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_support_prompts'
down_revision = '0016_referral_agencies'
branch_labels = None
depends_on = None

REASONS = "'already_has', 'not_eligible', 'member_declined', 'not_now', 'other'"


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pregnancy_recorded', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('pregnancy_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pregnancy_consent_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('support_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('first_shown_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('outcome_by_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('healthy_start', 'advice')", name=op.f('ck_support_prompts_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('acted', 'dismissed')", name=op.f('ck_support_prompts_outcome')),
    sa.CheckConstraint(f"reason IS NULL OR reason IN ({REASONS})", name=op.f('ck_support_prompts_reason')),
    sa.CheckConstraint("reason IS NULL OR outcome = 'dismissed'", name=op.f('ck_support_prompts_reason_if_dismissed')),
    sa.CheckConstraint("outcome <> 'dismissed' OR reason IS NOT NULL", name=op.f('ck_support_prompts_dismissed_reason')),
    sa.CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name=op.f('ck_support_prompts_outcome_on')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_support_prompts_member_id_members')),
    sa.ForeignKeyConstraint(['outcome_by_id'], ['users.id'], name=op.f('fk_support_prompts_outcome_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_support_prompts_referral_id_referrals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_support_prompts_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_prompts'))
    )
    with op.batch_alter_table('support_prompts', schema=None) as batch_op:
        batch_op.create_index('ix_support_prompts_member_kind', ['member_id', 'kind'], unique=False)
        batch_op.create_index('ix_support_prompts_site_first_shown_on', ['site_id', 'first_shown_on'], unique=False)


def downgrade():
    with op.batch_alter_table('support_prompts', schema=None) as batch_op:
        batch_op.drop_index('ix_support_prompts_site_first_shown_on')
        batch_op.drop_index('ix_support_prompts_member_kind')

    op.drop_table('support_prompts')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('pregnancy_consent_at')
        batch_op.drop_column('pregnancy_due_on')
        batch_op.drop_column('pregnancy_recorded')
