"""Visits keep a fingerprint of the check-in request made with their idempotency key, so that
the key reused for a different basket or payment is refused instead of replayed.

Visits recorded before this keep NULL: a retry of one is still matched by member only.

Revision ID: 0009_visit_request_hash
Revises: 0008_sign_in_throttles
Create Date: 2026-12-06 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_visit_request_hash'
down_revision = '0008_sign_in_throttles'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
