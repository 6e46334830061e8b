"""Survey pair rollups: per site and day of the baseline, how many baselines had each (baseline
score, 3-month follow-up score) pair, and the baseline days changed since they were rolled up
(derived data, rebuilt from the assessments by `supermarket reporting rollup`).

The days already rolled up (to rollup_state.complete_through) are filled here, with the same
grouping as the rollup's, so the statistics read the same survey figures before and after;
later days are read from the assessments until the nightly rollup reaches them.

Revision ID: 0015_survey_pair_rollups
Revises: 0014_support_services
Create Date: 2026-12-07 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_survey_pair_rollups'
down_revision = '0014_support_services'
branch_labels = None
depends_on = None


# Every baseline to the day rolled up, as a cell: its scores and its 3-month follow-up's ("" and
# -1 while it has none). `false` is a keyword on SQLite since 3.23.
FILL = """
INSERT INTO daily_survey_stats (site_id, local_date, baseline_complete, baseline_category,
    baseline_score, follow_up_complete, follow_up_category, follow_up_score, baselines)
SELECT b.site_id, b.local_date, b.complete, b.category_10, b.raw_score_10,
    COALESCE(f.complete, false), COALESCE(f.category_10, ''), COALESCE(f.raw_score_10, -1),
    count(*)
FROM survey_assessments b
LEFT JOIN survey_assessments f ON f.member_id = b.member_id AND f.timepoint = 3
WHERE b.kind = 'baseline'
    AND b.local_date <= (SELECT complete_through FROM rollup_state WHERE id = 1)
GROUP BY b.site_id, b.local_date, b.complete, b.category_10, b.raw_score_10,
    COALESCE(f.complete, false), COALESCE(f.category_10, ''), COALESCE(f.raw_score_10, -1)
"""


def upgrade():
    op.create_table('daily_survey_stats',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('baseline_complete', sa.Boolean(), nullable=False),
    sa.Column('baseline_category', sa.String(length=12), nullable=False),
    sa.Column('baseline_score', sa.Integer(), nullable=False),
    sa.Column('follow_up_complete', sa.Boolean(), nullable=False),
    sa.Column('follow_up_category', sa.String(length=12), nullable=False),
    sa.Column('follow_up_score', sa.Integer(), nullable=False),
    sa.Column('baselines', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_daily_survey_stats_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'local_date', 'baseline_complete', 'baseline_category', 'baseline_score', 'follow_up_complete', 'follow_up_category', 'follow_up_score', name=op.f('pk_daily_survey_stats'))
    )
    op.create_table('survey_stale_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_survey_stale_days_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_stale_days'))
    )
    with op.batch_alter_table('survey_stale_days', schema=None) as batch_op:
        batch_op.create_index('ix_survey_stale_days_site_date', ['site_id', 'local_date'], unique=False)

    op.execute(FILL)


def downgrade():
    with op.batch_alter_table('survey_stale_days', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_stale_days_site_date')

    op.drop_table('survey_stale_days')
    op.drop_table('daily_survey_stats')
