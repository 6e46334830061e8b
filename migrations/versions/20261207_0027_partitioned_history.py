"""On PostgreSQL, the history tables are partitioned by month (declarative RANGE partitions):
the visits, their bands and lines and the stock ledger by local_date, and the audit log by the
UTC month of `at`, each with a partition per month from its earliest row to three months
ahead and a DEFAULT partition. Primary keys become (id, <partition column>); the keys into
visits are (visit_id, local_date) since 0026.
The nightly `supermarket db partitions` makes the months ahead (supermarket/partitions.py).
SQLite keeps plain tables: nothing changes there.

The rebuild copies every row under an exclusive lock (stop the app): measured on a shared
2-core machine, 15 to 30 s per million rows (306,203 visits with 867,729 bands and 83,620
stock movements: 21 s in all; the downgrade, 11 s).

The migration uses supermarket/partitions.py, which imports nothing of the application.

Revision ID: 0027_partitioned_history
Revises: 0026_visit_keys
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op

from supermarket import partitions


# revision identifiers, used by Alembic.
revision = '0027_partitioned_history'
down_revision = '0026_visit_keys'
branch_labels = None
depends_on = None

# Frozen here (not partitions.ENABLED), so that this migration keeps doing what it did.
# Visits before the tables that refer to them.
TABLES = ('visits', 'visit_bands', 'visit_lines', 'stock_movements', 'audit_events')


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
