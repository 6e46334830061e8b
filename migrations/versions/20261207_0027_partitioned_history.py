"""On PostgreSQL, the history tables are partitioned by month (declarative RANGE partitions):
the stock ledger by local_date and the audit log by the UTC month of `at`, each with a
partition per month from its earliest row to three months ahead and a DEFAULT partition.
The nightly `supermarket db partitions` makes the months ahead (supermarket/partitions.py).
SQLite keeps plain tables: nothing changes there.

The visits family (visits, visit_bands, visit_lines) follows once their composite keys
(visit_id, local_date) of 0026 exist: add them to TABLES below, visits first.

The rebuild copies every row under an exclusive lock (the app should be stopped).

Revision ID: 0027_partitioned_history
Revises: 0025_anonymous_fingerprint (until 0026_visit_keys is merged: the integrator re-chains)
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op

from supermarket import partitions


# revision identifiers, used by Alembic.
revision = '0027_partitioned_history'
down_revision = '0025_anonymous_fingerprint'
branch_labels = None
depends_on = None

# Frozen here (not partitions.ENABLED), so that this migration keeps doing what it did.
TABLES = ('stock_movements', 'audit_events')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for table in TABLES:
        partitions.partition_table(bind, table)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for table in reversed(TABLES):
        partitions.unpartition_table(bind, table)
