"""Anonymous visits keep a fingerprint of the request made with their idempotency key, so
that the key reused for a different household or payment is refused (409) instead of
answered with the first parcel, as a check-in's is.

Parcels recorded before this keep NULL: a retry of one is still answered with the first.

Revision ID: 0025_anonymous_fingerprint
Revises: 0024_payment_models
Create Date: 2026-12-07 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_anonymous_fingerprint'
down_revision = '0024_payment_models'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('anonymous_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('anonymous_visits', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
