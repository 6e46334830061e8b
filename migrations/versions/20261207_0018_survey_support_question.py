"""Survey support question: a follow-up's optional answer to "Did the help you were put in
touch with make a difference?" (asked only of members signposted or referred before it; never
scored). Nullable: earlier surveys, baselines and unanswered ones hold NULL. And an index of
referrals by site and the day they were made, for the reports' "Support beyond food".

Revision ID: 0018_survey_support_question
Revises: 0017_support_prompts
Create Date: 2026-12-07 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_survey_support_question'
down_revision = '0017_support_prompts'
branch_labels = None
depends_on = None

ANSWERS = "'yes_a_lot', 'yes_a_little', 'no', 'not_used', 'prefer_not_to_say'"


def upgrade():
    with op.batch_alter_table('survey_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_answer', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_survey_assessments_support_answer'),
            f"support_answer IS NULL OR support_answer IN ({ANSWERS})",
        )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_site_made_on', ['site_id', 'made_on'], unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_site_made_on')
    with op.batch_alter_table('survey_assessments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_survey_assessments_support_answer'), type_='check')
        batch_op.drop_column('support_answer')
