"""Running periods' households: `period_household_stats.through`, NULL for a period that is
over (every row stored so far), else the last day counted of the month, quarter or year still
running, so that the statistics add only the households that visited since (issue 17).

Nothing is filled here: until the next nightly rollup stores the running periods, they are
counted from their visits, as before.

Revision ID: 0019_running_period_households
Revises: 0018_survey_support_question
Create Date: 2026-12-07 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_running_period_households'
down_revision = '0018_survey_support_question'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('period_household_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('through', sa.Date(), nullable=True))


def downgrade():
    # The running periods' rows are derived data: dropped, they are counted from the visits.
    op.execute('DELETE FROM period_household_stats WHERE through IS NOT NULL')
    with op.batch_alter_table('period_household_stats', schema=None) as batch_op:
        batch_op.drop_column('through')
