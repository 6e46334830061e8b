"""Visit-type rollups: per site, day and visit type, the sums of the visits not voided
(`daily_visit_type_stats`), and per fixed period the distinct households by each breakdown the
reports show (`period_household_breakdowns`: monitoring answers, postcode district, eligibility
route, visit type), so that no reporting request reads the visits of a day already rolled up.

Derived data, like the other rollups. The upgrade fills `daily_visit_type_stats` for every day
already rolled up (so the sums stay whole without a rebuild); the breakdowns are stored by the
next `supermarket reporting rollup`, which also stores them for every period over before it
(until then the statistics count them from the visits, as before).

Revision ID: 0028_visit_type_rollups
Revises: 0027_partitioned_history
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_visit_type_rollups'
down_revision = '0027_partitioned_history'
branch_labels = None
depends_on = None

# The days already rolled up, summed as supermarket/reporting/rollups/refresh.py does.
FILL = """
INSERT INTO daily_visit_type_stats (site_id, local_date, visit_type, visits, items,
    retail_value_pence, fees_pence, pay_as_you_feel_pence, points_spent)
SELECT v.site_id, v.local_date, v.visit_type, count(*), coalesce(sum(b.items), 0),
    coalesce(sum(v.retail_value_pence), 0), coalesce(sum(v.amount_paid_pence), 0),
    coalesce(sum(CASE WHEN v.payment_model = 'pay_as_you_feel' THEN v.amount_paid_pence
                      ELSE 0 END), 0),
    coalesce(sum(v.points_spent), 0)
FROM visits v
LEFT JOIN (
    SELECT visit_id, sum(quantity) AS items FROM visit_bands
    WHERE local_date <= (SELECT complete_through FROM rollup_state WHERE id = 1)
    GROUP BY visit_id
) b ON b.visit_id = v.id
WHERE v.voided_at IS NULL
  AND v.local_date <= (SELECT complete_through FROM rollup_state WHERE id = 1)
GROUP BY v.site_id, v.local_date, v.visit_type
"""


def upgrade():
    op.create_table('daily_visit_type_stats',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('visit_type', sa.String(length=40), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('items', sa.BigInteger(), nullable=False),
    sa.Column('retail_value_pence', sa.BigInteger(), nullable=False),
    sa.Column('fees_pence', sa.BigInteger(), nullable=False),
    sa.Column('pay_as_you_feel_pence', sa.BigInteger(), nullable=False),
    sa.Column('points_spent', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_daily_visit_type_stats_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'local_date', 'visit_type', name=op.f('pk_daily_visit_type_stats'))
    )
    op.create_table('period_household_breakdowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=7), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('through', sa.Date(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_period_household_breakdowns_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_household_breakdowns')),
    sa.UniqueConstraint('period_key', 'site_id', name=op.f('uq_period_household_breakdowns_period_key_site_id'))
    )
    with op.batch_alter_table('period_household_breakdowns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_household_breakdowns_site_id'), ['site_id'], unique=False)
    op.execute(FILL)


def downgrade():
    with op.batch_alter_table('period_household_breakdowns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_household_breakdowns_site_id'))
    op.drop_table('period_household_breakdowns')
    op.drop_table('daily_visit_type_stats')
