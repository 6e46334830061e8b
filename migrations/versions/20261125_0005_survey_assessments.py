"""Food-insecurity survey: one row per assessment, with its raw answers, scores and rule version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:22:38.900902

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('timepoint', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('instrument', sa.String(length=120), nullable=False),
    sa.Column('instrument_version', sa.String(length=40), nullable=False),
    sa.Column('reference_period', sa.String(length=8), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('raw_score_10', sa.Integer(), nullable=False),
    sa.Column('category_10', sa.String(length=12), nullable=False),
    sa.Column('raw_score_6', sa.Integer(), nullable=False),
    sa.Column('category_6', sa.String(length=20), nullable=False),
    sa.Column('food_insecure', sa.Boolean(), nullable=False),
    sa.Column('hunger_vital_sign_positive', sa.Boolean(), nullable=False),
    sa.Column('dont_know_or_refused', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('rule_version', sa.String(length=40), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('client_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint("(kind = 'baseline') = (timepoint = 0)", name=op.f('ck_survey_assessments_baseline_at_zero')),
    sa.CheckConstraint("category_10 IN ('high', 'marginal', 'low', 'very_low')", name=op.f('ck_survey_assessments_category_10')),
    sa.CheckConstraint("category_6 IN ('high_or_marginal', 'low', 'very_low')", name=op.f('ck_survey_assessments_category_6')),
    sa.CheckConstraint("kind IN ('baseline', 'follow_up')", name=op.f('ck_survey_assessments_kind')),
    sa.CheckConstraint("mode IN ('self', 'interviewer')", name=op.f('ck_survey_assessments_mode')),
    sa.CheckConstraint('dont_know_or_refused >= 0', name=op.f('ck_survey_assessments_dont_know_or_refused')),
    sa.CheckConstraint('raw_score_10 >= 0 AND raw_score_10 <= 10', name=op.f('ck_survey_assessments_raw_score_10')),
    sa.CheckConstraint('raw_score_6 >= 0 AND raw_score_6 <= 6', name=op.f('ck_survey_assessments_raw_score_6')),
    sa.CheckConstraint('timepoint IN (0, 3, 6)', name=op.f('ck_survey_assessments_timepoint')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_assessments_member_id_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_survey_assessments_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_survey_assessments_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_assessments')),
    sa.UniqueConstraint('client_key', name=op.f('uq_survey_assessments_client_key')),
    sa.UniqueConstraint('member_id', 'timepoint', name=op.f('uq_survey_assessments_member_id_timepoint'))
    )
    with op.batch_alter_table('survey_assessments', schema=None) as batch_op:
        batch_op.create_index('ix_survey_assessments_site_kind_date', ['site_id', 'kind', 'local_date'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_assessments_site_kind_date')

    op.drop_table('survey_assessments')
