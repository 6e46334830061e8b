"""Sign-in throttles: how far each failed-sign-in budget (an address's, an account's, a
device's) is used up, shared by every worker. Rows are keyed hashes, deleted as budgets
refill, so the table holds only budgets in use.

Revision ID: 0008_sign_in_throttles
Revises: 0007_audit_no_delete
Create Date: 2026-12-06 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_sign_in_throttles'
down_revision = '0007_audit_no_delete'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('used_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttles'))
    )
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttles_used_until'), ['used_until'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttles_used_until'))

    op.drop_table('sign_in_throttles')
