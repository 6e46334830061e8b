"""Visit types: `visits.visit_type`, the site's kind of visit (its settings' `visit_types`);
every visit recorded before is a weekly shop, as the server default says.

Revision ID: 0020_visit_types
Revises: 0019_running_period_households
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_visit_types'
down_revision = '0019_running_period_households'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('visit_type', sa.String(length=40), server_default='weekly_shop', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('visit_type')
